/*-------------------------------------------------------------------------
 * policy.c
 *	  Snapshot retention policy: which snapshots a table's options let
 *	  expiry delete at a given time, and the snapshots changelog consumers
 *	  hold back.
 *
 * Retention follows Apache Paimon's snapshot.num-retained.min/max and
 * snapshot.time-retained, with one difference in the age test: a snapshot
 * may expire once its successor is older than snapshot_time_retained
 * (Paimon looks at the snapshot's own time).  A snapshot stays the one
 * readers pick until its successor commits, so this is what protects a
 * query that started on another server up to snapshot_time_retained ago.
 *	 - the newest retained_min snapshots are always kept (the latest too);
 *	 - beyond the newest retained_max, snapshots expire whatever their age;
 *	 - in between, the oldest ones expire while their successor is older
 *	   than time_retained.
 * Only a prefix ever expires (the oldest snapshots first).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "maint/maint.h"
#include "miscadmin.h"

void
LakeMaintPolicyDefaults(LakeMaintPolicy *policy)
{
	memset(policy, 0, sizeof(*policy));
	policy->retained_min = LAKE_DEFAULT_RETAINED_MIN;
	policy->retained_max = 0;
	policy->time_retained = LAKE_DEFAULT_TIME_RETAINED;
	policy->partition_expiration = 0;
	policy->auto_tag = LAKE_AUTO_TAG_NONE;
	policy->tag_retained = 0;
}

/*
 * LakeConsumersMinSnapshot
 *		The lowest snapshot a consumer of the table has not consumed yet:
 *		expiry keeps it and everything after it.  A pending position
 *		(written by a transaction that may not have committed) counts with
 *		the lower of its two positions when its fate is unknown.  PG_INT64_MAX when there is none.
 */
int64
LakeConsumersMinSnapshot(LakeTable *table)
{
	int64		min = PG_INT64_MAX;
	ListCell   *lc;

	foreach(lc, LakeConsumerList(table))
	{
		int64		pos = LakeConsumerResolve(table, (LakeConsumer *) lfirst(lc), false);

		min = Min(min, pos + 1);
	}
	return min;
}

/*
 * LakeExpireTarget
 *		Snapshots below the returned id are due for expiry at now.
 */
int64
LakeExpireTarget(LakeTable *table, const LakeMaintPolicy *policy,
				 TimestampTz now)
{
	int64		latest = LakeSnapshotLatestId(table);
	int64		earliest;
	int64		min_keep;
	int64		max_keep;
	int64		target;
	TimestampTz cutoff = now - policy->time_retained;

	if (latest == LAKE_SNAPSHOT_NONE)
		return LAKE_SNAPSHOT_NONE;
	earliest = LakeSnapshotEarliestId(table);
	min_keep = Max(1, latest - Max(policy->retained_min, 1) + 1);
	max_keep = policy->retained_max > 0 ? latest - policy->retained_max + 1 : 0;

	target = earliest;
	while (target < min_keep)
	{
		LakeSnapshot *succ;
		bool		old_enough;

		CHECK_FOR_INTERRUPTS();
		if (target < max_keep)
		{
			target++;
			continue;
		}
		succ = LakeSnapshotLoad(table, target + 1, true);
		if (succ == NULL)
			break;
		old_enough = succ->commit_time <= cutoff;
		pfree(succ);
		if (!old_enough)
			break;
		target++;
	}
	return Min(target, LakeConsumersMinSnapshot(table));
}
