/*-------------------------------------------------------------------------
 * meta_expire.c
 *	  Snapshot expiry: deleting the oldest snapshots and the files only
 *	  they reference, in an order that leaves a readable table after a
 *	  crash at any instant; and the reference sets orphan cleanup shares.
 *
 * LakeSnapshotsExpire(table, target) expires the snapshots below target
 * (never the latest), a prefix of the retained range:
 *	 1. raise snapshot/EARLIEST to target, durably (fsync file and
 *		directory); it never goes down.  From here on a reader that pins a
 *		snapshot below target gives up (meta_pin.c).
 *	 2. collect the pins of this server's backends; the expiry stops below
 *		the lowest pin (keep_from = min(target, lowest pin)).
 *	 3. read the metadata: every file the retained snapshots (keep_from ..
 *		latest) and the tags reference, and every file the expired ones
 *		(oldest .. keep_from - 1) referenced.  Nothing is deleted yet.
 *	 4. delete the expired snapshot files, oldest first, then fsync
 *		snapshot/.  The snapshot files stay a contiguous range at every
 *		instant.
 *	 5. delete the expired snapshots' files that nothing retained
 *		references: data files, manifests, manifest lists.
 * A crash in 1-3 leaves every snapshot in place (a later expiry finishes
 * the job); in 4 a shorter contiguous range whose snapshots reference only
 * files that still exist; in 5 orphans, which orphan cleanup removes.
 * No retained snapshot ever references a deleted file.
 *
 * The file sets are over-approximated the cheap way: a file live in any
 * snapshot of a contiguous range [a, b] is live in a, or was added by the
 * delta of one of a+1 .. b.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <unistd.h>

#include "common/hashfn.h"
#include "io/io.h"
#include "meta/meta_internal.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

typedef struct PathSetEntry
{
	const char *path;			/* hash key, in the set's context */
	int64		bytes;
	bool		is_data;		/* a data/changelog file (else metadata) */
} PathSetEntry;

struct LakePathSet
{
	HTAB	   *hash;
	MemoryContext cxt;
};

static uint32
pathset_hash(const void *key, Size keysize)
{
	const char *s = *(const char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
pathset_match(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(const char *const *) key1, *(const char *const *) key2);
}

/*
 * LakePathSetCreate
 *		An empty set of table-relative paths, in CurrentMemoryContext.
 */
LakePathSet *
LakePathSetCreate(void)
{
	LakePathSet *set = palloc(sizeof(LakePathSet));
	HASHCTL		ctl;

	set->cxt = CurrentMemoryContext;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(PathSetEntry);
	ctl.hash = pathset_hash;
	ctl.match = pathset_match;
	ctl.hcxt = set->cxt;
	set->hash = hash_create("lake path set", 256, &ctl,
							HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	return set;
}

static void
pathset_add(LakePathSet *set, const char *path, int64 bytes, bool is_data)
{
	PathSetEntry *e;
	bool		found;

	e = hash_search(set->hash, &path, HASH_ENTER, &found);
	if (!found)
	{
		e->path = MemoryContextStrdup(set->cxt, path);
		e->bytes = bytes;
		e->is_data = is_data;
	}
}

bool
LakePathSetContains(LakePathSet *set, const char *path)
{
	return hash_search(set->hash, &path, HASH_FIND, NULL) != NULL;
}

long
LakePathSetCount(LakePathSet *set)
{
	return hash_get_num_entries(set->hash);
}

/*
 * The metadata files of one snapshot: its two manifest lists and every
 * manifest they name; with live_files, also the files live in it.
 */
static void
add_snapshot_refs(LakeTable *table, LakeSnapshot *snap, bool live_files,
				  LakePathSet *set)
{
	MemoryContext tmp = AllocSetContextCreate(CurrentMemoryContext,
											  "lake snapshot references",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(tmp);
	ListCell   *lc;

	pathset_add(set, psprintf("manifest/%s", snap->base_manifest_list), 0, false);
	pathset_add(set, psprintf("manifest/%s", snap->delta_manifest_list), 0, false);
	foreach(lc, LakeManifestMetasOfSnapshot(table, snap, true))
	{
		LakeManifestMeta *m = (LakeManifestMeta *) lfirst(lc);

		pathset_add(set, psprintf("manifest/%s", m->name), m->file_size, false);
	}
	if (live_files)
	{
		foreach(lc, LakeSnapshotFiles(table, snap))
		{
			LakeDataFile *f = (LakeDataFile *) lfirst(lc);

			CHECK_FOR_INTERRUPTS();
			pathset_add(set, f->path, f->file_size, true);
		}
	}
	if (live_files)
	{
		List	   *added;
		List	   *deleted;

		/* the snapshot's own changelog files are never live */
		LakeSnapshotDelta(table, snap, &added, &deleted);
		foreach(lc, added)
		{
			LakeDataFile *f = (LakeDataFile *) lfirst(lc);

			if (f->kind == LAKE_FILE_CHANGELOG)
				pathset_add(set, f->path, f->file_size, true);
		}
	}
	else
	{
		List	   *added;
		List	   *deleted;

		LakeSnapshotDelta(table, snap, &added, &deleted);
		foreach(lc, added)
		{
			LakeDataFile *f = (LakeDataFile *) lfirst(lc);

			pathset_add(set, f->path, f->file_size, true);
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
}

/*
 * LakePathSetAddSnapshots
 *		Every file snapshots from .. to (a contiguous range of existing
 *		snapshot files) reference; with tags, also every tag's.
 */
void
LakePathSetAddSnapshots(LakeTable *table, int64 from, int64 to, bool tags,
						LakePathSet *set)
{
	int64		id;

	for (id = from; id <= to && id > 0; id++)
	{
		LakeSnapshot *snap;

		CHECK_FOR_INTERRUPTS();
		LakeMaintLeaseKeepAlive();
		snap = LakeSnapshotLoad(table, id, false);
		add_snapshot_refs(table, snap, id == from, set);
		pfree(snap);
	}
	if (tags)
	{
		ListCell   *lc;

		foreach(lc, LakeTagSnapshots(table))
			add_snapshot_refs(table, (LakeSnapshot *) lfirst(lc), true, set);
	}
}

/* Raise snapshot/EARLIEST to id durably; never lowers it. */
static void
raise_earliest(LakeTable *table, int64 id)
{
	char	   *path;
	char	   *dir;
	char		text[32];

	if (LakeSnapshotHintRead(table, "EARLIEST") >= id)
		return;
	path = LakeTableFilePath(table, "snapshot/EARLIEST");
	dir = LakeTableFilePath(table, "snapshot");
	snprintf(text, sizeof(text), INT64_FORMAT "\n", id);
	LakeWriteHint(path, text);
	if (LakeSnapshotHintRead(table, "EARLIEST") != id)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not write \"%s\"", path),
				 errdetail("Snapshot expiry writes the earliest retained snapshot there before deleting anything.")));
	LakeFsyncPath(path, false);
	LakeFsyncPath(dir, true);
}

/*
 * LakeExpiryLastTime
 *		When an expiry last raised EARLIEST: its modification time.
 */
TimestampTz
LakeExpiryLastTime(LakeTable *table)
{
	char	   *path = LakeTableFilePath(table, "snapshot/EARLIEST");
	struct stat st;

	if (stat(path, &st) != 0)
		return 0;
	return time_t_to_timestamptz(st.st_mtime);
}

static void
unlink_counted(LakeTable *table, const char *rel, int64 *count)
{
	char	   *path = LakeTableFilePath(table, rel);

	LakeFileCacheForget(path);
	if (unlink(path) == 0)
		(*count)++;
	else if (errno != ENOENT)
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", path)));
	pfree(path);
}

/*
 * LakeSnapshotsExpire
 *		Expire the snapshots below target; see the file header.
 */
void
LakeSnapshotsExpire(LakeTable *table, int64 target, LakeExpireStats *stats)
{
	MemoryContext tmp;
	MemoryContext old;
	int64		oldest;
	int64		max_file;
	int64		latest;
	int64		keep_from;
	int64	   *pins;
	int			npins;
	LakePathSet *keep;
	LakePathSet *expired;
	HASH_SEQ_STATUS status;
	PathSetEntry *e;
	int64		id;
	bool		first;

	memset(stats, 0, sizeof(*stats));
	latest = LakeSnapshotLatestId(table);
	LakeSnapshotFileRange(table, &oldest, &max_file);
	stats->earliest_before = oldest;
	stats->earliest_after = oldest;
	if (latest == LAKE_SNAPSHOT_NONE || oldest == 0)
		return;
	target = Min(target, latest);
	if (target <= oldest)
		return;

	tmp = AllocSetContextCreate(CurrentMemoryContext, "lake snapshot expiry",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(tmp);

	/* 1. the fence */
	raise_earliest(table, target);
	LakeFaultPoint("expire-after-earliest");

	/* 2. the snapshots running queries of this server read */
	keep_from = target;
	pins = LakeSnapshotPinsCollect(table, &npins);
	for (int i = 0; i < npins; i++)
		if (pins[i] >= oldest && pins[i] < keep_from)
			keep_from = pins[i];
	stats->held_by_pins = target - keep_from;
	if (keep_from <= oldest)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(tmp);
		return;
	}

	/* 3. what stays referenced, and what the expired snapshots referenced */
	keep = LakePathSetCreate();
	LakePathSetAddSnapshots(table, keep_from, latest, true, keep);
	expired = LakePathSetCreate();
	LakePathSetAddSnapshots(table, oldest, keep_from - 1, false, expired);

	/* 4. the snapshot files, oldest first */
	first = true;
	for (id = oldest; id < keep_from; id++)
	{
		char		rel[64];

		CHECK_FOR_INTERRUPTS();
		LakeMaintLeaseKeepAlive();
		snprintf(rel, sizeof(rel), "snapshot/snapshot-" INT64_FORMAT, id);
		unlink_counted(table, rel, &stats->snapshots_deleted);
		if (first && id + 1 < keep_from)
			LakeFaultPoint("expire-mid-snapshots");
		first = false;
	}
	LakeFsyncPath(LakeTableFilePath(table, "snapshot"), true);
	stats->earliest_after = keep_from;
	LakeFaultPoint("expire-before-files");

	/* 5. files nothing retained references: data first, then metadata */
	first = true;
	for (int pass = 0; pass < 2; pass++)
	{
		hash_seq_init(&status, expired->hash);
		while ((e = hash_seq_search(&status)) != NULL)
		{
			int64		before;

			CHECK_FOR_INTERRUPTS();
			LakeMaintLeaseKeepAlive();
			if (e->is_data != (pass == 0) || LakePathSetContains(keep, e->path))
				continue;
			before = stats->files_deleted + stats->manifests_deleted;
			unlink_counted(table, e->path,
						   e->is_data ? &stats->files_deleted : &stats->manifests_deleted);
			if (stats->files_deleted + stats->manifests_deleted > before)
				stats->bytes_freed += e->bytes;
			if (first)
				LakeFaultPoint("expire-mid-files");
			first = false;
		}
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
}
