/*-------------------------------------------------------------------------
 * backpressure.c
 *	  Writers wait for compaction when a bucket has too many sorted runs
 *	  (table option compaction_stop_trigger), so that reads do not degrade
 *	  without bound when commits come faster than compaction.
 *
 * Before a primary-key table's commit is published (pre-commit, after its
 * files are written), the writer counts, for each bucket it adds files
 * to, the bucket's sorted runs in the latest snapshot plus its own new
 * level-0 files.  If one goes over the stop trigger, it starts a
 * compaction worker for the table (if auto_compaction; none may have been
 * started, e.g. when the trigger was crossed by another backend's
 * commits) and waits, sleeping on its latch with wait event
 * Extension/Extension in pg_stat_activity and honouring cancel requests,
 * until the runs are back under the stop trigger.  After
 * lake_fdw.compaction_stop_timeout (or at once without auto_compaction)
 * it compacts the table's buckets over the trigger itself.  Then it
 * commits as usual.  Meanwhile the writer has a row in
 * lake_stat_progress_compaction (command 'backpressure').  Only a writer's own commit is delayed; readers and
 * other tables are not.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "maint/backpressure.h"
#include "maint/compaction_worker.h"
#include "maint/maint_worker.h"
#include "maint/progress.h"
#include "mergetree/compaction.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/timestamp.h"

#define BACKPRESSURE_POLL_MS	100

/* a bucket this commit adds level-0 files to */
typedef struct AddedRuns
{
	const char *partition;
	int32		bucket;
	int			nfiles;
} AddedRuns;

static List *
count_added(List *added)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, added)
	{
		LakeDataFile *f = lfirst(lc);
		const char *part = f->partition ? f->partition : "";
		AddedRuns  *a = NULL;
		ListCell   *lc2;

		foreach(lc2, out)
		{
			AddedRuns  *c = lfirst(lc2);

			if (c->bucket == f->bucket && strcmp(c->partition, part) == 0)
				a = c;
		}
		if (a == NULL)
		{
			a = palloc0(sizeof(AddedRuns));
			a->partition = part;
			a->bucket = f->bucket;
			out = lappend(out, a);
		}
		a->nfiles++;
	}
	return out;
}

/*
 * The largest run count, latest snapshot plus this commit, over the
 * buckets the commit adds to.
 */
static int
max_runs_after(LakeTable *table, int64 latest, List *added_runs)
{
	List	   *buckets;
	ListCell   *lc;
	int			max = 0;

	if (latest == LAKE_SNAPSHOT_NONE)
		return 0;
	buckets = LakeCompactionGroupBuckets(
										 LakeSnapshotFiles(table, LakeSnapshotLoad(table, latest, false)));
	foreach(lc, added_runs)
	{
		AddedRuns  *a = lfirst(lc);
		int			runs = a->nfiles;
		ListCell   *lc2;

		foreach(lc2, buckets)
		{
			LakeBucketFiles *b = lfirst(lc2);

			if (b->bucket == a->bucket && strcmp(b->partition, a->partition) == 0)
				runs += LakeBucketRuns(b);
		}
		max = Max(max, runs);
	}
	return max;
}

void
LakeBackpressureWait(LakeTableOptions *opts, LakeTable *table, List *added)
{
	MemoryContext cxt;
	MemoryContext old;
	List	   *added_runs;
	int64		seen;
	int			runs;
	TimestampTz start;
	bool		waited = false;

	if (opts->primary_key == NIL || added == NIL)
		return;
	cxt = AllocSetContextCreate(CurrentMemoryContext, "lake_fdw backpressure",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	added_runs = count_added(added);
	seen = LakeSnapshotLatestId(table);
	runs = max_runs_after(table, seen, added_runs);
	if (runs <= opts->compaction_stop_trigger)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		return;
	}

	/* a waiting writer shows in lake_stat_progress_compaction */
	LakeProgressBegin(LAKE_PROGRESS_BACKPRESSURE, opts->relid, opts->relpath);
	start = GetCurrentTimestamp();
	if (opts->auto_compaction && lake_compaction_stop_timeout > 0)
	{
		LakeCompactionLaunch(opts->relid, false);
		waited = true;
		while (runs > opts->compaction_stop_trigger &&
			   !TimestampDifferenceExceeds(start, GetCurrentTimestamp(),
										   lake_compaction_stop_timeout))
		{
			int64		latest;

			/* WaitLatch reports wait event PG_WAIT_EXTENSION meanwhile */
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 BACKPRESSURE_POLL_MS, PG_WAIT_EXTENSION);
			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			latest = LakeSnapshotLatestId(table);
			if (latest == seen)
				continue;
			seen = latest;
			runs = max_runs_after(table, seen, added_runs);
			/* our worker may have finished before a newer commit: again */
			if (runs > opts->compaction_stop_trigger)
				LakeCompactionLaunch(opts->relid, false);
		}
	}
	if (runs > opts->compaction_stop_trigger)
	{
		int			n;

		pgstat_report_wait_start(PG_WAIT_EXTENSION);
		n = LakeCompactRelation(opts->relid, false, true);
		pgstat_report_wait_end();
		ereport(DEBUG1,
				(errmsg("lake_fdw: writer compacted %d bucket(s) of lake table \"%s\" itself",
						n, table->relpath)));
	}
	ereport(DEBUG1,
			(errmsg("lake_fdw: writer to lake table \"%s\" %s %ld ms for compaction",
					table->relpath, waited ? "waited" : "spent",
					(long) ((GetCurrentTimestamp() - start) / 1000))));
	/* (an ERROR aborts the transaction, which clears the report) */
	LakeProgressEnd();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}
