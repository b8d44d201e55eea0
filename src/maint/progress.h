/*-------------------------------------------------------------------------
 * progress.h
 *	  Progress of running compactions, for the view
 *	  lake_stat_progress_compaction (in the style of PostgreSQL's
 *	  pg_stat_progress_* views, whose command list is closed to extensions).
 *
 * Each backend owns one slot of a shared-memory array (when lake_fdw is in
 * shared_preload_libraries; otherwise every call here is a no-op and the
 * view is empty).  The backend that compacts (a compaction worker, a
 * maintenance worker, a session running lake_compact, or a writer held by
 * backpressure) fills its slot at phase boundaries and at batch
 * granularity; readers copy slots without locks, st_changecount style.
 *
 * This facility depends on nothing of lake_fdw, so that the mergetree
 * layer may report its phases here the way PostgreSQL's executor reports
 * to backend_progress.c.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_PROGRESS_H
#define LAKE_PROGRESS_H

#include "postgres.h"
#include "datatype/timestamp.h"

/* who runs the compaction (the view's "command" column) */
typedef enum LakeProgressCommand
{
	LAKE_PROGRESS_NONE = 0,		/* slot free */
	LAKE_PROGRESS_LAKE_COMPACT,	/* a session calling lake_compact() */
	LAKE_PROGRESS_COMPACTION_WORKER,	/* the after-commit worker */
	LAKE_PROGRESS_MAINTENANCE_WORKER,	/* the launcher's database worker */
	LAKE_PROGRESS_BACKPRESSURE	/* a writer over compaction_stop_trigger */
} LakeProgressCommand;

/* the phases, in the order one bucket goes through them */
typedef enum LakeProgressPhase
{
	LAKE_PROGRESS_PHASE_INITIALIZING = 0,	/* planning: which buckets */
	LAKE_PROGRESS_PHASE_WAITING,	/* backpressure: waiting for a worker */
	LAKE_PROGRESS_PHASE_READING,	/* opening the bucket's sorted runs */
	LAKE_PROGRESS_PHASE_MERGING,	/* merging the runs, buffering rows */
	LAKE_PROGRESS_PHASE_WRITING,	/* writing a level-1 file */
	LAKE_PROGRESS_PHASE_COMMITTING	/* publishing the COMPACT snapshot */
} LakeProgressPhase;

#define LAKE_PROGRESS_PATH_LEN		256
#define LAKE_PROGRESS_PART_LEN		128
/* merged rows between two updates of the read figures (a power of 2) */
#define LAKE_PROGRESS_EVERY_ROWS	4096

/* one slot as the view shows it (a consistent copy) */
typedef struct LakeProgressEntry
{
	int			pid;
	Oid			datid;
	Oid			userid;
	Oid			relid;
	LakeProgressCommand command;
	LakeProgressPhase phase;
	char		table_path[LAKE_PROGRESS_PATH_LEN];
	char		partition[LAKE_PROGRESS_PART_LEN];
	int32		bucket;			/* -1 before the first bucket */
	int32		buckets_total;	/* buckets planned (over the trigger) */
	int32		buckets_done;	/* compacted and committed */
	int32		files_total;	/* input files of the current bucket */
	int32		files_read;		/* of them, opened by the merge */
	int32		files_written;	/* level-1 files written */
	int64		rows_total;		/* rows in the input files */
	int64		rows_read;
	int64		rows_written;	/* live keys written */
	int64		bytes_total;	/* bytes of the input files */
	int64		bytes_read;
	int64		bytes_written;
	TimestampTz started_at;
	TimestampTz phase_since;
} LakeProgressEntry;

/* From _PG_init: shared memory hooks when preloaded. */
extern void LakeProgressInit(void);

/* Is progress tracked in this server (lake_fdw preloaded)? */
extern bool LakeProgressAvailable(void);

/*
 * Start reporting a compaction of relid (InvalidOid if unknown) of the
 * lake table at table_path.  Calls nest: an inner Begin while a report is
 * running (a writer's backpressure that compacts inline) keeps the outer
 * command; the slot clears at the outermost End, at transaction abort and
 * at backend exit.
 */
extern void LakeProgressBegin(LakeProgressCommand command, Oid relid,
							  const char *table_path);
extern void LakeProgressEnd(void);

/* The command a compaction in this process reports by default. */
extern LakeProgressCommand LakeProgressDefaultCommand(void);

/* the buckets a compaction is about to do */
extern void LakeProgressSetBuckets(int buckets_total);
/* a bucket starts: its input figures; the per-bucket counters reset */
extern void LakeProgressStartBucket(const char *partition, int32 bucket,
									int files_total, int64 rows_total,
									int64 bytes_total);
extern void LakeProgressSetPhase(LakeProgressPhase phase);
/* the merge's input so far (absolute values) */
extern void LakeProgressSetRead(int files_read, int64 rows_read, int64 bytes_read);
/* output added: files, rows, bytes (increments) */
extern void LakeProgressAddWritten(int files, int64 rows, int64 bytes);
extern void LakeProgressBucketDone(void);

/* The slots in use (palloc'd array of *n entries, consistent copies). */
extern LakeProgressEntry *LakeProgressCollect(int *n);

extern const char *LakeProgressCommandName(LakeProgressCommand command);
extern const char *LakeProgressPhaseName(LakeProgressPhase phase);

#endif							/* LAKE_PROGRESS_H */
