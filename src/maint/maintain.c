/*-------------------------------------------------------------------------
 * maintain.c
 *	  LakeMaintainTable: running one table's maintenance policy, the entry
 *	  point of the background worker (and of lake_maintain()).
 *
 * Order: the automatic tag first (it names a snapshot that expiry may be
 * about to delete), then partition expiry (a commit), then snapshot
 * expiry.  Everything runs under the table's maintenance lock, so two
 * backends of one server never expire the same table at once; a worker
 * passes nowait and moves on when the table is busy.  Each step's ERROR
 * propagates: the caller (the worker) catches it per table.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "maint/maint.h"

void
LakeMaintainTable(LakeTable *table, const LakeMaintPolicy *policy,
				  TimestampTz now, bool nowait, LakeMaintResult *result)
{
	int64		target;

	memset(result, 0, sizeof(*result));
	if (!LakeMaintLockAcquire(table, nowait))
	{
		result->skipped = true;
		return;
	}
	if (LakeSnapshotLatestId(table) == LAKE_SNAPSHOT_NONE)
		return;

	result->tag_created = LakeAutoTagCreate(table, policy, now,
											&result->tags_dropped);
	result->partitions_dropped = LakePartitionsExpire(table, policy, now,
													  &result->partition_snapshot);
	target = LakeExpireTarget(table, policy, now);
	LakeSnapshotsExpire(table, target, &result->expire);
}
