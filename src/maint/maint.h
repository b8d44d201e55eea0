/*-------------------------------------------------------------------------
 * maint.h
 *	  Public API of the maintenance layer: a table's maintenance policy
 *	  (snapshot retention, partition expiry, automatic tags), running it
 *	  (LakeMaintainTable, what the background worker calls), and the
 *	  health figures of a table.
 *
 * The on-disk work (expiry, orphan cleanup, rollback, pins) lives in
 * meta/; this layer decides what to do by policy.  It knows nothing of
 * PostgreSQL catalogs: the FDW layer turns table options into a
 * LakeMaintPolicy (fdw/options.c) and relations into LakeTables.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_MAINT_H
#define LAKE_MAINT_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "meta/meta.h"

/* defaults, as Apache Paimon's snapshot.num-retained.min / time-retained */
#define LAKE_DEFAULT_RETAINED_MIN	10
#define LAKE_DEFAULT_TIME_RETAINED	USECS_PER_HOUR
/* lake_remove_orphans refuses a younger safety age */
#define LAKE_ORPHAN_MIN_AGE			USECS_PER_HOUR
/* a data file smaller than this counts as small in the health figures */
#define LAKE_SMALL_FILE_BYTES		(16 * 1024 * 1024)

typedef enum LakeAutoTag
{
	LAKE_AUTO_TAG_NONE = 0,
	LAKE_AUTO_TAG_DAILY
} LakeAutoTag;

/* A table's maintenance policy (table options, see fdw/options.c). */
typedef struct LakeMaintPolicy
{
	int			retained_min;	/* snapshot_num_retained_min, >= 1 */
	int			retained_max;	/* snapshot_num_retained_max, 0 = no cap */
	int64		time_retained;	/* snapshot_time_retained, microseconds */
	int64		partition_expiration;	/* partition_expiration_time, us; 0 =
										 * off */
	LakeAutoTag auto_tag;		/* tag_automatic_creation */
	int			tag_retained;	/* tag_num_retained (automatic tags), 0 = all */
} LakeMaintPolicy;

extern void LakeMaintPolicyDefaults(LakeMaintPolicy *policy);

/*
 * The snapshot id below which the policy expires snapshots at time now
 * (the earliest retained id when nothing is due).
 */
extern int64 LakeExpireTarget(LakeTable *table, const LakeMaintPolicy *policy,
							  TimestampTz now);

/*
 * Where a consumer's position will protect snapshots (issue #5): the
 * lowest snapshot some consumer of the table has not read yet, or
 * PG_INT64_MAX when there is none.
 */
extern int64 LakeConsumersMinSnapshot(LakeTable *table);

/* Partition expiry: the partitions (canonical strings) due at now. */
extern bool LakePartitionExpiryUsable(LakeSchema *schema);
extern List *LakePartitionsExpired(LakeTable *table, LakeSchema *schema,
								   const LakeMaintPolicy *policy,
								   TimestampTz now, List *live_files);
/* drop them in one OVERWRITE commit; returns the number dropped */
extern int	LakePartitionsExpire(LakeTable *table, const LakeMaintPolicy *policy,
								 TimestampTz now, int64 *snapshot_id);

/* Automatic tags: the name due at now (NULL if none), and creating it. */
extern char *LakeAutoTagDue(LakeTable *table, const LakeMaintPolicy *policy,
							TimestampTz now, int64 *snapshot_id);
extern char *LakeAutoTagCreate(LakeTable *table, const LakeMaintPolicy *policy,
							   TimestampTz now, int *dropped);

typedef struct LakeMaintResult
{
	char	   *tag_created;	/* or NULL */
	int			tags_dropped;
	int			partitions_dropped;
	int64		partition_snapshot; /* the snapshot that dropped them, or 0 */
	LakeExpireStats expire;
	bool		skipped;		/* another backend was maintaining it */
} LakeMaintResult;

/*
 * Run a table's policy at time now: automatic tag, partition expiry,
 * snapshot expiry, in that order, under LakeMaintLockAcquire (nowait:
 * skip when another backend holds it).  Must run inside a transaction.
 * The background worker calls this per table; so may a commit hook.
 */
extern void LakeMaintainTable(LakeTable *table, const LakeMaintPolicy *policy,
							  TimestampTz now, bool nowait,
							  LakeMaintResult *result);

/* Health figures (lake_table_health). */
typedef struct LakeTableHealth
{
	int64		snapshots;		/* retained */
	int64		earliest_snapshot;
	int64		latest_snapshot;
	TimestampTz latest_commit;	/* 0 if none */
	int64		files;			/* live in the latest snapshot */
	int64		small_files;	/* smaller than LAKE_SMALL_FILE_BYTES */
	int64		bytes;
	int64		rows;
	int64		partitions;
	int			max_sorted_runs;	/* per bucket: level-0 files + 1 if any
									 * level >= 1 file */
	int64		tags;
	TimestampTz last_compaction;	/* latest retained compact snapshot, or 0 */
	TimestampTz last_expiry;	/* 0 if never */
	int64		expirable_snapshots;	/* pending work by the policy */
	int64		expirable_partitions;	/* -1: the option cannot apply */
	char	   *tag_due;		/* automatic tag due, or NULL */
} LakeTableHealth;

extern void LakeTableHealthCompute(LakeTable *table, const LakeMaintPolicy *policy,
								   TimestampTz now, LakeTableHealth *health);

#endif							/* LAKE_MAINT_H */
