/*-------------------------------------------------------------------------
 * compaction.h
 *	  Compaction of primary-key lake tables: which buckets need it
 *	  (universal compaction, as in Apache Paimon and RocksDB) and compacting
 *	  one partition+bucket into a single sorted run.
 *
 * A bucket's sorted runs: each level-0 file (one flush) is a run of its
 * own; all files of level >= 1 together are one run (they hold disjoint
 * key ranges, one final row per key).  A bucket is compacted when its runs
 * reach the trigger, or when its level-0 bytes exceed the level >= 1 run's
 * bytes by more than the size amplification allowed.  Compaction is always
 * full-bucket: every live file of the bucket is merged (records that merge
 * column by column do not compose otherwise), and the output is level-1
 * files holding one row per live key, no tombstones.
 *
 * The output's data_snapshot_id is the largest of its inputs', so rows a
 * concurrent writer commits after the compaction read its snapshot (a
 * larger data snapshot) still win over the rewritten ones.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_COMPACTION_H
#define LAKE_COMPACTION_H

#include "postgres.h"
#include "mergetree/merge_engine.h"
#include "mergetree/write_buffer.h"
#include "meta/meta.h"
#include "nodes/pg_list.h"

#define LAKE_COMPACTION_TRIGGER_DEFAULT		5
#define LAKE_COMPACTION_MAX_AMP_DEFAULT		200
#define LAKE_COMPACTION_STOP_TRIGGER_DEFAULT	20
#define LAKE_TARGET_FILE_SIZE_DEFAULT		(128 * 1024 * 1024)

/* When to compact, from the table's options. */
typedef struct LakeCompactionPolicy
{
	int			trigger;		/* sorted runs that start a compaction, >= 2 */
	int			max_size_amplification; /* percent */
	int64		target_file_size;	/* bytes of buffered rows per output file */
	const LakeMergeConfig *merge;	/* how the table's versions merge */
} LakeCompactionPolicy;

/* The live files of one partition+bucket, and its runs. */
typedef struct LakeBucketFiles
{
	char	   *partition;		/* borrowed from the first file */
	int32		bucket;
	List	   *files;			/* LakeDataFile*, borrowed */
	int			nlevel0;		/* level-0 files */
	int			nupper;			/* files of level >= 1 */
	int64		level0_bytes;
	int64		upper_bytes;
} LakeBucketFiles;

/* sorted runs of a bucket: each level-0 file, plus one for level >= 1 */
#define LakeBucketRuns(b) ((b)->nlevel0 + ((b)->nupper > 0 ? 1 : 0))

/* Group data files by partition and bucket (List of LakeBucketFiles*). */
extern List *LakeCompactionGroupBuckets(List *files);

/*
 * Does the bucket need compacting?  full: any bucket that is not already
 * a single level >= 1 file.
 */
extern bool LakeCompactionNeeded(const LakeBucketFiles *b,
								 const LakeCompactionPolicy *policy, bool full);

/* What one compaction did. */
typedef struct LakeCompactionResult
{
	int64		snapshot_id;	/* published snapshot */
	int			files_in;
	int			files_out;
	int64		rows_in;		/* rows of the input files */
	int64		rows_out;		/* live keys written */
} LakeCompactionResult;

/*
 * Compact one partition+bucket: merge every file of b (all live at
 * base_snapshot_id), write the final row of each live key as level-1 files
 * split at policy->target_file_size, and commit them as a COMPACT snapshot
 * replacing the inputs.  flush describes the table (columns, key,
 * partitioning, buckets, codec); its schema is the one written.  A commit
 * that finds an input already gone (another compaction won) fails with
 * 40001 and leaves nothing behind.
 */
extern void LakeCompactBucket(LakeTable *table, const LakeFlushSpec *flush,
							  const LakeBucketFiles *b, int64 base_snapshot_id,
							  const LakeCompactionPolicy *policy,
							  LakeCompactionResult *result);

#endif							/* LAKE_COMPACTION_H */
