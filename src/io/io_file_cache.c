/*-------------------------------------------------------------------------
 * io_file_cache.c
 *	  Backend-local cache of open read handles (PostgreSQL VFDs) of
 *	  immutable files, so that a statement reading a data file an earlier
 *	  statement read does a pread only: no path walk, no open, no close.
 *
 * LakeFileOpenImmutable opens like LakeFileOpen, but its LakeFileClose
 * parks the VFD here instead of closing it; the next open of the same path
 * takes it back.  Only files that are never rewritten in place may be
 * opened so (lake data and changelog files: fresh random names, FORMAT.md
 * "Data files").  A parked file may have been deleted since (compaction and
 * expiry delete files; when this backend deletes one, LakeFileCacheForget
 * closes its descriptor at once): before reuse, fstat must show it still linked and
 * of the same size, else it is closed and the path opened afresh, which
 * fails for a deleted file exactly as without the cache.  Every
 * LAKE_FILE_SWEEP_MS an open also closes parked files that were deleted,
 * so a backend never keeps the disk space of many deleted files for long.
 * PostgreSQL's VFD layer may close the kernel descriptor of a parked VFD
 * (max_files_per_process); using it again reopens the path.
 *
 * Bounds: at most LAKE_FILE_CACHE_MAX parked files, least recently parked
 * closed first.  LakeFileCacheReset (lake_metadata_cache_reset) closes all.
 * Entries live in TopMemoryContext; parked VFDs belong to no resource owner.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "io/io.h"
#include "io/io_internal.h"
#include "lib/ilist.h"
#include "storage/fd.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define LAKE_FILE_CACHE_MAX	64
#define LAKE_FILE_SWEEP_MS	10000

typedef struct ParkedFile
{
	char		path[MAXPGPATH];	/* hash key */
	dlist_node	lru;			/* oldest first */
	File		vfd;
	uint64		size;
} ParkedFile;

static HTAB *parked = NULL;
static dlist_head parked_lru = DLIST_STATIC_INIT(parked_lru);
static TimestampTz last_sweep = 0;
static LakeFileCacheStats stats;

static void
ensure_parked(void)
{
	HASHCTL		ctl;

	if (parked)
		return;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = MAXPGPATH;
	ctl.entrysize = sizeof(ParkedFile);
	ctl.hcxt = TopMemoryContext;
	parked = hash_create("lake_fdw parked files", LAKE_FILE_CACHE_MAX, &ctl,
						 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

/* Forget entry e; its VFD is returned to the caller (or closed) */
static File
unpark(ParkedFile *e, bool close_it)
{
	File		vfd = e->vfd;

	dlist_delete(&e->lru);
	hash_search(parked, e->path, HASH_REMOVE, NULL);
	stats.entries--;
	if (close_it)
	{
		FileClose(vfd);
		return -1;
	}
	return vfd;
}

/* Is the parked file still the linked file of size size? */
static bool
still_linked(File vfd, uint64 size)
{
	int			fd = FileGetRawDesc(vfd);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0)
		return false;
	return st.st_nlink > 0 && (uint64) st.st_size == size;
}

/* Close parked files deleted since they were parked, at most so often. */
static void
sweep_if_due(void)
{
	TimestampTz now;
	dlist_mutable_iter iter;

	if (stats.entries == 0)
		return;
	now = GetCurrentTimestamp();
	if (!TimestampDifferenceExceeds(last_sweep, now, LAKE_FILE_SWEEP_MS))
		return;
	last_sweep = now;
	dlist_foreach_modify(iter, &parked_lru)
	{
		ParkedFile *e = dlist_container(ParkedFile, lru, iter.cur);

		if (!still_linked(e->vfd, e->size))
		{
			stats.evictions++;
			(void) unpark(e, true);
		}
	}
}

/*
 * A parked VFD of path, checked still linked, or -1 (*size set when found).
 */
File
LakeFileCacheTake(const char *path, uint64 *size)
{
	ParkedFile *e;
	File		vfd;

	if (parked == NULL || strlen(path) >= MAXPGPATH)
		return -1;
	sweep_if_due();
	e = hash_search(parked, path, HASH_FIND, NULL);
	if (e == NULL)
	{
		stats.misses++;
		return -1;
	}
	*size = e->size;
	vfd = unpark(e, false);
	if (!still_linked(vfd, *size))
	{
		/* deleted or replaced since: the caller opens the path afresh */
		FileClose(vfd);
		stats.evictions++;
		stats.misses++;
		return -1;
	}
	stats.hits++;
	return vfd;
}

/* Park vfd (of path, size bytes) for a later LakeFileCacheTake, or close it. */
void
LakeFileCacheGive(const char *path, File vfd, uint64 size)
{
	ParkedFile *e;
	bool		found;

	if (strlen(path) >= MAXPGPATH)
	{
		FileClose(vfd);
		return;
	}
	ensure_parked();
	e = hash_search(parked, path, HASH_ENTER, &found);
	if (found)
	{
		/* two handles of one file were open: keep the parked one */
		FileClose(vfd);
		return;
	}
	e->vfd = vfd;
	e->size = size;
	dlist_push_tail(&parked_lru, &e->lru);
	stats.entries++;
	if (stats.entries == 1)
		last_sweep = GetCurrentTimestamp();
	while (stats.entries > LAKE_FILE_CACHE_MAX)
	{
		stats.evictions++;
		(void) unpark(dlist_head_element(ParkedFile, lru, &parked_lru), true);
	}
}

void
LakeFileCacheGetStats(LakeFileCacheStats *out)
{
	*out = stats;
	out->limit = LAKE_FILE_CACHE_MAX;
}

void
LakeFileCacheForget(const char *path)
{
	ParkedFile *e;

	if (parked == NULL || strlen(path) >= MAXPGPATH)
		return;
	e = hash_search(parked, path, HASH_FIND, NULL);
	if (e)
	{
		stats.evictions++;
		(void) unpark(e, true);
	}
}

/* Close every parked file (counters of hits stay). */
void
LakeFileCacheReset(void)
{
	while (!dlist_is_empty(&parked_lru))
		(void) unpark(dlist_head_element(ParkedFile, lru, &parked_lru), true);
}
