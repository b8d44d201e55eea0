/*-------------------------------------------------------------------------
 * meta_snapshot.c
 *	  Snapshot files: their encoding, finding the latest and earliest
 *	  snapshot, loading one, time travel (as of a timestamp) and listing.
 *
 * Snapshots are snapshot/snapshot-<N>, N = 1, 2, ... without gaps between
 * the earliest retained one and the latest.  A published snapshot file is
 * always complete (see LakePublishFile), so its existence alone means it
 * is committed.  snapshot/LATEST and snapshot/EARLIEST are hints holding a
 * decimal id; a reader checks that the hinted snapshot exists and then
 * probes past it (snapshot-<N+1>, ...) until one is missing.  A missing,
 * garbled or stale hint makes the reader list the directory instead.
 *
 * Expiry (meta_expire.c) deletes a prefix of the snapshots, oldest first,
 * after raising EARLIEST.  Loading a snapshot that is gone is an ERROR
 * saying it expired (ERRCODE_SNAPSHOT_TOO_OLD), unless a tag names it: a
 * tag keeps a copy of the snapshot, which stands in for the file.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <sys/stat.h>

#include "io/io.h"
#include "meta/meta_internal.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/timestamp.h"

static bool snapshot_exists(LakeTable *table, int64 id);
static bool parse_id(const char *s, size_t len, int64 *id);

char *
LakeSnapshotPath(LakeTable *table, int64 id)
{
	char		rel[64];

	snprintf(rel, sizeof(rel), "snapshot/snapshot-" INT64_FORMAT, id);
	return LakeTableFilePath(table, rel);
}

/* ---------------------------------------------------------------------
 * Codec
 * ---------------------------------------------------------------------
 */

/*
 * Body: id, schema_id, parent_id, kind, commit_time, base_manifest_list,
 * delta_manifest_list, added_rows, deleted_rows, total_rows, total_files,
 * total_bytes, commit_user?, writer_id?
 */
void
LakeSnapshotEncodeBody(LakeEncoder *enc, LakeSnapshot *snap)
{
	LakeEncInt(enc, snap->id);
	LakeEncInt(enc, snap->schema_id);
	LakeEncInt(enc, snap->parent_id);
	LakeEncInt(enc, (int64) snap->kind);
	LakeEncInt(enc, snap->commit_time);
	LakeEncString(enc, snap->base_manifest_list);
	LakeEncString(enc, snap->delta_manifest_list);
	LakeEncInt(enc, snap->added_rows);
	LakeEncInt(enc, snap->deleted_rows);
	LakeEncInt(enc, snap->total_rows);
	LakeEncInt(enc, snap->total_files);
	LakeEncInt(enc, snap->total_bytes);
	LakeEncString(enc, snap->commit_user);
	LakeEncString(enc, snap->writer_id);
}

LakeSnapshot *
LakeSnapshotDecodeBody(LakeDecoder *dec)
{
	LakeSnapshot *snap = palloc0(sizeof(LakeSnapshot));

	snap->id = LakeDecIntRange(dec, "id", 1, PG_INT64_MAX);
	snap->schema_id = LakeDecIntRange(dec, "schema_id", 0, PG_INT64_MAX);
	snap->parent_id = LakeDecIntRange(dec, "parent_id", 0, snap->id - 1);
	snap->kind = (LakeCommitKind) LakeDecIntRange(dec, "kind",
												  LAKE_COMMIT_APPEND,
												  LAKE_COMMIT_SCHEMA);
	snap->commit_time = LakeDecInt(dec, "commit_time");
	snap->base_manifest_list = LakeDecName(dec, "base_manifest_list");
	snap->delta_manifest_list = LakeDecName(dec, "delta_manifest_list");
	snap->added_rows = LakeDecIntRange(dec, "added_rows", 0, PG_INT64_MAX);
	snap->deleted_rows = LakeDecIntRange(dec, "deleted_rows", 0, PG_INT64_MAX);
	snap->total_rows = LakeDecIntRange(dec, "total_rows", 0, PG_INT64_MAX);
	snap->total_files = LakeDecIntRange(dec, "total_files", 0, PG_INT64_MAX);
	snap->total_bytes = LakeDecIntRange(dec, "total_bytes", 0, PG_INT64_MAX);
	snap->commit_user = LakeDecString(dec, "commit_user", true);
	snap->writer_id = LakeDecString(dec, "writer_id", true);
	return snap;
}

/* ---------------------------------------------------------------------
 * Finding snapshots
 * ---------------------------------------------------------------------
 */

static bool
snapshot_exists(LakeTable *table, int64 id)
{
	char		rel[64];
	char	   *path;
	struct stat st;
	bool		exists;

	snprintf(rel, sizeof(rel), "snapshot/snapshot-" INT64_FORMAT, id);
	path = LakeTableProbePath(table, rel);

	if (stat(path, &st) == 0)
		exists = true;
	else if (errno == ENOENT || errno == ENOTDIR)
		exists = false;
	else
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	pfree(path);
	return exists;
}

/* decimal digits only, > 0, no overflow */
static bool
parse_id(const char *s, size_t len, int64 *id)
{
	int64		v = 0;
	size_t		i;

	if (len == 0 || len > 18)
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v <= 0)
		return false;
	*id = v;
	return true;
}

/*
 * LakeSnapshotHintRead
 *		The id a hint file (LATEST, EARLIEST) names, if it is well formed;
 *		0 otherwise.
 */
int64
LakeSnapshotHintRead(LakeTable *table, const char *name)
{
	char	   *rel = psprintf("snapshot/%s", name);
	char	   *path = LakeTableFilePath(table, rel);
	size_t		len;
	char	   *text;
	int64		id = 0;

	text = LakeReadFile(path, &len, true);
	if (text != NULL)
	{
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
			len--;
		if (!parse_id(text, len, &id))
			id = 0;
		pfree(text);
	}
	pfree(path);
	pfree(rel);
	return id;
}

/*
 * LakeSnapshotFileRange
 *		Smallest and largest N of the snapshot-<N> files in snapshot/; both
 *		0 if there are none (or no directory).
 */
void
LakeSnapshotFileRange(LakeTable *table, int64 *min_id, int64 *max_id)
{
	char	   *dir = LakeTableFilePath(table, "snapshot");
	DIR		   *d;
	struct dirent *de;

	*min_id = 0;
	*max_id = 0;

	d = AllocateDir(dir);
	if (d == NULL && (errno == ENOENT || errno == ENOTDIR))
	{
		pfree(dir);
		return;
	}
	while ((de = ReadDir(d, dir)) != NULL)
	{
		int64		id;

		CHECK_FOR_INTERRUPTS();
		if (strncmp(de->d_name, "snapshot-", 9) != 0)
			continue;
		if (!parse_id(de->d_name + 9, strlen(de->d_name + 9), &id))
			continue;
		if (*min_id == 0 || id < *min_id)
			*min_id = id;
		if (id > *max_id)
			*max_id = id;
	}
	FreeDir(d);
	pfree(dir);
}

/*
 * LakeSnapshotLatestId
 *		Latest published snapshot id, LAKE_SNAPSHOT_NONE if none.
 */
int64
LakeSnapshotLatestId(LakeTable *table)
{
	int64		seen = LakeMetaLatestSeen(table->dir);
	int64		id;

	/*
	 * Start where this backend last found the latest: if that file is still
	 * there, ids have no gaps past it, so probing on is exact (expiry only
	 * removes older snapshots; a re-created table either lacks it or is
	 * probed on to its own latest).  Otherwise read the hint.
	 */
	if (seen > 0 && snapshot_exists(table, seen))
		id = seen;
	else
		id = LakeSnapshotHintRead(table, "LATEST");
	if (id == 0 || (id != seen && !snapshot_exists(table, id)))
	{
		int64		min_id;

		LakeSnapshotFileRange(table, &min_id, &id);
		if (id == 0)
		{
			/* a commit may have published snapshot-1 since the listing */
			if (!snapshot_exists(table, 1))
				return LAKE_SNAPSHOT_NONE;
			id = 1;
		}
	}

	/* probe past the hint: commits published since it was written */
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (!snapshot_exists(table, id + 1))
			break;
		id++;
	}
	LakeMetaLatestNote(table->dir, id);
	return id;
}

static char *
snapshot_probe_path(LakeTable *table, int64 id)
{
	char		rel[64];

	snprintf(rel, sizeof(rel), "snapshot/snapshot-" INT64_FORMAT, id);
	return LakeTableProbePath(table, rel);
}

/*
 * LakeSnapshotLatest
 *		The latest snapshot, NULL if the table has none.
 *
 * The snapshot this backend last found the latest is still the latest if
 * snapshot-<id+1> does not exist and then its file keeps the identity it
 * had when decoded (so: still there, and not a re-created table's file
 * under the same name): two stats, no read, no decode.  In that order:
 * snapshots are deleted oldest first, so snapshot-<id> still there after
 * snapshot-<id+1> was absent means id was the latest at the first stat
 * (the other order could pass while an expiry deletes both).  The slow
 * path has the same order (the probe ends at an absent id + 1, the load
 * reads id), which LakeSnapshotLatestPinned relies on.  Otherwise found and
 * loaded as LakeSnapshotLatestId + LakeSnapshotLoad do, and remembered.
 */
LakeSnapshot *
LakeSnapshotLatest(LakeTable *table)
{
	int64		seen = LakeMetaLatestSeen(table->dir);
	int64		id;
	char	   *probe;
	LakeMetaIdentity ident;
	bool		have_ident;
	LakeSnapshot *snap;

	if (seen > 0 && !snapshot_exists(table, seen + 1))
	{
		probe = snapshot_probe_path(table, seen);
		snap = LakeMetaSnapshotCached(probe);
		pfree(probe);
		if (snap != NULL && snap->id == seen)
			return snap;
	}
	id = LakeSnapshotLatestId(table);
	if (id == LAKE_SNAPSHOT_NONE)
		return NULL;
	probe = snapshot_probe_path(table, id);
	have_ident = LakeMetaSnapshotIdentity(probe, &ident);
	snap = LakeSnapshotLoad(table, id, false);
	if (have_ident)
		LakeMetaSnapshotRemember(probe, &ident, snap);
	pfree(probe);
	return snap;
}

bool
LakeSnapshotHasNewer(LakeTable *table, int64 id)
{
	return snapshot_exists(table, id + 1);
}

bool
LakeSnapshotFileExists(LakeTable *table, int64 id)
{
	return snapshot_exists(table, id);
}

/*
 * LakeSnapshotEarliestId
 *		Earliest retained snapshot id, LAKE_SNAPSHOT_NONE if none.
 */
int64
LakeSnapshotEarliestId(LakeTable *table)
{
	int64		id = LakeSnapshotHintRead(table, "EARLIEST");
	int64		latest;
	int64		max_id;

	if (id != 0 && snapshot_exists(table, id))
		return id;
	if (id == 0 && snapshot_exists(table, 1))
		return 1;

	/* hint stale (expired past it) or absent: list the directory */
	LakeSnapshotFileRange(table, &id, &max_id);
	if (id != 0)
		return id;

	latest = LakeSnapshotLatestId(table);
	return latest;				/* NONE, or a first snapshot just published */
}

/*
 * LakeSnapshotLoad
 *		Snapshot id; ERROR naming the id if absent and !missing_ok.
 */
LakeSnapshot *
LakeSnapshotLoad(LakeTable *table, int64 id, bool missing_ok)
{
	char	   *path;
	LakeDecoder dec;
	LakeSnapshot *snap;

	if (id <= 0)
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("snapshot " INT64_FORMAT " of lake table \"%s\" does not exist",
						id, table->relpath),
				 errhint("Snapshot ids start at 1.")));
	}

	path = LakeSnapshotPath(table, id);
	if (!LakeMetaReadFileCached(path, LAKE_META_SNAPSHOT, true, &dec))
	{
		int64		earliest;

		pfree(path);
		if (missing_ok)
			return NULL;
		/* an expired snapshot that a tag keeps stays readable */
		snap = LakeTagSnapshotFor(table, id);
		if (snap != NULL)
			return snap;
		earliest = LakeSnapshotEarliestId(table);
		if (earliest != LAKE_SNAPSHOT_NONE && id < earliest)
			ereport(ERROR,
					(errcode(ERRCODE_SNAPSHOT_TOO_OLD),
					 errmsg("snapshot " INT64_FORMAT " of lake table \"%s\" has expired",
							id, table->relpath),
					 errdetail("The earliest retained snapshot is " INT64_FORMAT ".",
							   earliest),
					 errhint("Tag a snapshot (lake_create_tag) to keep it readable; the table options snapshot_num_retained_min/max and snapshot_time_retained set how long snapshots are kept.")));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("snapshot " INT64_FORMAT " of lake table \"%s\" does not exist",
						id, table->relpath),
				 errdetail("The latest snapshot is " INT64_FORMAT ".",
						   LakeSnapshotLatestId(table)),
				 errhint("lake_snapshots() lists the table's snapshots.")));
	}
	snap = LakeSnapshotDecodeBody(&dec);
	LakeDecEnd(&dec);
	if (snap->id != id)
		LakeDecCorrupt(&dec, LAKE_META_HEADER_SIZE, "id",
					   psprintf("file holds snapshot " INT64_FORMAT, snap->id));
	pfree((char *) dec.data);
	pfree(path);
	return snap;
}

/*
 * LakeSnapshotAsOf
 *		Latest snapshot committed at or before ts; NULL if none.  Commit
 *		times never decrease along snapshot ids (LakeCommit makes sure), so
 *		walking back from the latest and stopping at the first match is
 *		exact.
 */
LakeSnapshot *
LakeSnapshotAsOf(LakeTable *table, TimestampTz ts)
{
	int64		latest = LakeSnapshotLatestId(table);
	int64		earliest;
	int64		id;
	TimestampTz oldest_time = 0;

	if (latest == LAKE_SNAPSHOT_NONE)
		return NULL;
	earliest = LakeSnapshotEarliestId(table);

	for (id = latest; id >= earliest && id > 0; id--)
	{
		LakeSnapshot *snap;

		CHECK_FOR_INTERRUPTS();
		snap = LakeSnapshotLoad(table, id, true);
		if (snap == NULL)
			break;				/* expired under us: nothing older remains */
		if (snap->commit_time <= ts)
			return snap;
		oldest_time = snap->commit_time;
		pfree(snap);
	}

	/*
	 * Nothing retained is old enough.  When snapshots were expired, the
	 * state asked for existed but is gone: say so rather than claim the
	 * table was empty then.
	 */
	if (id >= 1)
		ereport(ERROR,
				(errcode(ERRCODE_SNAPSHOT_TOO_OLD),
				 errmsg("the snapshots of lake table \"%s\" committed at or before %s have expired",
						table->relpath, timestamptz_to_str(ts)),
				 errdetail("The earliest retained snapshot is " INT64_FORMAT ", committed at %s.",
						   id + 1, timestamptz_to_str(oldest_time)),
				 errhint("Tags (lake_create_tag) keep chosen snapshots readable.")));
	return NULL;
}

/*
 * LakeSnapshotList
 *		Every retained snapshot, oldest first.
 */
List *
LakeSnapshotList(LakeTable *table)
{
	int64		latest = LakeSnapshotLatestId(table);
	int64		id;
	List	   *out = NIL;

	if (latest == LAKE_SNAPSHOT_NONE)
		return NIL;

	for (id = LakeSnapshotEarliestId(table); id <= latest; id++)
	{
		LakeSnapshot *snap;

		CHECK_FOR_INTERRUPTS();
		snap = LakeSnapshotLoad(table, id, true);
		if (snap != NULL)
			out = lappend(out, snap);
	}
	return out;
}
