/*-------------------------------------------------------------------------
 * maint_worker.c
 *	  The maintenance launcher and its per-database workers: background
 *	  compaction and expiry of every lake table, without anyone calling
 *	  lake_compact or lake_maintain.
 *
 * With lake_fdw in shared_preload_libraries, _PG_init registers a static
 * background worker, the launcher.  It connects to no database; every
 * lake_fdw.maintenance_naptime seconds it lists the databases that accept
 * connections and starts one dynamic worker per database, at most
 * lake_fdw.max_maintenance_workers at a time, never two for one database.
 * A database worker lists the database's lake foreign tables (those whose
 * wrapper's handler is lake_fdw_handler: databases without the extension
 * have none) and, for each with auto_maintenance (default true) that
 * reads the latest snapshot, compacts the buckets over its trigger (if it
 * has a primary key and auto_compaction) and runs its maintenance policy
 * (automatic tag, partition expiry, snapshot expiry).  Each table is one
 * transaction of its own: an ERROR on one table (its directory removed, a
 * corrupt file) is logged with the table's name and the worker moves on.
 * The launcher is restarted by the postmaster after a crash (10 s), and
 * starts again with the server.
 *
 * A table's compaction takes the advisory lock the after-commit workers
 * take (compaction_worker.c), without waiting: a table being compacted
 * right now is skipped until the next round.  Expiry takes the table's
 * maintenance lock, also without waiting.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_database.h"
#include "executor/spi.h"
#include "fdw/fdw.h"
#include "maint/compaction_worker.h"
#include "maint/maint_worker.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

int			lake_maintenance_naptime = 10;
int			lake_max_maintenance_workers = 2;
int			lake_compaction_stop_timeout = 30000;

static bool launcher_registered = false;

/* a database worker the launcher started */
typedef struct DbWorker
{
	Oid			dbid;
	BackgroundWorkerHandle *handle;
} DbWorker;

void
LakeMaintWorkerInit(void)
{
	DefineCustomIntVariable("lake_fdw.maintenance_naptime",
							"Time between two rounds of background maintenance of lake tables.",
							"Each round compacts and expires every lake table with pending work. "
							"Without shared_preload_libraries, the least time between two "
							"maintenance runs a committing session starts for one table.",
							&lake_maintenance_naptime, 10, 1, 86400,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("lake_fdw.max_maintenance_workers",
							"Databases maintained at the same time by the maintenance launcher.",
							"0 turns the launcher off (committing sessions then start the "
							"maintenance themselves).",
							&lake_max_maintenance_workers, 2, 0, 64,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("lake_fdw.compaction_stop_timeout",
							"How long a writer waits for background compaction of a bucket over "
							"its compaction_stop_trigger before it compacts the bucket itself.",
							NULL, &lake_compaction_stop_timeout, 30000, 0, 3600 * 1000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);

	if (!process_shared_preload_libraries_in_progress)
		return;
	LakeWorkerRegisterStatic("LakeMaintLauncherMain", "lake_fdw maintenance launcher", 10);
	launcher_registered = true;
}

bool
LakeMaintLauncherActive(void)
{
	return launcher_registered && lake_max_maintenance_workers > 0;
}

/* ---------------------------------------------------------------------
 * One table
 * ---------------------------------------------------------------------
 */
static int
work_table(Oid relid, bool compact, bool maintain, bool scheduled,
		   char *name, size_t namelen)
{
	LakeTableOptions *opts;
	LakeMaintResult res;
	int			n = 0;

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		return 0;
	LockRelationOid(relid, AccessShareLock);
	/* dropped meanwhile, or no longer a foreign table: nothing to do */
	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		return 0;
	snprintf(name, namelen, "%s.%s",
			 get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
	pgstat_report_activity(STATE_RUNNING,
						   psprintf("lake_fdw maintenance of %s", name));
	opts = LakeGetTableOptions(relid);
	if (LakeTableIsReadOnly(opts) || (scheduled && !opts->auto_maintenance))
		return 0;
	if (compact && opts->primary_key != NIL && opts->auto_compaction)
		n = LakeCompactRelation(relid, false, true);
	if (maintain)
	{
		LakeMaintainRelation(relid, true, &res);
		if (res.expire.snapshots_deleted > 0 || res.partitions_dropped > 0 ||
			res.tag_created != NULL)
			ereport(DEBUG1,
					(errmsg("lake_fdw: maintenance of %s expired %lld snapshot(s), %d partition(s)",
							name, (long long) res.expire.snapshots_deleted,
							res.partitions_dropped)));
	}
	return n;
}

/* The shared per-table step, with scheduled = from the launcher's round. */
static int
work_table_xact(Oid relid, bool compact, bool maintain, bool scheduled)
{
	MemoryContext cxt = CurrentMemoryContext;
	char		name[2 * NAMEDATALEN + 2];
	volatile int n = 0;

	snprintf(name, sizeof(name), "with oid %u", relid);
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		n = work_table(relid, compact, maintain, scheduled, name, sizeof(name));
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		MemoryContextSwitchTo(cxt);
		RESUME_INTERRUPTS();
		ereport(LOG,
				(errmsg("lake_fdw: background maintenance of foreign table %s failed: %s",
						name, edata->message),
				 errhint("The other lake tables are maintained; this one is tried again in the next round.")));
		FreeErrorData(edata);
		n = 0;
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	return n;
}

int
LakeMaintWorkTable(Oid relid, bool compact, bool maintain)
{
	return work_table_xact(relid, compact, maintain, false);
}

/* ---------------------------------------------------------------------
 * A database worker
 * ---------------------------------------------------------------------
 */

/* The lake foreign tables of this database (in the caller's context). */
static List *
list_lake_tables(void)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *relids = NIL;
	int			ret;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "lake_fdw: listing lake tables");
	ret = SPI_execute("SELECT c.oid FROM pg_catalog.pg_foreign_table ft"
					  " JOIN pg_catalog.pg_class c ON c.oid = ft.ftrelid"
					  " JOIN pg_catalog.pg_foreign_server s ON s.oid = ft.ftserver"
					  " JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw"
					  " JOIN pg_catalog.pg_proc p ON p.oid = w.fdwhandler"
					  " WHERE p.proname = 'lake_fdw_handler'"
					  " ORDER BY c.oid", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "lake_fdw: listing lake tables failed: %d", ret);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
									  1, &isnull);
		MemoryContext old = MemoryContextSwitchTo(cxt);

		relids = lappend_oid(relids, DatumGetObjectId(d));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	return relids;
}

void
LakeMaintDatabaseMain(Datum main_arg)
{
	Oid			dbid = DatumGetObjectId(main_arg);
	List	   *relids;
	ListCell   *lc;

	LakeWorkerConnect(dbid, false);
	relids = list_lake_tables();
	foreach(lc, relids)
	{
		Oid			relid = lfirst_oid(lc);
		bool		locked;

		CHECK_FOR_INTERRUPTS();
		/* a table an after-commit worker compacts now: only expire it */
		StartTransactionCommand();
		locked = LakeCompactionLockTry(relid);
		CommitTransactionCommand();
		(void) work_table_xact(relid, locked, true, true);
		if (locked)
			LakeCompactionLockRelease(relid);
	}
	proc_exit(0);
}

/* ---------------------------------------------------------------------
 * The launcher
 * ---------------------------------------------------------------------
 */

/* Databases that accept connections (in the caller's context). */
static List *
list_databases(void)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *dbs = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;

	StartTransactionCommand();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database d = (Form_pg_database) GETSTRUCT(tup);
		MemoryContext old;

		if (!d->datallowconn || d->datistemplate)
			continue;
		old = MemoryContextSwitchTo(cxt);
		dbs = lappend_oid(dbs, d->oid);
		MemoryContextSwitchTo(old);
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return dbs;
}

/* Forget the workers that exited; returns how many still run. */
static int
reap_workers(List **workers)
{
	ListCell   *lc;

	foreach(lc, *workers)
	{
		DbWorker   *w = lfirst(lc);
		pid_t		pid;
		BgwHandleStatus st = GetBackgroundWorkerPid(w->handle, &pid);

		if (st == BGWH_POSTMASTER_DIED)
			proc_exit(1);
		if (st == BGWH_STOPPED)
		{
			*workers = foreach_delete_current(*workers, lc);
			pfree(w->handle);
			pfree(w);
		}
	}
	return list_length(*workers);
}

static bool
db_running(List *workers, Oid dbid)
{
	ListCell   *lc;

	foreach(lc, workers)
		if (((DbWorker *) lfirst(lc))->dbid == dbid)
			return true;
	return false;
}

static void
launcher_sleep(long ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
}

/*
 * Wait out lake_fdw.maintenance_naptime from now.  The latch is set for
 * more than a reload: every start and exit of a worker this launcher
 * started (bgw_notify_pid) sets it too, so a wake-up before the deadline
 * only reaps the workers and sleeps on -- otherwise each worker's exit
 * would start the next round at once, forking workers without pause.
 */
static void
launcher_nap(List **workers)
{
	TimestampTz start = GetCurrentTimestamp();

	for (;;)
	{
		long		left = lake_maintenance_naptime * 1000L -
			TimestampDifferenceMilliseconds(start, GetCurrentTimestamp());

		if (left <= 0)
			return;
		launcher_sleep(left);
		(void) reap_workers(workers);
	}
}

/* Start a worker for every database (not already being maintained). */
static void
launcher_round(List **workers)
{
	MemoryContext round = AllocSetContextCreate(TopMemoryContext,
												"lake_fdw maintenance round",
												ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(round);
	List	   *dbs = list_databases();
	ListCell   *lc;

	foreach(lc, dbs)
	{
		Oid			dbid = lfirst_oid(lc);
		BackgroundWorkerHandle *handle;

		while (lake_max_maintenance_workers > 0 &&
			   reap_workers(workers) >= lake_max_maintenance_workers)
			launcher_sleep(1000);
		if (lake_max_maintenance_workers == 0)
			break;
		if (db_running(*workers, dbid))
			continue;

		handle = LakeWorkerStart("LakeMaintDatabaseMain", "lake_fdw maintenance",
								 psprintf("lake_fdw maintenance of database %u", dbid),
								 ObjectIdGetDatum(dbid), NULL, 0, true,
								 "Raise max_worker_processes.");
		if (handle != NULL)
		{
			DbWorker   *w;

			MemoryContextSwitchTo(TopMemoryContext);
			w = palloc(sizeof(DbWorker));
			w->dbid = dbid;
			w->handle = handle;
			*workers = lappend(*workers, w);
			MemoryContextSwitchTo(round);
		}
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(round);
}

void
LakeMaintLauncherMain(Datum main_arg)
{
	List	   *workers = NIL;	/* DbWorker*, TopMemoryContext */

	LakeWorkerConnect(InvalidOid, true);
	ereport(DEBUG1, (errmsg("lake_fdw maintenance launcher started")));

	for (;;)
	{
		if (lake_max_maintenance_workers > 0)
			launcher_round(&workers);
		launcher_nap(&workers);
	}
}
