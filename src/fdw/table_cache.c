/*-------------------------------------------------------------------------
 * table_cache.c
 *	  Backend-local cache of what opening a lake table costs: its options
 *	  (catalog), its handle (root, normalised path, the directory checked by
 *	  LakePathJoin) and its latest schema (decoded), by foreign table oid.
 *	  A transaction's first use of a table (LakeXactGetTable) takes them
 *	  from here instead of reading the catalog, checking paths and decoding
 *	  the schema again.
 *
 * Validity: options change only through the catalog, so a relcache
 * invalidation of the table, or any change of a foreign server or foreign
 * table row, drops entries.  The schema changes only by publishing
 * schema-<N+1>, so each use probes that (LakeSchemaLatestId: two stats) and
 * rebuilds the entry when it moved.  The table directory's resolution is
 * remembered like any directory's (io_path.c): a directory replaced by a
 * symbolic link while the backend lives is seen by new backends.
 *
 * Memory: one context per entry under CacheMemoryContext.  A dropped entry
 * may still be referenced by the running transaction's table state, so its
 * context is retired, not deleted, and freed at transaction end
 * (LakeTableCacheAtXactEnd).  At most TABLE_CACHE_MAX entries: past that
 * the whole cache is retired.  lake_metadata_cache_reset empties it.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/fdw.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#define TABLE_CACHE_MAX 256

typedef struct TableCacheEntry
{
	Oid			relid;			/* hash key */
	MemoryContext cxt;			/* everything below lives here */
	LakeTableOptions *opts;
	LakeTable  *table;
	LakeSchema *schema;			/* the latest when the entry was built */
} TableCacheEntry;

static HTAB *table_cache = NULL;
static List *retired = NIL;		/* MemoryContext, in TopMemoryContext */
static bool callbacks_registered = false;

static void
retire_entry(TableCacheEntry *e)
{
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

	retired = lappend(retired, e->cxt);
	MemoryContextSwitchTo(old);
	hash_search(table_cache, &e->relid, HASH_REMOVE, NULL);
}

static void
retire_all(void)
{
	HASH_SEQ_STATUS seq;
	TableCacheEntry *e;

	if (table_cache == NULL)
		return;
	hash_seq_init(&seq, table_cache);
	while ((e = hash_seq_search(&seq)) != NULL)
		retire_entry(e);
}

static void
relcache_inval(Datum arg, Oid relid)
{
	TableCacheEntry *e;

	if (table_cache == NULL)
		return;
	if (relid == InvalidOid)
	{
		retire_all();
		return;
	}
	e = hash_search(table_cache, &relid, HASH_FIND, NULL);
	if (e)
		retire_entry(e);
}

static void
syscache_inval(Datum arg, int cacheid, uint32 hashvalue)
{
	retire_all();
}

static void
ensure_cache(void)
{
	HASHCTL		ctl;

	if (!callbacks_registered)
	{
		CacheRegisterRelcacheCallback(relcache_inval, (Datum) 0);
		CacheRegisterSyscacheCallback(FOREIGNSERVEROID, syscache_inval, (Datum) 0);
		CacheRegisterSyscacheCallback(FOREIGNTABLEREL, syscache_inval, (Datum) 0);
		callbacks_registered = true;
	}
	if (table_cache)
		return;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(TableCacheEntry);
	ctl.hcxt = CacheMemoryContext;
	table_cache = hash_create("lake_fdw table cache", 16, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * LakeTableCacheGet
 *		Options, table handle and latest schema of foreign table relid (NULL
 *		schema if the lake table does not exist).  The results are shared:
 *		callers must not modify them.  Valid until the end of the current
 *		transaction at least.
 */
void
LakeTableCacheGet(Oid relid, LakeTableOptions **opts, LakeTable **table,
				  LakeSchema **schema)
{
	TableCacheEntry *e;
	bool		found;
	int64		latest;
	MemoryContext cxt;
	MemoryContext old;

	ensure_cache();
	e = hash_search(table_cache, &relid, HASH_FIND, NULL);
	if (e != NULL)
	{
		/* a newer schema: the entry is rebuilt (the old one may be in use) */
		latest = LakeSchemaLatestId(e->table);
		if (latest >= 0 && e->schema != NULL && e->schema->schema_id == latest)
		{
			*opts = e->opts;
			*table = e->table;
			*schema = e->schema;
			return;
		}
		retire_entry(e);
	}

	if (hash_get_num_entries(table_cache) >= TABLE_CACHE_MAX)
		retire_all();
	cxt = AllocSetContextCreate(CacheMemoryContext, "lake_fdw table",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		*opts = LakeGetTableOptions(relid);
		*table = LakeTableOpen((*opts)->root, (*opts)->relpath);
		*schema = LakeSchemaLoadLatestIfExists(*table);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	if (*schema == NULL)
	{
		/* no such lake table (yet): nothing to remember */
		MemoryContextSetParent(cxt, TopMemoryContext);
		old = MemoryContextSwitchTo(TopMemoryContext);
		retired = lappend(retired, cxt);
		MemoryContextSwitchTo(old);
		return;
	}
	e = hash_search(table_cache, &relid, HASH_ENTER, &found);
	e->cxt = cxt;
	e->opts = *opts;
	e->table = *table;
	e->schema = *schema;
}

/* Free what was dropped while a transaction could still use it. */
void
LakeTableCacheAtXactEnd(void)
{
	ListCell   *lc;

	foreach(lc, retired)
		MemoryContextDelete((MemoryContext) lfirst(lc));
	list_free(retired);
	retired = NIL;
}

/* lake_metadata_cache_reset: forget every table (freed at transaction end) */
void
LakeTableCacheReset(void)
{
	retire_all();
}
