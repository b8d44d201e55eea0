/*-------------------------------------------------------------------------
 * worker_common.c
 *	  What lake_fdw's background workers share: describing a worker of this
 *	  library (static or dynamic), starting a dynamic one, and a worker's
 *	  first steps (signals, database connection).
 *
 * Users: the maintenance launcher (static, restarted by the postmaster)
 * and its per-database workers (maint_worker.c), and the after-commit
 * compaction workers (compaction_worker.c).  All of them may connect to a
 * database (BGWORKER_BACKEND_DATABASE_CONNECTION), start once recovery is
 * over, and stop on SIGTERM at the next CHECK_FOR_INTERRUPTS.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "maint/maint_worker.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"

static void
describe(BackgroundWorker *bgw, const char *function, const char *type,
		 const char *name, Datum main_arg, int restart_secs)
{
	memset(bgw, 0, sizeof(*bgw));
	bgw->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	bgw->bgw_start_time = BgWorkerStart_RecoveryFinished;
	bgw->bgw_restart_time = restart_secs;
	snprintf(bgw->bgw_library_name, BGW_MAXLEN, "lake_fdw");
	snprintf(bgw->bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(bgw->bgw_name, BGW_MAXLEN, "%s", name);
	snprintf(bgw->bgw_type, BGW_MAXLEN, "%s", type);
	bgw->bgw_main_arg = main_arg;
}

/*
 * LakeWorkerRegisterStatic
 *		From _PG_init while preloading: a worker the postmaster starts with
 *		the server and restarts restart_secs after it exits.
 */
void
LakeWorkerRegisterStatic(const char *function, const char *type, int restart_secs)
{
	BackgroundWorker bgw;

	describe(&bgw, function, type, type, (Datum) 0, restart_secs);
	RegisterBackgroundWorker(&bgw);
}

/*
 * LakeWorkerStart
 *		Start a dynamic worker now (never restarted); extra (extra_len
 *		bytes, at most BGW_EXTRALEN) is copied into bgw_extra; notify: the
 *		postmaster signals this backend when the worker starts and stops.
 *		The handle is allocated in TopMemoryContext; NULL (and a LOG with
 *		hint) when no background worker slot is free.
 */
BackgroundWorkerHandle *
LakeWorkerStart(const char *function, const char *type, const char *name,
				Datum main_arg, const void *extra, Size extra_len, bool notify,
				const char *hint)
{
	BackgroundWorker bgw;
	BackgroundWorkerHandle *handle;
	MemoryContext old;
	bool		started;

	Assert(extra_len <= BGW_EXTRALEN);
	describe(&bgw, function, type, name, main_arg, BGW_NEVER_RESTART);
	if (extra_len > 0)
		memcpy(bgw.bgw_extra, extra, extra_len);
	bgw.bgw_notify_pid = notify ? MyProcPid : 0;

	old = MemoryContextSwitchTo(TopMemoryContext);
	started = RegisterDynamicBackgroundWorker(&bgw, &handle);
	MemoryContextSwitchTo(old);
	if (started)
		return handle;
	ereport(LOG,
			(errmsg("lake_fdw: no background worker slot free for %s", name),
			 errhint("%s", hint)));
	return NULL;
}

/*
 * LakeWorkerConnect
 *		A worker's first steps: SIGTERM ends it (SIGHUP reloads the
 *		configuration too when reload), then it connects to database dbid,
 *		or to none when InvalidOid (it can then read shared catalogs only).
 */
void
LakeWorkerConnect(Oid dbid, bool reload)
{
	if (reload)
		pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	if (OidIsValid(dbid))
		BackgroundWorkerInitializeConnectionByOid(dbid, InvalidOid, 0);
	else
		BackgroundWorkerInitializeConnection(NULL, NULL, 0);
}
