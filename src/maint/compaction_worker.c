/*-------------------------------------------------------------------------
 * compaction_worker.c
 *	  Automatic compaction after commits: what a committing backend notes,
 *	  the cheap decision whether a touched bucket went over its trigger,
 *	  and the dynamic background worker that then compacts the table.
 *
 * The decision needs each touched bucket's sorted runs.  A backend keeps,
 * per lake table, the run counts of the last snapshot it looked at; when
 * its own commit is the only one since (latest = cached + 1), the new
 * counts are the cached ones plus the level-0 files it just added, with
 * no I/O at all.  Otherwise (other writers, a compaction, a first commit
 * in this session) it reads the latest snapshot's file list once, as any
 * scan's planning does.  Nothing here may fail the commit: it runs after
 * the transaction committed, and errors become a WARNING.
 *
 * Workers are dynamic background workers (RegisterDynamicBackgroundWorker),
 * so they work with and without shared_preload_libraries.  A backend does
 * not start a second worker for a table while its previous one runs; two
 * backends may, and then one of the two compactions of a bucket loses the
 * commit race and gives up quietly (40001, logged).  The worker connects
 * to the database as the bootstrap superuser (like autovacuum): compaction
 * changes no row.
 *
 * Maintenance after commits: without the preloaded maintenance launcher
 * (maint_worker.c), the same worker also runs the table's maintenance
 * policy (LakeMaintainRelation: automatic tag, partition and snapshot
 * expiry), launched when the table holds more snapshots than its policy
 * keeps at least, at most once per lake_fdw.maintenance_naptime per table
 * and backend; so nothing piles up when the library is not preloaded.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_class.h"
#include "maint/compaction_worker.h"
#include "maint/maint_worker.h"
#include "mergetree/compaction.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#define MAX_CACHED_TABLES	32

/* advisory lock of a table's worker: (database, relid, "LAKE", 3) */
#define LAKE_WORKER_LOCK_KEY	0x4c414b45
#define LAKE_WORKER_LOCK_SPACE	3

/* a table a committing transaction wrote */
typedef struct NotedTable
{
	Oid			relid;
	char	   *root;
	char	   *relpath;
	LakeCompactionPolicy policy;
	List	   *added;			/* LakeBucketFiles*, counts of the files
								 * this commit added per bucket */
	bool		compact;		/* primary key and auto_compaction */
	bool		maintain;		/* run the maintenance policy after commit */
	int			retained_min;	/* snapshots the policy always keeps */
} NotedTable;

/* when this backend last launched maintenance of a table */
typedef struct MaintLaunch
{
	Oid			relid;
	Oid			dbid;
	TimestampTz at;
} MaintLaunch;

/* run counts of every bucket of a lake table at one snapshot */
typedef struct TableRuns
{
	Oid			relid;
	char	   *dir;			/* root/relpath, in case the options change */
	int64		snapshot_id;
	List	   *buckets;		/* LakeBucketFiles*, files NIL */
	MemoryContext cxt;			/* owns this entry */
} TableRuns;

/* a worker this backend started */
typedef struct LaunchedWorker
{
	Oid			relid;
	Oid			dbid;
	BackgroundWorkerHandle *handle;
} LaunchedWorker;

static MemoryContext noted_cxt = NULL;	/* notes of the current transaction */
static List *noted = NIL;		/* NotedTable*, in noted_cxt */
static List *cache = NIL;		/* TableRuns*, newest first, TopMemoryContext */
static List *launched = NIL;	/* LaunchedWorker*, TopMemoryContext */
static List *maint_launches = NIL;	/* MaintLaunch*, TopMemoryContext */
static bool callback_registered = false;

static void
forget_notes(void)
{
	if (noted_cxt)
		MemoryContextReset(noted_cxt);
	noted = NIL;
}

static void
maint_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		forget_notes();
}

/* The bucket of list with this partition and bucket, or NULL. */
static LakeBucketFiles *
find_bucket(List *list, const char *partition, int32 bucket)
{
	ListCell   *lc;

	foreach(lc, list)
	{
		LakeBucketFiles *b = lfirst(lc);

		if (b->bucket == bucket && strcmp(b->partition, partition) == 0)
			return b;
	}
	return NULL;
}

/* Count one file into its bucket of *list (CurrentMemoryContext). */
static void
count_file(List **list, const char *partition, int32 bucket, int32 level,
		   int64 size)
{
	LakeBucketFiles *b = find_bucket(*list, partition, bucket);

	if (b == NULL)
	{
		b = palloc0(sizeof(LakeBucketFiles));
		b->partition = pstrdup(partition);
		b->bucket = bucket;
		*list = lappend(*list, b);
	}
	if (level == 0)
	{
		b->nlevel0++;
		b->level0_bytes += size;
	}
	else
	{
		b->nupper++;
		b->upper_bytes += size;
	}
}

void
LakeCompactionNoteCommit(LakeTableOptions *opts, LakeTable *table, List *added)
{
	MemoryContext old;
	NotedTable *n;
	ListCell   *lc;

	bool		compact = opts->primary_key != NIL && opts->auto_compaction;
	bool		maintain = opts->auto_maintenance && !LakeMaintLauncherActive();

	if ((!compact && !maintain) || added == NIL)
		return;
	if (!callback_registered)
	{
		RegisterXactCallback(maint_xact_callback, NULL);
		callback_registered = true;
	}
	if (noted_cxt == NULL)
		noted_cxt = AllocSetContextCreate(TopMemoryContext,
										  "lake_fdw compaction notes",
										  ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(noted_cxt);
	n = palloc0(sizeof(NotedTable));
	n->relid = opts->relid;
	n->root = pstrdup(table->root);
	n->relpath = pstrdup(table->relpath);
	n->policy.trigger = opts->compaction_trigger;
	n->policy.max_size_amplification = opts->compaction_max_size_amplification;
	n->policy.target_file_size = opts->target_file_size;
	n->compact = compact;
	n->maintain = maintain;
	n->retained_min = opts->maint.retained_min;
	if (opts->maint.partition_expiration > 0 ||
		opts->maint.auto_tag != LAKE_AUTO_TAG_NONE)
		n->retained_min = 0;	/* something may be due at any commit */
	foreach(lc, added)
	{
		LakeDataFile *f = lfirst(lc);

		count_file(&n->added, f->partition ? f->partition : "", f->bucket,
				   f->level, f->file_size);
	}
	noted = lappend(noted, n);
	MemoryContextSwitchTo(old);
}

/* ---------------------------------------------------------------------
 * The decision
 * ---------------------------------------------------------------------
 */
static TableRuns *
cache_lookup(Oid relid, const char *dir)
{
	ListCell   *lc;

	foreach(lc, cache)
	{
		TableRuns  *t = lfirst(lc);

		if (t->relid == relid && strcmp(t->dir, dir) == 0)
			return t;
	}
	return NULL;
}

static void
cache_drop(TableRuns *t)
{
	cache = list_delete_ptr(cache, t);
	MemoryContextDelete(t->cxt);
}

/* Fresh run counts of the table's latest snapshot. */
static TableRuns *
cache_load(Oid relid, LakeTable *table, const char *dir, int64 latest)
{
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext,
											  "lake_fdw compaction runs",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old;
	TableRuns  *t;
	List	   *files;
	ListCell   *lc;

	/* read in the caller's (temporary) context, keep counts only */
	files = LakeSnapshotFiles(table, LakeSnapshotLoad(table, latest, false));
	old = MemoryContextSwitchTo(cxt);
	t = palloc0(sizeof(TableRuns));
	t->relid = relid;
	t->dir = pstrdup(dir);
	t->snapshot_id = latest;
	t->cxt = cxt;
	foreach(lc, files)
	{
		LakeDataFile *f = lfirst(lc);

		if (f->kind == LAKE_FILE_DATA)
			count_file(&t->buckets, f->partition ? f->partition : "", f->bucket,
					   f->level, f->file_size);
	}
	MemoryContextSwitchTo(old);

	if (list_length(cache) >= MAX_CACHED_TABLES)
		cache_drop(llast(cache));
	old = MemoryContextSwitchTo(TopMemoryContext);
	cache = lcons(t, cache);
	MemoryContextSwitchTo(old);
	return t;
}

/* Is a bucket this commit touched now over the trigger? */
static bool
needs_compaction(NotedTable *n)
{
	LakeTable  *table = LakeTableOpen(n->root, n->relpath);
	int64		latest = LakeSnapshotLatestId(table);
	TableRuns  *t = cache_lookup(n->relid, table->dir);
	ListCell   *lc;

	if (latest == LAKE_SNAPSHOT_NONE)
		return false;
	if (t != NULL && t->snapshot_id + 1 == latest)
	{
		/* our commit is the only one since: add our files, no I/O */
		MemoryContext old = MemoryContextSwitchTo(t->cxt);

		foreach(lc, n->added)
		{
			LakeBucketFiles *a = lfirst(lc);
			LakeBucketFiles *b = find_bucket(t->buckets, a->partition, a->bucket);

			if (b == NULL)
			{
				b = palloc0(sizeof(LakeBucketFiles));
				b->partition = pstrdup(a->partition);
				b->bucket = a->bucket;
				t->buckets = lappend(t->buckets, b);
			}
			b->nlevel0 += a->nlevel0;
			b->level0_bytes += a->level0_bytes;
			b->nupper += a->nupper;
			b->upper_bytes += a->upper_bytes;
		}
		t->snapshot_id = latest;
		MemoryContextSwitchTo(old);
	}
	else
	{
		if (t != NULL)
			cache_drop(t);
		t = cache_load(n->relid, table, table->dir, latest);
	}

	foreach(lc, n->added)
	{
		LakeBucketFiles *a = lfirst(lc);
		LakeBucketFiles *b = find_bucket(t->buckets, a->partition, a->bucket);

		if (b != NULL && LakeCompactionNeeded(b, &n->policy, false))
			return true;
	}
	return false;
}

/*
 * Is the table's maintenance policy worth running after this commit?  When
 * it holds more snapshots than the policy keeps at least, and this backend
 * has not launched its maintenance within the naptime.
 */
static bool
needs_maintenance(NotedTable *n)
{
	LakeTable  *table;
	int64		latest;
	int64		earliest;
	TimestampTz now = GetCurrentTimestamp();
	MaintLaunch *m = NULL;
	ListCell   *lc;

	if (!n->maintain)
		return false;
	foreach(lc, maint_launches)
	{
		MaintLaunch *c = lfirst(lc);

		if (c->relid == n->relid && c->dbid == MyDatabaseId)
			m = c;
	}
	if (m != NULL &&
		!TimestampDifferenceExceeds(m->at, now, lake_maintenance_naptime * 1000))
		return false;
	table = LakeTableOpen(n->root, n->relpath);
	latest = LakeSnapshotLatestId(table);
	if (latest == LAKE_SNAPSHOT_NONE)
		return false;
	earliest = LakeSnapshotEarliestId(table);
	if (latest - earliest + 1 <= n->retained_min)
		return false;
	if (m == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		m = palloc0(sizeof(MaintLaunch));
		m->relid = n->relid;
		m->dbid = MyDatabaseId;
		if (list_length(maint_launches) >= MAX_CACHED_TABLES)
		{
			pfree(linitial(maint_launches));
			maint_launches = list_delete_first(maint_launches);
		}
		maint_launches = lappend(maint_launches, m);
		MemoryContextSwitchTo(old);
	}
	m->at = now;
	return true;
}

/* ---------------------------------------------------------------------
 * Launching
 * ---------------------------------------------------------------------
 */
static bool
worker_running(Oid relid)
{
	ListCell   *lc;

	foreach(lc, launched)
	{
		LaunchedWorker *w = lfirst(lc);
		pid_t		pid;

		if (w->relid != relid || w->dbid != MyDatabaseId)
			continue;
		if (GetBackgroundWorkerPid(w->handle, &pid) != BGWH_STOPPED)
			return true;
		launched = foreach_delete_current(launched, lc);
		pfree(w->handle);
		pfree(w);
	}
	return false;
}

void
LakeCompactionLaunch(Oid relid, bool maintain)
{
	BackgroundWorkerHandle *handle;
	char		extra[sizeof(Oid) + sizeof(bool)];
	Oid			dbid = MyDatabaseId;

	if (worker_running(relid))
		return;
	memcpy(extra, &dbid, sizeof(Oid));
	memcpy(extra + sizeof(Oid), &maintain, sizeof(bool));
	handle = LakeWorkerStart("LakeCompactionWorkerMain", "lake_fdw compaction",
							 psprintf("lake_fdw compaction of table %u", relid),
							 ObjectIdGetDatum(relid), extra, sizeof(extra), false,
							 "Raise max_worker_processes; the next commit tries again.");
	if (handle != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
		LaunchedWorker *w = palloc(sizeof(LaunchedWorker));

		w->relid = relid;
		w->dbid = dbid;
		w->handle = handle;
		launched = lappend(launched, w);
		MemoryContextSwitchTo(old);
	}
}

void
LakeCompactionLaunchPending(void)
{
	MemoryContext old = CurrentMemoryContext;
	MemoryContext tmp;
	ListCell   *lc;

	if (noted == NIL)
		return;
	tmp = AllocSetContextCreate(TopMemoryContext, "lake_fdw compaction check",
								ALLOCSET_DEFAULT_SIZES);
	foreach(lc, noted)
	{
		NotedTable *n = lfirst(lc);

		MemoryContextSwitchTo(tmp);
		PG_TRY();
		{
			bool		compact = n->compact && needs_compaction(n);
			bool		maintain = needs_maintenance(n);

			if (compact || maintain)
				LakeCompactionLaunch(n->relid, maintain);
		}
		PG_CATCH();
		{
			ErrorData  *edata;
			TableRuns  *t;

			MemoryContextSwitchTo(tmp);
			edata = CopyErrorData();
			FlushErrorState();
			ereport(WARNING,
					(errmsg("lake_fdw: could not check lake table \"%s\" for compaction: %s",
							n->relpath, edata->message)));
			t = cache_lookup(n->relid, LakeTableOpen(n->root, n->relpath)->dir);
			if (t != NULL)
				cache_drop(t);
		}
		PG_END_TRY();
		MemoryContextReset(tmp);
	}
	MemoryContextSwitchTo(old);
	MemoryContextDelete(tmp);
	forget_notes();
}

/* ---------------------------------------------------------------------
 * The worker
 * ---------------------------------------------------------------------
 */
bool
LakeCompactionLockTry(Oid relid)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) relid, LAKE_WORKER_LOCK_KEY,
						 LAKE_WORKER_LOCK_SPACE);
	return LockAcquire(&tag, ExclusiveLock, true, true) != LOCKACQUIRE_NOT_AVAIL;
}

void
LakeCompactionLockRelease(Oid relid)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) relid, LAKE_WORKER_LOCK_KEY,
						 LAKE_WORKER_LOCK_SPACE);
	LockRelease(&tag, ExclusiveLock, true);
}

void
LakeCompactionWorkerMain(Datum main_arg)
{
	Oid			relid = DatumGetObjectId(main_arg);
	Oid			dbid;
	bool		maintain;
	int			n = 0;

	memcpy(&dbid, MyBgworkerEntry->bgw_extra, sizeof(Oid));
	memcpy(&maintain, MyBgworkerEntry->bgw_extra + sizeof(Oid), sizeof(bool));
	LakeWorkerConnect(dbid, false);

	/*
	 * One worker per table of this database at a time: a session lock that
	 * a second worker does not wait for (it would find nothing left to do).
	 */
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (!LakeCompactionLockTry(relid))
	{
		CommitTransactionCommand();
		ereport(DEBUG1,
				(errmsg("lake_fdw: another worker compacts table %u", relid)));
		proc_exit(0);
	}
	CommitTransactionCommand();
	n = LakeMaintWorkTable(relid, true, maintain);
	ereport(DEBUG1,
			(errmsg("lake_fdw: compacted %d bucket(s) of table %u", n, relid)));
	proc_exit(0);
}
