/*-------------------------------------------------------------------------
 * meta_file_cache.c
 *	  Backend-local cache of the bytes of immutable metadata files
 *	  (snapshot/snapshot-<N>, schema/schema-<N>), so that a statement
 *	  loading the snapshot or schema an earlier statement loaded pays one
 *	  stat instead of an open, a read and a close; and of the decoded latest
 *	  snapshot of each table (LakeSnapshotLatest), by the same identity.
 *
 * Correct without invalidation: those files are published once by atomic
 * create-if-absent and never rewritten (FORMAT.md; a rollback is a new
 * snapshot), but their names are reused when a table is dropped and created
 * again on the same path: it starts again at schema-0 and snapshot-1.  So
 * the key is the path plus
 * the file's identity as stat reports it (device, inode, size, modification
 * and change times in nanoseconds): a new file under an old name differs
 * in at least one of them.  The identity is taken before and after reading,
 * and bytes are kept only if both agree, so a file replaced mid-read is
 * never remembered under the wrong identity.  Bytes are kept as read;
 * callers decode (and so check the CRC of) a fresh copy every time.
 *
 * Memory: one context "lake_fdw metadata file cache" under
 * CacheMemoryContext; each entry is one palloc'd block.  The bytes of all
 * entries are bounded by lake_fdw.metadata_cache_size, least recently used
 * first out; 0 turns the cache off.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "io/io.h"
#include "lib/ilist.h"
#include "meta/meta_internal.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

typedef struct FileIdentity
{
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	int64		mtime_ns;
	int64		ctime_ns;
} FileIdentity;

typedef struct FileCacheEntry
{
	char		path[MAXPGPATH];	/* hash key */
	dlist_node	node;			/* in file_lru, oldest first */
	FileIdentity ident;
	char	   *data;			/* whole file, in file_cxt */
	size_t		len;
	Size		bytes;			/* accounted size */
} FileCacheEntry;

static MemoryContext file_cxt = NULL;
static HTAB *file_map = NULL;
static dlist_head file_lru = DLIST_STATIC_INIT(file_lru);
static LakeMetaCacheStats file_stats;

/* stat's identity of path; false (errno set) if it cannot be had */
static bool
file_identity(const char *path, FileIdentity *id)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return false;
	if (!S_ISREG(st.st_mode))
	{
		errno = EINVAL;
		return false;
	}
	memset(id, 0, sizeof(*id));
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime_ns = (int64) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	id->ctime_ns = (int64) st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
	return true;
}

static bool
identity_equal(const FileIdentity *a, const FileIdentity *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
		a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

static void
entry_drop(FileCacheEntry *e)
{
	dlist_delete(&e->node);
	file_stats.entries--;
	file_stats.bytes -= e->bytes;
	pfree(e->data);
	hash_search(file_map, e->path, HASH_REMOVE, NULL);
}

static void
cache_shrink(void)
{
	while (file_stats.bytes > (int64) LakeMetaCacheLimit() && !dlist_is_empty(&file_lru))
	{
		file_stats.evictions++;
		entry_drop(dlist_head_element(FileCacheEntry, node, &file_lru));
	}
}

static void
ensure_map(void)
{
	HASHCTL		ctl;

	if (file_map != NULL)
		return;
	file_cxt = AllocSetContextCreate(CacheMemoryContext, "lake_fdw metadata file cache",
									 ALLOCSET_SMALL_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = MAXPGPATH;
	ctl.entrysize = sizeof(FileCacheEntry);
	ctl.hcxt = file_cxt;
	file_map = hash_create("lake_fdw metadata files", 64, &ctl,
						   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

static void
remember(const char *path, const FileIdentity *ident, const char *data, size_t len)
{
	FileCacheEntry *e;
	bool		found;

	ensure_map();
	e = hash_search(file_map, path, HASH_ENTER, &found);
	if (found)
		entry_drop(e);			/* a stale identity: replace it */
	e = hash_search(file_map, path, HASH_ENTER, &found);
	e->ident = *ident;
	e->data = MemoryContextAlloc(file_cxt, Max(len, 1));
	memcpy(e->data, data, len);
	e->len = len;
	e->bytes = len + sizeof(FileCacheEntry);
	dlist_push_tail(&file_lru, &e->node);
	file_stats.entries++;
	file_stats.bytes += e->bytes;
	cache_shrink();
}

/*
 * LakeMetaReadFileCached
 *		LakeMetaReadFile for an immutable metadata file: the same result
 *		(false if absent and missing_ok, the same errors otherwise), from
 *		this backend's cache when the file's identity is unchanged.
 */
bool
LakeMetaReadFileCached(const char *path, LakeMetaKind kind, bool missing_ok,
					   LakeDecoder *dec)
{
	FileIdentity before;
	FileIdentity after;
	FileCacheEntry *e;
	char	   *data;
	size_t		len;

	if (lake_metadata_cache_kb <= 0 || strlen(path) >= MAXPGPATH)
	{
		if (file_map != NULL && lake_metadata_cache_kb <= 0)
			LakeMetaFileCacheReset();
		return LakeMetaReadFile(path, kind, missing_ok, dec);
	}
	if (!file_identity(path, &before))
		return LakeMetaReadFile(path, kind, missing_ok, dec);	/* its errors */
	ensure_map();
	e = hash_search(file_map, path, HASH_FIND, NULL);
	if (e != NULL && identity_equal(&e->ident, &before))
	{
		dlist_delete(&e->node);
		dlist_push_tail(&file_lru, &e->node);
		file_stats.hits++;
		data = palloc(Max(e->len, 1));
		memcpy(data, e->data, e->len);
		LakeDecBegin(dec, pstrdup(path), data, e->len, kind);
		return true;
	}
	file_stats.misses++;
	data = LakeReadFile(path, &len, missing_ok);
	if (data == NULL)
		return false;
	/* this checks the header and CRC: a corrupt file errors, unremembered */
	LakeDecBegin(dec, pstrdup(path), data, len, kind);
	if (file_identity(path, &after) && identity_equal(&before, &after) &&
		(off_t) len == after.size && len + sizeof(FileCacheEntry) <= LakeMetaCacheLimit())
		remember(path, &after, data, len);
	return true;
}

void
LakeMetaFileCacheGetStats(LakeMetaCacheStats *stats)
{
	*stats = file_stats;
	stats->limit = (int64) LakeMetaCacheLimit();
}

void
LakeMetaFileCacheReset(void)
{
	/* emptying is not evicting: the counter stays */
	while (!dlist_is_empty(&file_lru))
		entry_drop(dlist_head_element(FileCacheEntry, node, &file_lru));
}

/*
 * Latest ids seen, per directory of numbered files (snapshot/, schema/):
 * where a search for the latest starts probing instead of reading a hint
 * file.  Only a starting point: callers check the remembered file still
 * exists and probe past it, so a stale value costs a fallback, never a
 * wrong answer.  Not bounded by the cache size: one small entry per
 * directory this backend looked in.
 */
typedef struct LatestSeen
{
	char		dir[MAXPGPATH]; /* hash key */
	int64		id;
} LatestSeen;

static HTAB *latest_map = NULL;

int64
LakeMetaLatestSeen(const char *dir)
{
	LatestSeen *e;

	if (latest_map == NULL || strlen(dir) >= MAXPGPATH)
		return -1;
	e = hash_search(latest_map, dir, HASH_FIND, NULL);
	return e ? e->id : -1;
}

void
LakeMetaLatestNote(const char *dir, int64 id)
{
	LatestSeen *e;

	if (strlen(dir) >= MAXPGPATH)
		return;
	if (latest_map == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = MAXPGPATH;
		ctl.entrysize = sizeof(LatestSeen);
		ctl.hcxt = CacheMemoryContext;
		latest_map = hash_create("lake_fdw latest ids seen", 16, &ctl,
								 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	e = hash_search(latest_map, dir, HASH_ENTER, NULL);
	e->id = id;
}

/*
 * Decoded snapshots, by the probe path of snapshot-<N> (the table
 * directory + "snapshot/snapshot-<N>", not re-checked by LakePathJoin) and
 * the file's identity: LakeSnapshotLatest returns the latest snapshot of a
 * table without reading, checking or decoding its file again while its
 * identity is unchanged.  The entry was decoded from the file as read
 * through a checked path, with the same identity before and after: a file
 * with that identity is that file, so neither a re-created table (new file
 * under the old name) nor a symbolic link put in its place can match.
 * Bounded by count (DECODED_MAX, past it all are dropped) and emptied with
 * the file cache; off when lake_fdw.metadata_cache_size is 0.
 */
#define DECODED_MAX 256

typedef struct DecodedEntry
{
	char		path[MAXPGPATH];	/* hash key */
	FileIdentity ident;
	LakeSnapshot *snap;			/* in decoded_cxt */
} DecodedEntry;

static MemoryContext decoded_cxt = NULL;
static HTAB *decoded_map = NULL;
static LakeMetaCacheStats decoded_stats;

/* copy one string into the chunk at *pos, NULL stays NULL */
static char *
flat_string(const char *src, char **pos)
{
	char	   *dst;
	size_t		len;

	if (src == NULL)
		return NULL;
	len = strlen(src) + 1;
	dst = *pos;
	memcpy(dst, src, len);
	*pos += len;
	return dst;
}

/* A copy of s in one chunk (one pfree frees it all). */
static LakeSnapshot *
snapshot_copy(const LakeSnapshot *s)
{
	const char *str[4] = {s->base_manifest_list, s->delta_manifest_list,
	s->commit_user, s->writer_id};
	size_t		total = MAXALIGN(sizeof(LakeSnapshot));
	LakeSnapshot *c;
	char	   *pos;

	for (int i = 0; i < 4; i++)
		total += str[i] ? strlen(str[i]) + 1 : 0;
	c = palloc(total);
	*c = *s;
	pos = (char *) c + MAXALIGN(sizeof(LakeSnapshot));
	c->base_manifest_list = flat_string(s->base_manifest_list, &pos);
	c->delta_manifest_list = flat_string(s->delta_manifest_list, &pos);
	c->commit_user = flat_string(s->commit_user, &pos);
	c->writer_id = flat_string(s->writer_id, &pos);
	return c;
}

static void
decoded_reset(void)
{
	if (decoded_cxt != NULL)
		MemoryContextDelete(decoded_cxt);
	decoded_cxt = NULL;
	decoded_map = NULL;
	decoded_stats.entries = 0;
}

/*
 * LakeMetaSnapshotIdentity
 *		Identity of the snapshot file at probe_path, to hand back to
 *		LakeMetaSnapshotRemember after decoding it; false if it cannot be had.
 */
bool
LakeMetaSnapshotIdentity(const char *probe_path, LakeMetaIdentity *ident)
{
	StaticAssertStmt(sizeof(LakeMetaIdentity) >= sizeof(FileIdentity),
					 "LakeMetaIdentity too small");
	if (lake_metadata_cache_kb <= 0 || strlen(probe_path) >= MAXPGPATH)
		return false;
	return file_identity(probe_path, (FileIdentity *) ident->words);
}

/*
 * LakeMetaSnapshotRemember
 *		Keep snap, decoded from probe_path whose identity was ident before
 *		the read, if the identity is still the same.
 */
void
LakeMetaSnapshotRemember(const char *probe_path, const LakeMetaIdentity *ident,
						 const LakeSnapshot *snap)
{
	FileIdentity after;
	DecodedEntry *e;
	bool		found;
	MemoryContext old;

	if (lake_metadata_cache_kb <= 0 || strlen(probe_path) >= MAXPGPATH ||
		!file_identity(probe_path, &after) ||
		!identity_equal((const FileIdentity *) ident->words, &after))
		return;
	if (decoded_map != NULL && hash_get_num_entries(decoded_map) >= DECODED_MAX)
	{
		decoded_stats.evictions += hash_get_num_entries(decoded_map);
		decoded_reset();
	}
	if (decoded_map == NULL)
	{
		HASHCTL		ctl;

		decoded_cxt = AllocSetContextCreate(CacheMemoryContext,
											"lake_fdw decoded snapshot cache",
											ALLOCSET_SMALL_SIZES);
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = MAXPGPATH;
		ctl.entrysize = sizeof(DecodedEntry);
		ctl.hcxt = decoded_cxt;
		decoded_map = hash_create("lake_fdw decoded snapshots", 16, &ctl,
								  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	}
	e = hash_search(decoded_map, probe_path, HASH_ENTER, &found);
	if (found)
		pfree(e->snap);
	else
		decoded_stats.entries++;
	e->ident = after;
	old = MemoryContextSwitchTo(decoded_cxt);
	e->snap = snapshot_copy(snap);
	MemoryContextSwitchTo(old);
}

/*
 * LakeMetaSnapshotCached
 *		A copy (in the current context) of the snapshot decoded from
 *		probe_path, if that file is still there with the same identity (one
 *		stat); NULL otherwise.
 */
LakeSnapshot *
LakeMetaSnapshotCached(const char *probe_path)
{
	FileIdentity now;
	DecodedEntry *e;

	if (lake_metadata_cache_kb <= 0)
	{
		if (decoded_map != NULL)
			decoded_reset();
		return NULL;
	}
	if (decoded_map == NULL || strlen(probe_path) >= MAXPGPATH)
		return NULL;
	e = hash_search(decoded_map, probe_path, HASH_FIND, NULL);
	if (e == NULL)
	{
		decoded_stats.misses++;
		return NULL;
	}
	if (!file_identity(probe_path, &now) || !identity_equal(&e->ident, &now))
	{
		/* gone, or another file under the name: forget it */
		decoded_stats.misses++;
		pfree(e->snap);
		hash_search(decoded_map, probe_path, HASH_REMOVE, NULL);
		decoded_stats.entries--;
		return NULL;
	}
	decoded_stats.hits++;
	return snapshot_copy(e->snap);
}

void
LakeMetaSnapshotCacheGetStats(LakeMetaCacheStats *stats)
{
	*stats = decoded_stats;
	stats->bytes = decoded_cxt ? (int64) MemoryContextMemAllocated(decoded_cxt, true) : 0;
	stats->limit = -1;			/* bounded by DECODED_MAX entries */
}

/* lake_metadata_cache_reset */
void
LakeMetaSnapshotCacheReset(void)
{
	decoded_reset();
}
