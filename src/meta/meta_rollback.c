/*-------------------------------------------------------------------------
 * meta_rollback.c
 *	  Rollback: making an earlier snapshot's state current again as a new
 *	  snapshot, keeping the history in between.
 *
 * The new snapshot is an OVERWRITE commit whose delta deletes every file
 * live in the latest snapshot but not in the target, and re-adds every
 * file live in the target but not in the latest, with the target's
 * records unchanged, including added_snapshot_id: which version of a key
 * wins is decided by commit order, and a re-added file must keep the
 * place it had in the target (its entry names its id explicitly; see
 * FORMAT.md, "Manifest").  The schema stays the latest one (files of an
 * older schema read columns added since as NULL).  A commit that lands
 * meanwhile makes the rollback fail with 40001: rolling back is an
 * explicit choice of state, not something to merge with a concurrent one.
 *
 * The caller pins the target (LakeSnapshotPin) so that expiry keeps its
 * files while they are being re-added.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "meta/meta_internal.h"
#include "utils/hsearch.h"

static void
refuse_concurrent(LakeTable *table, LakeSnapshot *newer, void *arg)
{
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not roll back lake table \"%s\": snapshot " INT64_FORMAT " was committed concurrently",
					table->relpath, newer->id),
			 errhint("Retry the rollback.")));
}

/*
 * LakeRollback
 *		Publish target's file set as a new snapshot; returns its id.
 */
int64
LakeRollback(LakeTable *table, LakeSnapshot *target)
{
	int64		latest_id = LakeSnapshotLatestId(table);
	LakeSnapshot *latest;
	List	   *cur;
	List	   *want;
	HTAB	   *cur_map;
	HTAB	   *want_map;
	LakeCommitRequest req;
	ListCell   *lc;

	if (latest_id == LAKE_SNAPSHOT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("lake table \"%s\" has no snapshot to roll back", table->relpath)));
	latest = LakeSnapshotLoad(table, latest_id, false);
	cur = LakeSnapshotFiles(table, latest);
	want = LakeSnapshotFiles(table, target);
	cur_map = LakeFileMapCreate(cur);
	want_map = LakeFileMapCreate(want);

	memset(&req, 0, sizeof(req));
	req.kind = LAKE_COMMIT_OVERWRITE;
	req.base_snapshot_id = latest_id;
	req.schema_id = latest->schema_id;
	req.check_conflict = refuse_concurrent;
	req.keep_added_snapshot_ids = true;
	foreach(lc, cur)
	{
		LakeDataFile *f = (LakeDataFile *) lfirst(lc);

		if (LakeFileMapLookup(want_map, f->path) == NULL)
		{
			req.deleted = lappend(req.deleted, f);
			req.deleted_rows += f->row_count;
		}
	}
	foreach(lc, want)
	{
		LakeDataFile *f = (LakeDataFile *) lfirst(lc);

		if (LakeFileMapLookup(cur_map, f->path) == NULL)
		{
			Assert(f->added_snapshot_id > 0);
			req.added = lappend(req.added, f);
			req.added_rows += f->row_count;
		}
	}
	hash_destroy(cur_map);
	hash_destroy(want_map);
	return LakeCommit(table, &req);
}
