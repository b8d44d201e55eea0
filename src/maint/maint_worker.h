/*-------------------------------------------------------------------------
 * maint_worker.h
 *	  The maintenance launcher: a static background worker (when lake_fdw
 *	  is in shared_preload_libraries) that every maintenance_naptime starts
 *	  one short-lived worker per database, which compacts and expires the
 *	  database's lake tables by their options; and the per-table step that
 *	  workers share.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_MAINT_WORKER_H
#define LAKE_MAINT_WORKER_H

#include "postgres.h"

/* settings (lake_fdw.*) */
extern int	lake_maintenance_naptime;	/* seconds */
extern int	lake_max_maintenance_workers;
extern int	lake_compaction_stop_timeout;	/* milliseconds */

/* From _PG_init: settings; the launcher when preloading. */
extern void LakeMaintWorkerInit(void);

/* Is the launcher doing the maintenance of this server? */
extern bool LakeMaintLauncherActive(void);

/*
 * One table's background work, in a transaction of its own: compaction of
 * the buckets over the trigger (compact: if the table has a primary key
 * and auto_compaction) and the maintenance policy (maintain).  An ERROR
 * is logged with the table's name and swallowed: the caller moves on.
 * Must be called outside a transaction; the caller holds the table's
 * compaction lock (LakeCompactionLockTry) if it compacts.  Returns the
 * buckets compacted.
 */
extern int	LakeMaintWorkTable(Oid relid, bool compact, bool maintain);

/*
 * Background workers of this library (worker_common.c): a static one
 * (from _PG_init while preloading), a dynamic one now (NULL and a LOG
 * with hint when no slot is free; the handle lives in TopMemoryContext),
 * and a worker's first steps (signals; database dbid, or none).
 */
struct BackgroundWorkerHandle;
extern void LakeWorkerRegisterStatic(const char *function, const char *type,
									 int restart_secs);
extern struct BackgroundWorkerHandle *LakeWorkerStart(const char *function,
													  const char *type,
													  const char *name,
													  Datum main_arg,
													  const void *extra,
													  Size extra_len, bool notify,
													  const char *hint);
extern void LakeWorkerConnect(Oid dbid, bool reload);

/* Entry points (bgw_function_name). */
extern PGDLLEXPORT void LakeMaintLauncherMain(Datum main_arg);
extern PGDLLEXPORT void LakeMaintDatabaseMain(Datum main_arg);

#endif							/* LAKE_MAINT_WORKER_H */
