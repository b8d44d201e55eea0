/*-------------------------------------------------------------------------
 * meta_cache.c
 *	  Backend-local cache of the live file sets of snapshots, so that a
 *	  statement reading a snapshot it (or an earlier statement) already
 *	  resolved reads no manifest list and no manifest.
 *
 * Correct without invalidation: a snapshot's file set is a function of its
 * two manifest lists, and every snapshot owns two freshly named lists
 * (manifest-list-<uuid>, FORMAT.md "Snapshot") that are never rewritten.
 * The key is the table directory, the snapshot id and both list names, so
 * a table dropped and created again on the same path (whose snapshot 1 is
 * a new file naming new lists) never meets the old entry.  Finding the
 * latest snapshot and loading its (small) snapshot file still happen per
 * statement; only what they name is cached.
 *
 * Memory: each entry has its own context under "lake_fdw snapshot cache"
 * (a child of CacheMemoryContext); entries hold deep copies, and callers
 * get deep copies in their own context.  The bytes of all entries are
 * bounded by lake_fdw.metadata_cache_size, least recently used first out.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/ilist.h"
#include "meta/meta_internal.h"
#include "utils/memutils.h"

int			lake_metadata_cache_kb = 64 * 1024;

typedef struct SnapCacheEntry
{
	dlist_node	node;			/* in snap_lru, oldest first */
	MemoryContext cxt;			/* owns this entry */
	char	   *dir;
	int64		id;
	char	   *base_list;
	char	   *delta_list;
	List	   *files;			/* LakeDataFile*, in cxt */
	Size		bytes;
} SnapCacheEntry;

static MemoryContext snap_cxt = NULL;
static dlist_head snap_lru = DLIST_STATIC_INIT(snap_lru);
static LakeMetaCacheStats snap_stats;

Size
LakeMetaCacheLimit(void)
{
	return (Size) lake_metadata_cache_kb * 1024;
}

static void
entry_drop(SnapCacheEntry *e)
{
	dlist_delete(&e->node);
	snap_stats.entries--;
	snap_stats.bytes -= e->bytes;
	MemoryContextDelete(e->cxt);
}

static void
cache_shrink(void)
{
	while (snap_stats.bytes > (int64) LakeMetaCacheLimit() && !dlist_is_empty(&snap_lru))
	{
		snap_stats.evictions++;
		entry_drop(dlist_head_element(SnapCacheEntry, node, &snap_lru));
	}
}

static bool
entry_matches(SnapCacheEntry *e, LakeTable *table, LakeSnapshot *snap)
{
	return e->id == snap->id &&
		strcmp(e->delta_list, snap->delta_manifest_list) == 0 &&
		strcmp(e->base_list, snap->base_manifest_list) == 0 &&
		strcmp(e->dir, table->dir) == 0;
}

bool
LakeSnapshotFilesCached(LakeTable *table, LakeSnapshot *snap, List **files)
{
	dlist_iter	it;
	ListCell   *lc;

	*files = NIL;
	if (lake_metadata_cache_kb <= 0)
	{
		cache_shrink();
		return false;
	}
	dlist_foreach(it, &snap_lru)
	{
		SnapCacheEntry *e = dlist_container(SnapCacheEntry, node, it.cur);

		if (!entry_matches(e, table, snap))
			continue;
		/* most recently used goes last */
		dlist_delete(&e->node);
		dlist_push_tail(&snap_lru, &e->node);
		snap_stats.hits++;
		foreach(lc, e->files)
			*files = lappend(*files, LakeDataFileCopy(lfirst(lc)));
		return true;
	}
	snap_stats.misses++;
	return false;
}

void
LakeSnapshotFilesRemember(LakeTable *table, LakeSnapshot *snap, List *files)
{
	MemoryContext cxt;
	MemoryContext old;
	SnapCacheEntry *e;
	ListCell   *lc;

	if (lake_metadata_cache_kb <= 0 || snap == NULL)
		return;
	if (snap_cxt == NULL)
		snap_cxt = AllocSetContextCreate(CacheMemoryContext, "lake_fdw snapshot cache",
										 ALLOCSET_SMALL_SIZES);
	cxt = AllocSetContextCreate(snap_cxt, "lake_fdw snapshot files", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	e = palloc0(sizeof(SnapCacheEntry));
	e->cxt = cxt;
	e->dir = pstrdup(table->dir);
	e->id = snap->id;
	e->base_list = pstrdup(snap->base_manifest_list);
	e->delta_list = pstrdup(snap->delta_manifest_list);
	foreach(lc, files)
		e->files = lappend(e->files, LakeDataFileCopy(lfirst(lc)));
	MemoryContextSwitchTo(old);
	e->bytes = MemoryContextMemAllocated(cxt, true);
	if (e->bytes > LakeMetaCacheLimit())
	{
		MemoryContextDelete(cxt);
		return;
	}
	dlist_push_tail(&snap_lru, &e->node);
	snap_stats.entries++;
	snap_stats.bytes += e->bytes;
	cache_shrink();
}

void
LakeMetaCacheGetStats(LakeMetaCacheStats *stats)
{
	*stats = snap_stats;
	stats->limit = (int64) LakeMetaCacheLimit();
}

void
LakeMetaCacheReset(void)
{
	/* emptying is not evicting: the counter stays */
	while (!dlist_is_empty(&snap_lru))
		entry_drop(dlist_head_element(SnapCacheEntry, node, &snap_lru));
}
