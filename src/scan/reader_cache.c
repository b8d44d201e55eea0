/*-------------------------------------------------------------------------
 * reader_cache.c
 *	  Backend-local cache of opened Parquet readers: each keeps a data
 *	  file's parsed footer (schema, row groups, key/value metadata) and the
 *	  offset indexes, page indexes and bloom filter bits read so far, so the
 *	  next statement (or nested loop probe) that reads the file skips the
 *	  footer read, the Thrift parse and the page index loads.
 *
 * Why no invalidation is needed: lake files are immutable.  A data or
 * changelog file is created once under a fresh random name
 * (data-<uuid>.parquet, FORMAT.md "Data files") and never rewritten; a
 * table dropped and created again on the same path writes new names.  The
 * cache is keyed by the absolute path and checked against the file's size
 * each time the file is opened (the file is always reopened: a file that
 * expiry or compaction deleted fails to open, it is never read from the
 * cache alone; a truncated file differs in size and is read afresh).
 *
 * Memory: each cached reader lives in its own memory context.  While a
 * scan borrows it (LakeReaderCacheTake), the context hangs under the
 * scan's context, so an error frees it with the scan; given back
 * (LakeReaderCacheGive), it is released (large page buffers freed, all of
 * them if it would take over an eighth of the bound) and moved
 * under "lake_fdw reader cache", a child of CacheMemoryContext.  The bytes
 * of the cached contexts are bounded by lake_fdw.metadata_cache_size
 * (least recently used readers go first; 0 disables the cache).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/ilist.h"
#include "scan/scan.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

typedef struct ReaderCacheEntry
{
	char		path[MAXPGPATH];	/* hash key */
	LakeCachedReader *reader;
} ReaderCacheEntry;

static MemoryContext cache_cxt = NULL;
static HTAB *cache_hash = NULL;
static dlist_head cache_lru = DLIST_STATIC_INIT(cache_lru);	/* oldest first */
static LakeMetaCacheStats cache_stats;

static void
cache_init(void)
{
	HASHCTL		ctl;

	if (cache_hash)
		return;
	cache_cxt = AllocSetContextCreate(CacheMemoryContext, "lake_fdw reader cache",
									  ALLOCSET_SMALL_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = MAXPGPATH;
	ctl.entrysize = sizeof(ReaderCacheEntry);
	ctl.hcxt = cache_cxt;
	cache_hash = hash_create("lake_fdw reader cache", 64, &ctl,
							 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

static void
cache_remove(LakeCachedReader *cr, bool destroy)
{
	bool		found;

	hash_search(cache_hash, cr->path, HASH_REMOVE, &found);
	Assert(found);
	dlist_delete(&cr->lru);
	cache_stats.entries--;
	cache_stats.bytes -= cr->bytes;
	if (destroy)
	{
		cache_stats.evictions++;
		MemoryContextDelete(cr->cxt);
	}
}

static void
cache_shrink(void)
{
	while (cache_stats.bytes > (int64) LakeMetaCacheLimit() && !dlist_is_empty(&cache_lru))
		cache_remove(dlist_head_element(LakeCachedReader, lru, &cache_lru), true);
}

LakeCachedReader *
LakeReaderCacheTake(const char *path, uint64 size)
{
	ReaderCacheEntry *e;
	LakeCachedReader *cr;

	if (lake_metadata_cache_kb <= 0 || strlen(path) >= MAXPGPATH)
	{
		if (cache_hash)
			cache_shrink();
		return NULL;
	}
	cache_init();
	e = hash_search(cache_hash, path, HASH_FIND, NULL);
	if (e == NULL)
	{
		cache_stats.misses++;
		return NULL;
	}
	cr = e->reader;
	if (cr->size != size)
	{
		/* not the file the footer came from (cannot happen to lake files) */
		cache_remove(cr, true);
		cache_stats.misses++;
		return NULL;
	}
	cache_remove(cr, false);
	cache_stats.hits++;
	MemoryContextSetParent(cr->cxt, CurrentMemoryContext);
	return cr;
}

LakeCachedReader *
LakeReaderCacheNew(const char *path, uint64 size)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "lake_fdw cached reader",
											  ALLOCSET_DEFAULT_SIZES);
	LakeCachedReader *cr = MemoryContextAllocZero(cxt, sizeof(LakeCachedReader));

	cr->cxt = cxt;
	cr->path = MemoryContextStrdup(cxt, path);
	cr->size = size;
	LakeAllocatorInit(&cr->alloc, cxt);
	return cr;
}

void
LakeReaderCacheGive(LakeCachedReader *cr)
{
	ReaderCacheEntry *e;
	bool		found;

	if (cr->pq == NULL || lake_metadata_cache_kb <= 0 || strlen(cr->path) >= MAXPGPATH)
	{
		MemoryContextDelete(cr->cxt);
		if (cache_hash)
			cache_shrink();
		return;
	}
	cache_init();
	ParquetReaderRelease(cr->pq);
	cr->bytes = MemoryContextMemAllocated(cr->cxt, true);
	if (cr->bytes > LakeMetaCacheLimit() / 8)
	{
		/* a large reader keeps its metadata, not its scan buffers */
		ParquetReaderTrim(cr->pq);
		cr->bytes = MemoryContextMemAllocated(cr->cxt, true);
	}
	if (cr->bytes > LakeMetaCacheLimit())
	{
		MemoryContextDelete(cr->cxt);
		cache_shrink();
		return;
	}
	e = hash_search(cache_hash, cr->path, HASH_ENTER, &found);
	if (found)
	{
		/* another scan of the same file gave its reader back first */
		MemoryContextDelete(cr->cxt);
		return;
	}
	e->reader = cr;
	MemoryContextSetParent(cr->cxt, cache_cxt);
	dlist_push_tail(&cache_lru, &cr->lru);
	cache_stats.entries++;
	cache_stats.bytes += cr->bytes;
	cache_shrink();
}

void
LakeReaderCacheGetStats(LakeMetaCacheStats *stats)
{
	*stats = cache_stats;
	stats->limit = (int64) LakeMetaCacheLimit();
}

void
LakeReaderCacheReset(void)
{
	int64		evictions = cache_stats.evictions;

	if (cache_hash == NULL)
		return;
	while (!dlist_is_empty(&cache_lru))
		cache_remove(dlist_head_element(LakeCachedReader, lru, &cache_lru), true);
	cache_stats.evictions = evictions;	/* emptying is not evicting */
}
