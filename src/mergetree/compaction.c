/*-------------------------------------------------------------------------
 * compaction.c
 *	  Universal compaction of primary-key lake tables: grouping live files
 *	  into partition+bucket sorted runs, deciding which buckets need a
 *	  compaction, and compacting one bucket (merge read, level-1 write,
 *	  COMPACT commit).
 *
 * The merge read is a LakeScan over exactly the bucket's files: it yields
 * the final row of every live key (deleted keys omitted) in key order, so
 * the output files hold disjoint, ascending key ranges.  Rows go through a
 * LakeWriteBuffer, flushed whenever its rows reach the target file size.
 * Output files are durable before the commit; if anything fails before
 * the snapshot is published they are unlinked (a crash leaves them as
 * orphans, which no snapshot references).
 *
 * The compaction commit deletes files and so conflicts only with another
 * commit that deleted one of them (another compaction, an overwrite): that
 * is LakeCommit's 40001.  Writers never delete files and never conflict
 * with it; their rows carry a larger data snapshot than the compaction
 * output and keep winning.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "io/io.h"
#include "maint/progress.h"
#include "mergetree/compaction.h"
#include "miscadmin.h"
#include "scan/scan.h"
#include "utils/guc.h"
#include "utils/memutils.h"

/* ---------------------------------------------------------------------
 * Picking
 * ---------------------------------------------------------------------
 */
static int
file_bucket_cmp(const ListCell *a, const ListCell *b)
{
	const LakeDataFile *x = lfirst(a);
	const LakeDataFile *y = lfirst(b);
	int			c = strcmp(x->partition ? x->partition : "",
						   y->partition ? y->partition : "");

	if (c != 0)
		return c;
	return x->bucket < y->bucket ? -1 : x->bucket > y->bucket;
}

/*
 * LakeCompactionGroupBuckets
 *		Data files grouped by partition and bucket, ordered by both; the
 *		files are borrowed.  Changelog files are left out.
 */
List *
LakeCompactionGroupBuckets(List *files)
{
	List	   *sorted = NIL;
	List	   *groups = NIL;
	LakeBucketFiles *g = NULL;
	ListCell   *lc;

	foreach(lc, files)
		if (((LakeDataFile *) lfirst(lc))->kind == LAKE_FILE_DATA)
			sorted = lappend(sorted, lfirst(lc));
	list_sort(sorted, file_bucket_cmp);
	foreach(lc, sorted)
	{
		LakeDataFile *f = lfirst(lc);
		const char *part = f->partition ? f->partition : "";

		if (g == NULL || g->bucket != f->bucket || strcmp(g->partition, part) != 0)
		{
			g = palloc0(sizeof(LakeBucketFiles));
			g->partition = (char *) part;
			g->bucket = f->bucket;
			groups = lappend(groups, g);
		}
		g->files = lappend(g->files, f);
		if (f->level == 0)
		{
			g->nlevel0++;
			g->level0_bytes += f->file_size;
		}
		else
		{
			g->nupper++;
			g->upper_bytes += f->file_size;
		}
	}
	list_free(sorted);
	return groups;
}

/*
 * LakeCompactionNeeded
 *		Universal compaction's triggers for one bucket: the number of sorted
 *		runs, or the size amplification of the level-0 runs over the level
 *		>= 1 run (only once there is one: before, the run count decides).
 */
bool
LakeCompactionNeeded(const LakeBucketFiles *b, const LakeCompactionPolicy *policy,
					 bool full)
{
	int			runs = LakeBucketRuns(b);

	if (full)
		return list_length(b->files) > 1 || b->nlevel0 > 0;
	if (runs < 2)
		return false;
	if (runs >= policy->trigger)
		return true;
	if (b->nupper > 0 && b->nlevel0 > 0)
	{
		/* level0 / upper > max%, without overflow */
		if (b->upper_bytes == 0)
			return true;
		if ((double) b->level0_bytes * 100.0 >
			(double) b->upper_bytes * (double) policy->max_size_amplification)
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------------
 * Compacting one bucket
 * ---------------------------------------------------------------------
 */

static void
unlink_outputs(LakeTable *table, List *files)
{
	ListCell   *lc;

	foreach(lc, files)
		LakeUnlinkQuiet(psprintf("%s/%s", table->dir,
								 ((LakeDataFile *) lfirst(lc))->path));
}

/*
 * Enter a phase of the progress report.  Tests only: with
 * lake_fdw.fault_point = 'compaction-slow', every phase lasts 2 seconds
 * at least, so that a test sees each one in lake_stat_progress_compaction.
 */
static void
enter_phase(LakeProgressPhase phase)
{
	LakeProgressSetPhase(phase);
	LakeFaultPause("compaction-slow");
}

/* the merge's input figures, for the progress report */
static void
report_read(LakeScan *scan)
{
	LakeScanStats st;

	LakeScanGetStats(scan, &st);
	LakeProgressSetRead((int) st.files_read, st.rows_read, (int64) st.bytes_read);
}

/* Flush the buffer's rows as level-1 files of the bucket. */
static List *
flush_outputs(LakeWriteBuffer *buf, const LakeBucketFiles *b, int64 data_snapshot,
			  List *out)
{
	List	   *files;
	ListCell   *lc;

	enter_phase(LAKE_PROGRESS_PHASE_WRITING);
	files = LakeWriteBufferFlush(buf);
	foreach(lc, files)
	{
		LakeDataFile *f = lfirst(lc);

		LakeProgressAddWritten(1, f->row_count, f->file_size);

		/* keys of one bucket hash to it again: anything else is a bug */
		if (f->bucket != b->bucket || strcmp(f->partition, b->partition) != 0)
			elog(ERROR, "lake compaction of bucket %d of partition \"%s\" wrote a file for bucket %d of \"%s\"",
				 b->bucket, b->partition, f->bucket, f->partition);
		f->level = 1;
		f->data_snapshot_id = data_snapshot;
	}
	return list_concat(out, files);
}

void
LakeCompactBucket(LakeTable *table, const LakeFlushSpec *flush,
				  const LakeBucketFiles *b, int64 base_snapshot_id,
				  const LakeCompactionPolicy *policy,
				  LakeCompactionResult *result)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "lake compaction",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	LakeScanSpec spec;
	LakeScan   *scan;
	LakeWriteBuffer *buf;
	Datum	   *values = palloc0(sizeof(Datum) * Max(flush->ncolumns, 1));
	bool	   *isnull = palloc0(sizeof(bool) * Max(flush->ncolumns, 1));
	bool	   *wanted = palloc(sizeof(bool) * Max(flush->ncolumns, 1));
	int64		data_snapshot = 0;
	int64		bytes_in = 0;
	List	   *volatile outputs = NIL;
	ListCell   *lc;

	memset(result, 0, sizeof(*result));
	if (flush->nkey == 0)
		elog(ERROR, "lake compaction of a table without a primary key");
	foreach(lc, b->files)
	{
		LakeDataFile *f = lfirst(lc);

		data_snapshot = Max(data_snapshot, f->data_snapshot_id);
		result->rows_in += f->row_count;
		bytes_in += f->file_size;
	}
	result->files_in = list_length(b->files);
	LakeProgressStartBucket(b->partition, b->bucket, result->files_in,
							result->rows_in, bytes_in);

	for (int i = 0; i < flush->ncolumns; i++)
		wanted[i] = true;
	LakeScanSpecForBucket(&spec, flush, policy->merge, wanted, b->files);

	buf = LakeWriteBufferCreate(cxt, flush);
	PG_TRY();
	{
		LakeCommitRequest req;

		enter_phase(LAKE_PROGRESS_PHASE_READING);
		scan = LakeScanBegin(&spec, cxt);
		report_read(scan);
		enter_phase(LAKE_PROGRESS_PHASE_MERGING);
		while (LakeScanNext(scan, values, isnull))
		{
			CHECK_FOR_INTERRUPTS();
			/* the merged row of each live key, a full row */
			LakeWriteBufferAppendRecord(buf, values, isnull, LAKE_REC_SET, NULL);
			result->rows_out++;
			if ((result->rows_out & (LAKE_PROGRESS_EVERY_ROWS - 1)) == 0)
				report_read(scan);
			if (LakeWriteBufferMemory(buf) >= (Size) policy->target_file_size)
			{
				outputs = flush_outputs(buf, b, data_snapshot, outputs);
				LakeProgressSetPhase(LAKE_PROGRESS_PHASE_MERGING);
			}
		}
		report_read(scan);
		LakeScanEnd(scan);
		outputs = flush_outputs(buf, b, data_snapshot, outputs);
		LakeFaultPoint("compaction-before-commit");
		LakeFaultPause("compaction-sleep-before-commit");
		enter_phase(LAKE_PROGRESS_PHASE_COMMITTING);

		memset(&req, 0, sizeof(req));
		req.kind = LAKE_COMMIT_COMPACT;
		req.base_snapshot_id = base_snapshot_id;
		req.schema_id = flush->schema_id;
		req.added = outputs;
		req.deleted = b->files;
		req.added_rows = result->rows_out;
		req.deleted_rows = result->rows_in;
		req.check_conflict = NULL;	/* inputs still live is all it needs */
		result->snapshot_id = LakeCommit(table, &req);
		LakeProgressBucketDone();
	}
	PG_CATCH();
	{
		/* files flushed so far; the buffer's rows never became files */
		unlink_outputs(table, outputs);
		PG_RE_THROW();
	}
	PG_END_TRY();
	result->files_out = list_length(outputs);

	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}
