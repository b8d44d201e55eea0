/*-------------------------------------------------------------------------
 * compaction_worker.h
 *	  The compaction worker: background compaction of lake tables
 *	  that runs after commits without blocking writers.
 *
 * Compaction (compaction_worker.c): a committing transaction notes each
 * primary-key table it wrote (LakeCompactionNoteCommit, at pre-commit,
 * after the table's snapshot is published); once the transaction has
 * committed, LakeCompactionLaunchPending checks the buckets it touched
 * against the table's trigger and, if one is over it, starts a dynamic
 * background worker that connects to the database and compacts the
 * table's buckets over the trigger.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_COMPACTION_WORKER_H
#define LAKE_COMPACTION_WORKER_H

#include "postgres.h"
#include "fdw/fdw.h"
#include "meta/meta.h"

/*
 * Note a published commit of LakeDataFile* added to the lake table of a
 * foreign table (opts).  Only copies what it needs; never raises an error
 * beyond out-of-memory.
 */
extern void LakeCompactionNoteCommit(LakeTableOptions *opts, LakeTable *table,
									 List *added);

/*
 * After the top-level transaction committed: launch a compaction worker
 * for each noted table with a touched bucket over its trigger.  Never
 * raises an error (problems are logged).
 */
extern void LakeCompactionLaunchPending(void);

/*
 * Start a worker for a table of this database now (unless this backend's
 * previous one still runs); maintain: also run its maintenance policy.
 * Logs, does not fail, when no worker slot is free.
 */
extern void LakeCompactionLaunch(Oid relid, bool maintain);

/*
 * The session-level advisory lock that keeps one worker per table of a
 * database: try to take it (false: another worker has it), release it.
 */
extern bool LakeCompactionLockTry(Oid relid);
extern void LakeCompactionLockRelease(Oid relid);

/* The background worker's entry point (bgw_function_name). */
extern PGDLLEXPORT void LakeCompactionWorkerMain(Datum main_arg);

#endif							/* LAKE_COMPACTION_WORKER_H */
