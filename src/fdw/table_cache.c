/*-------------------------------------------------------------------------
 * table_cache.c
 *	  Backend-local cache of what opening a lake table costs: its options
 *	  (catalog), its handle (root, normalised path, the directory checked by
 *	  LakePathJoin) and its latest schema (decoded), by foreign table oid;
 *	  and, built on first use from those, its flush description, merge
 *	  configuration, scan layout (scan_exec.c) and the commit-ordered file
 *	  list of the last snapshot a scan read.  A transaction's first use of a
 *	  table (LakeXactGetTable) takes them from here instead of reading the
 *	  catalog, checking paths, decoding the schema and copying file lists
 *	  again.
 *
 * Validity: options and columns change only through the catalog, so a
 * relcache invalidation of the table, or any change of a foreign server or
 * foreign table row, drops entries.  The schema changes only by publishing
 * schema-<N+1> followed by a snapshot naming it (FORMAT.md, LakeSchemaCommit),
 * so an entry remembers the latest snapshot it was found current with:
 * while that snapshot is still the latest (LakeSnapshotLatestPinned, the
 * two stats choosing the statement's snapshot needs anyway), the schema is
 * still the latest that any snapshot names; otherwise the entry probes
 * schema-<N+1> (LakeSchemaLatestId: two stats) and is rebuilt if it moved.
 * (A schema published but not yet named by a snapshot, or left so by a
 * crash, is seen with the next commit; no data file uses it before.)  The
 * table directory's resolution is remembered like any directory's
 * (io_path.c): a directory replaced by a symbolic link while the backend
 * lives is seen by new backends.  The file list is keyed by the snapshot's
 * id and its two manifest list names (never reused, meta_cache.c).  A list
 * for a newer snapshot, up to FILES_DELTA_MAX commits later, is made from
 * the cached one and the deltas of the snapshots since (a snapshot's base
 * is its parent's files), once the cached snapshot is found still on disk
 * as cached; its total must match the snapshot's, else every manifest is
 * read as before.
 *
 * Memory: one context per entry under CacheMemoryContext.  A dropped entry
 * may still be referenced by the running transaction's table state, so its
 * context is retired, not deleted, and freed at transaction end
 * (LakeTableCacheAtXactEnd); so is a replaced file list, which a
 * transaction replaces once at most (later snapshots it reads get copies
 * in the caller's memory, as without the cache).  At most
 * TABLE_CACHE_MAX entries: past that the whole cache is retired.  A file
 * list is kept only with lake_fdw.metadata_cache_size on and up to
 * FILES_CACHE_MAX files; with it, built on first use, its partition index
 * (scan/part_index.c), so that a scan of a few partitions prunes without
 * visiting every file.  lake_metadata_cache_reset empties it.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fdw/fdw.h"
#include "miscadmin.h"
#include "mergetree/write_buffer.h"
#include "scan/scan.h"
#include "storage/proc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#define TABLE_CACHE_MAX 256
#define FILES_CACHE_MAX 10000

/* a snapshot's identity: its id and its two manifest lists (both fresh names) */
typedef struct SnapKey
{
	int64		id;				/* 0: none */
	char	   *base_list;
	char	   *delta_list;
} SnapKey;

/* the public part first: LakeTableCached pointers are CachedTable pointers */
typedef struct CachedTable
{
	LakeTableCached pub;
	MemoryContext valid_cxt;	/* valid's strings, reset on change */
	SnapKey		valid;			/* latest snapshot seen with this schema */
	MemoryContext files_cxt;	/* files and their key, or NULL */
	SnapKey		files_key;
	List	   *files;			/* LakeDataFile*, commit order */
	LocalTransactionId files_lxid;	/* transaction that built them */
	LakePartIndex *files_index; /* of files, in files_cxt, built on first
								 * use (files_indexed); NULL: not yet, or
								 * the table is unpartitioned */
	bool		files_indexed;	/* built (files_index NULL: unpartitioned) */
} CachedTable;

typedef struct TableCacheEntry
{
	Oid			relid;			/* hash key */
	CachedTable *ct;			/* in its own context (entries move) */
} TableCacheEntry;

static HTAB *table_cache = NULL;
static List *retired = NIL;		/* MemoryContext, in TopMemoryContext */
static bool callbacks_registered = false;

/* ctx (a child of the cache) is freed at transaction end */
static void
retire_context(MemoryContext cxt)
{
	MemoryContext old;

	MemoryContextSetParent(cxt, TopMemoryContext);
	old = MemoryContextSwitchTo(TopMemoryContext);
	retired = lappend(retired, cxt);
	MemoryContextSwitchTo(old);
}

static void
retire_entry(TableCacheEntry *e)
{
	e->ct->pub.retired = true;
	retire_context(e->ct->pub.cxt);
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

static bool
snap_matches(const SnapKey *k, const LakeSnapshot *s)
{
	return k->id != 0 && s != NULL && k->id == s->id &&
		strcmp(k->base_list, s->base_manifest_list) == 0 &&
		strcmp(k->delta_list, s->delta_manifest_list) == 0;
}

static void
snap_key_set(SnapKey *k, const LakeSnapshot *s, MemoryContext cxt)
{
	k->id = s->id;
	k->base_list = MemoryContextStrdup(cxt, s->base_manifest_list);
	k->delta_list = MemoryContextStrdup(cxt, s->delta_manifest_list);
}

/* Does the table read its latest snapshot (no snapshot or tag option)? */
static bool
reads_latest(const LakeTableOptions *o)
{
	return o->pinned_snapshot == 0 && o->tag == NULL;
}

/* A new entry (NULL schema: no such lake table, nothing remembered). */
static CachedTable *
build_entry(Oid relid)
{
	MemoryContext cxt;
	MemoryContext old;
	CachedTable *ct;

	if (hash_get_num_entries(table_cache) >= TABLE_CACHE_MAX)
		retire_all();
	cxt = AllocSetContextCreate(CacheMemoryContext, "lake_fdw table",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		ct = palloc0(sizeof(CachedTable));
		ct->pub.cxt = cxt;
		ct->pub.opts = LakeGetTableOptions(relid);
		ct->pub.table = LakeTableOpen(ct->pub.opts->root, ct->pub.opts->relpath);
		ct->pub.schema = LakeSchemaLoadLatestIfExists(ct->pub.table);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	if (ct->pub.schema == NULL)
	{
		/* no such lake table (yet): nothing to remember */
		ct->pub.retired = true;
		retire_context(cxt);
		return ct;
	}
	ct->valid_cxt = AllocSetContextCreate(cxt, "lake_fdw table snapshot",
										  ALLOCSET_SMALL_SIZES);
	{
		bool		found;
		TableCacheEntry *e = hash_search(table_cache, &relid, HASH_ENTER, &found);

		e->ct = ct;
	}
	return ct;
}

/*
 * LakeTableCacheGet
 *		Options, table handle and latest schema of foreign table relid
 *		(schema NULL if the lake table does not exist), shared: callers must
 *		not modify them.  Valid until the end of the current transaction at
 *		least.
 *
 * With latest non-NULL the caller is about to read the table's latest
 * snapshot in this statement: if the table reads its latest snapshot, it
 * is found (LakeSnapshotLatestPinned: pinned, in the current memory
 * context) and returned there, and when it is the one the entry was found
 * current with, the schema is not probed.  Else *latest is NULL.
 */
LakeTableCached *
LakeTableCacheGet(Oid relid, LakeSnapshot **latest)
{
	TableCacheEntry *e;
	CachedTable *ct = NULL;
	LakeSnapshot *snap = NULL;

	if (latest)
		*latest = NULL;
	ensure_cache();
	e = hash_search(table_cache, &relid, HASH_FIND, NULL);
	if (e != NULL)
	{
		int64		schema_id;

		ct = e->ct;
		if (latest && reads_latest(ct->pub.opts))
		{
			snap = LakeSnapshotLatestPinned(ct->pub.table);
			*latest = snap;
			/* unchanged since the schema was found current: still current */
			if (snap_matches(&ct->valid, snap))
				return &ct->pub;
		}
		/* a newer schema: the entry is rebuilt (the old one may be in use) */
		schema_id = LakeSchemaLatestId(ct->pub.table);
		if (schema_id < 0 || ct->pub.schema->schema_id != schema_id)
		{
			retire_entry(e);
			ct = NULL;
		}
	}
	if (ct == NULL)
	{
		ct = build_entry(relid);
		if (ct->pub.schema == NULL)
			return &ct->pub;
	}
	if (latest && reads_latest(ct->pub.opts))
	{
		/*
		 * The schema was probed before or after snap was found the latest:
		 * either way no snapshot past snap can name a schema it lacks.
		 */
		if (snap == NULL)
			snap = *latest = LakeSnapshotLatestPinned(ct->pub.table);
		if (snap != NULL && snap->schema_id <= ct->pub.schema->schema_id &&
			!snap_matches(&ct->valid, snap))
		{
			MemoryContextReset(ct->valid_cxt);
			snap_key_set(&ct->valid, snap, ct->valid_cxt);
		}
	}
	return &ct->pub;
}

/* Forget the cached list; the transaction may still read it. */
static void
drop_files(CachedTable *ct)
{
	if (ct->files_cxt == NULL)
		return;
	retire_context(ct->files_cxt);
	ct->files_cxt = NULL;
	ct->files = NIL;
	ct->files_index = NULL;
	ct->files_indexed = false;
	ct->files_key.id = 0;
}

/* a live file by its path */
typedef struct FileSlot
{
	char	   *path;			/* hash key (borrowed) */
	int			index;
} FileSlot;

static uint32
path_hash(const void *key, Size keysize)
{
	const char *p = *(char *const *) key;

	return hash_bytes((const unsigned char *) p, strlen(p));
}

static int
path_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/*
 * The files of snap (commit order) in the current memory context, from
 * the cached list of an earlier snapshot of the table and the deltas of
 * the snapshots since: a snapshot's base is its parent's live files
 * (FORMAT.md "Keeping reads cheap"), so only the deltas are read, not
 * every base manifest.  False (nothing built) when that cannot be done:
 * the cached snapshot is no longer on disk as cached (expired, or the
 * table re-created), too many snapshots since, a missing one, or a delta
 * that does not apply or a total that does not match (then the full read
 * decides, and reports any corruption).
 */
#define FILES_DELTA_MAX 8

typedef struct DeltaState
{
	const LakePartIndex *ix;	/* of the old list, or NULL */
	List	   *old;			/* the old list */
	HTAB	   *old_paths;		/* without ix: old paths, built on first use */
	HTAB	   *added;			/* paths added since */
	LakeDataFile **arr;			/* old files, then added ones; NULL: gone */
	int			n;
	int			cap;
	HASHCTL		ctl;
} DeltaState;

/* Position in arr of the live file at f's path, or -1. */
static int
live_position(DeltaState *st, const LakeDataFile *f)
{
	FileSlot   *e = hash_search(st->added, &f->path, HASH_FIND, NULL);
	int			pos;

	if (e != NULL)
		return e->index;
	if (st->ix != NULL)
		pos = LakePartIndexFileAt(st->ix, f->partition ? f->partition : "", f->path);
	else
	{
		if (st->old_paths == NULL)
		{
			ListCell   *lc;
			int			i = 0;

			st->old_paths = hash_create("lake_fdw live files", list_length(st->old) + 16,
										&st->ctl,
										HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
			foreach(lc, st->old)
			{
				LakeDataFile *o = lfirst(lc);
				bool		found;

				((FileSlot *) hash_search(st->old_paths, &o->path, HASH_ENTER, &found))->index = i++;
			}
		}
		e = hash_search(st->old_paths, &f->path, HASH_FIND, NULL);
		pos = e ? e->index : -1;
	}
	return pos >= 0 && st->arr[pos] != NULL ? pos : -1;
}

static bool
files_by_deltas(CachedTable *ct, LakeSnapshot *snap, List **out)
{
	LakeTable  *table = ct->pub.table;
	int64		from_id = ct->files_key.id;
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext tmp;
	DeltaState	st;
	int			nlive;
	bool		ok = false;
	ListCell   *lc;

	*out = NIL;
	if (from_id <= 0 || snap->id <= from_id || snap->id - from_id > FILES_DELTA_MAX)
		return false;
	tmp = AllocSetContextCreate(caller, "lake_fdw files by deltas", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(tmp);
	memset(&st, 0, sizeof(st));
	st.ctl.keysize = sizeof(char *);
	st.ctl.entrysize = sizeof(FileSlot);
	st.ctl.hash = path_hash;
	st.ctl.match = path_match;
	st.ctl.hcxt = tmp;
	st.ix = ct->files_indexed ? ct->files_index : NULL;
	st.old = ct->files;
	st.added = hash_create("lake_fdw added files", 64, &st.ctl,
						   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	nlive = list_length(ct->files);
	st.cap = nlive + 64;
	st.arr = palloc(sizeof(LakeDataFile *) * st.cap);
	{
		LakeSnapshot *from = LakeSnapshotLoad(table, from_id, true);

		if (!snap_matches(&ct->files_key, from))
			goto done;
	}
	/*
	 * snap is pinned; expiry also keeps away from the snapshots between
	 * (a pin covers those after it), unless it has claimed them already
	 */
	if (LakeSnapshotEarliestId(table) > from_id + 1)
		goto done;
	LakeSnapshotPin(table, from_id + 1);
	foreach(lc, ct->files)
		st.arr[st.n++] = lfirst(lc);
	for (int64 id = from_id + 1; id <= snap->id; id++)
	{
		LakeSnapshot *s = id == snap->id ? snap : LakeSnapshotLoad(table, id, true);
		List	   *added;
		List	   *deleted;

		CHECK_FOR_INTERRUPTS();
		if (s == NULL || s->parent_id != id - 1)
			goto done;
		/* a delta deletes (live files) before it adds */
		LakeSnapshotDelta(table, s, &added, &deleted);
		foreach(lc, deleted)
		{
			LakeDataFile *f = lfirst(lc);
			int			pos = live_position(&st, f);

			if (pos < 0)
				goto done;
			st.arr[pos] = NULL;
			hash_search(st.added, &f->path, HASH_REMOVE, NULL);
			nlive--;
		}
		foreach(lc, added)
		{
			LakeDataFile *f = lfirst(lc);
			bool		found;

			/* changelog files belong to their commit, never live */
			if (f->kind == LAKE_FILE_CHANGELOG)
				continue;
			if (live_position(&st, f) >= 0)
				goto done;
			if (st.n == st.cap)
			{
				st.cap *= 2;
				st.arr = repalloc(st.arr, sizeof(LakeDataFile *) * st.cap);
			}
			((FileSlot *) hash_search(st.added, &f->path, HASH_ENTER, &found))->index = st.n;
			st.arr[st.n++] = f;
			nlive++;
		}
	}
	ok = nlive == snap->total_files;
done:
	MemoryContextSwitchTo(caller);
	if (ok)
	{
		for (int i = 0; i < st.n; i++)
			if (st.arr[i] != NULL)
				*out = lappend(*out, LakeDataFileCopy(st.arr[i]));
		*out = LakeScanSortFiles(*out);
	}
	MemoryContextDelete(tmp);
	return ok;
}

/*
 * LakeTableCacheFiles
 *		The live files of snapshot snap (of tc's table), sorted in commit
 *		order (LakeScanSortFiles); shared: callers must not modify the list
 *		or the files.  Valid until the end of the current transaction.
 */
List *
LakeTableCacheFiles(LakeTableCached *tc, LakeSnapshot *snap)
{
	CachedTable *ct = (CachedTable *) tc;
	MemoryContext cxt;
	MemoryContext old;
	List	   *files;

	if (snap == NULL)
		return NIL;
	if (ct->files_cxt != NULL && snap_matches(&ct->files_key, snap) &&
		lake_metadata_cache_kb > 0)
		return ct->files;
	/*
	 * Another snapshot than the list's.  A list built by this transaction
	 * stays (one list a table a transaction is retired at most: a long
	 * transaction reading ever newer snapshots copies them per statement,
	 * in the caller's memory, as without the cache).
	 */
	if (ct->files_cxt != NULL && ct->files_lxid == MyProc->lxid &&
		lake_metadata_cache_kb > 0)
		return LakeScanSortFiles(LakeSnapshotFiles(tc->table, snap));
	if (lake_metadata_cache_kb <= 0 || snap->total_files > FILES_CACHE_MAX ||
		tc->schema == NULL || ct->valid_cxt == NULL)
	{
		drop_files(ct);
		return LakeScanSortFiles(LakeSnapshotFiles(tc->table, snap));
	}
	cxt = AllocSetContextCreate(tc->cxt, "lake_fdw table files", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		/* a newer snapshot of the list's: its deltas, else every manifest */
		if (ct->files_cxt == NULL || !files_by_deltas(ct, snap, &files))
			files = LakeScanSortFiles(LakeSnapshotFiles(tc->table, snap));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	drop_files(ct);
	snap_key_set(&ct->files_key, snap, cxt);
	ct->files_cxt = cxt;
	ct->files = files;
	ct->files_lxid = MyProc->lxid;
	return files;
}

/*
 * LakeTableCacheFilesIndex
 *		The partition index (LakePartIndexBuild) of files when files is the
 *		list the cache keeps for tc (LakeTableCacheFiles), built on first
 *		use with ps's layout, which must be tc's schema's, and kept with
 *		the list; NULL for another list or an unpartitioned table.  Shared,
 *		valid as long as the list.
 */
const LakePartIndex *
LakeTableCacheFilesIndex(LakeTableCached *tc, List *files, const LakePruneSpec *ps)
{
	CachedTable *ct = (CachedTable *) tc;

	if (files == NIL || ct->files_cxt == NULL || files != ct->files)
		return NULL;
	if (!ct->files_indexed)
	{
		MemoryContext old = MemoryContextSwitchTo(ct->files_cxt);

		/* an error leaves nothing behind but memory of the list's context */
		ct->files_index = LakePartIndexBuild(files, ps);
		ct->files_indexed = true;
		MemoryContextSwitchTo(old);
	}
	return ct->files_index;
}

/* The flush description of the lake schema, built on first use. */
const LakeFlushSpec *
LakeTableCacheFlushSpec(LakeTableCached *tc)
{
	if (tc->flush == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(tc->cxt);
		LakeFlushSpec *spec = palloc0(sizeof(LakeFlushSpec));

		LakeFlushSpecBuild(tc->table, tc->schema, tc->opts, spec);
		tc->flush = spec;
		MemoryContextSwitchTo(old);
	}
	return tc->flush;
}

/* The merge configuration of a primary-key table (else NULL), on first use. */
const LakeMergeConfig *
LakeTableCacheMergeConfig(LakeTableCached *tc)
{
	if (tc->merge == NULL && tc->schema->primary_key != NIL)
	{
		const LakeFlushSpec *spec = LakeTableCacheFlushSpec(tc);
		MemoryContext old = MemoryContextSwitchTo(tc->cxt);

		tc->merge = LakeMergeConfigFromSchema(tc->schema, tc->opts, spec);
		MemoryContextSwitchTo(old);
	}
	return tc->merge;
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
