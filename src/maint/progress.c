/*-------------------------------------------------------------------------
 * progress.c
 *	  The shared-memory slots behind lake_stat_progress_compaction: one per
 *	  backend (MaxBackends, indexed by backend id, so background workers
 *	  have theirs too), written only by their owner, read by anyone.
 *
 * Writes follow PostgreSQL's st_changecount protocol (backend_status.h):
 * the owner makes the counter odd, writes, makes it even again, with write
 * barriers between; a reader copies the slot and retries while the
 * counter was odd or moved.  No lock, no error can interrupt a write (it
 * is plain stores), so an update costs a few stores: callers report at
 * phase boundaries and every few thousand merged rows.
 *
 * A slot is cleared at the outermost LakeProgressEnd, at the abort of the
 * transaction (an ERROR in a compaction, caught or not) and at backend
 * exit (before_shmem_exit), so a row never outlives its compaction.
 *
 * Without shared_preload_libraries there is no shared memory to claim
 * after startup: every call is a no-op, and lake_stat_progress_compaction
 * says so with a NOTICE and returns no rows.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "maint/progress.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"

typedef struct ProgressSlot
{
	volatile uint32 changecount;	/* even: stable */
	LakeProgressEntry e;
} ProgressSlot;

typedef struct ProgressShared
{
	int			nslots;			/* MaxBackends at startup */
	ProgressSlot slots[FLEXIBLE_ARRAY_MEMBER];
} ProgressShared;

static ProgressShared *progress_shared = NULL;
static ProgressSlot *my_slot = NULL;	/* while reporting */
static int	depth = 0;			/* nested Begin calls */
static bool callbacks_registered = false;
static shmem_request_hook_type prev_shmem_request = NULL;
static shmem_startup_hook_type prev_shmem_startup = NULL;

#define BEGIN_WRITE(s) \
	do { (s)->changecount++; pg_write_barrier(); } while (0)
#define END_WRITE(s) \
	do { pg_write_barrier(); (s)->changecount++; } while (0)

static Size
progress_shmem_size(void)
{
	return add_size(offsetof(ProgressShared, slots),
					mul_size(MaxBackends, sizeof(ProgressSlot)));
}

static void
progress_shmem_request(void)
{
	if (prev_shmem_request)
		prev_shmem_request();
	RequestAddinShmemSpace(progress_shmem_size());
}

static void
progress_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup)
		prev_shmem_startup();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	progress_shared = ShmemInitStruct("lake_fdw compaction progress",
									  progress_shmem_size(), &found);
	if (!found)
	{
		memset(progress_shared, 0, progress_shmem_size());
		progress_shared->nslots = MaxBackends;
	}
	LWLockRelease(AddinShmemInitLock);
}

void
LakeProgressInit(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request = shmem_request_hook;
	shmem_request_hook = progress_shmem_request;
	prev_shmem_startup = shmem_startup_hook;
	shmem_startup_hook = progress_shmem_startup;
}

bool
LakeProgressAvailable(void)
{
	return progress_shared != NULL;
}

/* Clear this backend's slot, whatever the nesting. */
static void
progress_clear(void)
{
	ProgressSlot *s = my_slot;

	depth = 0;
	my_slot = NULL;
	if (s == NULL)
		return;
	BEGIN_WRITE(s);
	s->e.command = LAKE_PROGRESS_NONE;
	s->e.pid = 0;
	END_WRITE(s);
}

static void
progress_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		progress_clear();
}

static void
progress_exit_callback(int code, Datum arg)
{
	progress_clear();
}

LakeProgressCommand
LakeProgressDefaultCommand(void)
{
	if (MyBgworkerEntry != NULL)
	{
		if (strcmp(MyBgworkerEntry->bgw_function_name, "LakeMaintDatabaseMain") == 0)
			return LAKE_PROGRESS_MAINTENANCE_WORKER;
		return LAKE_PROGRESS_COMPACTION_WORKER;
	}
	return LAKE_PROGRESS_LAKE_COMPACT;
}

void
LakeProgressBegin(LakeProgressCommand command, Oid relid, const char *table_path)
{
	ProgressSlot *s;
	TimestampTz now;

	if (progress_shared == NULL || MyBackendId == InvalidBackendId ||
		MyBackendId > progress_shared->nslots)
		return;
	if (depth++ > 0)
		return;					/* the outer report goes on */
	if (!callbacks_registered)
	{
		RegisterXactCallback(progress_xact_callback, NULL);
		before_shmem_exit(progress_exit_callback, (Datum) 0);
		callbacks_registered = true;
	}
	s = &progress_shared->slots[MyBackendId - 1];
	now = GetCurrentTimestamp();
	BEGIN_WRITE(s);
	memset(&s->e, 0, sizeof(s->e));
	s->e.pid = MyProcPid;
	s->e.datid = MyDatabaseId;
	s->e.userid = GetUserId();
	s->e.relid = relid;
	s->e.command = command;
	s->e.phase = command == LAKE_PROGRESS_BACKPRESSURE ?
		LAKE_PROGRESS_PHASE_WAITING : LAKE_PROGRESS_PHASE_INITIALIZING;
	strlcpy(s->e.table_path, table_path ? table_path : "", LAKE_PROGRESS_PATH_LEN);
	s->e.bucket = -1;
	s->e.started_at = now;
	s->e.phase_since = now;
	END_WRITE(s);
	my_slot = s;
}

void
LakeProgressEnd(void)
{
	if (depth == 0)
		return;
	if (--depth == 0)
		progress_clear();
}

void
LakeProgressSetBuckets(int buckets_total)
{
	ProgressSlot *s = my_slot;

	if (s == NULL)
		return;
	BEGIN_WRITE(s);
	s->e.buckets_total = buckets_total;
	s->e.buckets_done = 0;
	END_WRITE(s);
}

void
LakeProgressStartBucket(const char *partition, int32 bucket, int files_total,
						int64 rows_total, int64 bytes_total)
{
	ProgressSlot *s = my_slot;

	if (s == NULL)
		return;
	BEGIN_WRITE(s);
	strlcpy(s->e.partition, partition ? partition : "", LAKE_PROGRESS_PART_LEN);
	s->e.bucket = bucket;
	s->e.files_total = files_total;
	s->e.rows_total = rows_total;
	s->e.bytes_total = bytes_total;
	s->e.files_read = 0;
	s->e.rows_read = 0;
	s->e.bytes_read = 0;
	s->e.files_written = 0;
	s->e.rows_written = 0;
	s->e.bytes_written = 0;
	END_WRITE(s);
}

void
LakeProgressSetPhase(LakeProgressPhase phase)
{
	ProgressSlot *s = my_slot;
	TimestampTz now;

	if (s == NULL || s->e.phase == phase)
		return;
	now = GetCurrentTimestamp();
	BEGIN_WRITE(s);
	s->e.phase = phase;
	s->e.phase_since = now;
	END_WRITE(s);
}

void
LakeProgressSetRead(int files_read, int64 rows_read, int64 bytes_read)
{
	ProgressSlot *s = my_slot;

	if (s == NULL)
		return;
	BEGIN_WRITE(s);
	s->e.files_read = files_read;
	s->e.rows_read = rows_read;
	s->e.bytes_read = bytes_read;
	END_WRITE(s);
}

void
LakeProgressAddWritten(int files, int64 rows, int64 bytes)
{
	ProgressSlot *s = my_slot;

	if (s == NULL)
		return;
	BEGIN_WRITE(s);
	s->e.files_written += files;
	s->e.rows_written += rows;
	s->e.bytes_written += bytes;
	END_WRITE(s);
}

void
LakeProgressBucketDone(void)
{
	ProgressSlot *s = my_slot;

	if (s == NULL)
		return;
	BEGIN_WRITE(s);
	s->e.buckets_done++;
	END_WRITE(s);
}

/*
 * LakeProgressCollect
 *		A consistent copy of every slot in use.
 */
LakeProgressEntry *
LakeProgressCollect(int *n)
{
	LakeProgressEntry *out;

	*n = 0;
	if (progress_shared == NULL)
		return NULL;
	out = palloc(sizeof(LakeProgressEntry) * Max(progress_shared->nslots, 1));
	for (int i = 0; i < progress_shared->nslots; i++)
	{
		ProgressSlot *s = &progress_shared->slots[i];

		for (;;)
		{
			uint32		before = s->changecount;
			uint32		after;

			pg_read_barrier();
			memcpy(&out[*n], &s->e, sizeof(LakeProgressEntry));
			pg_read_barrier();
			after = s->changecount;
			if (before == after && (before & 1) == 0)
				break;
			CHECK_FOR_INTERRUPTS();
		}
		if (out[*n].command != LAKE_PROGRESS_NONE && out[*n].pid != 0)
			(*n)++;
	}
	return out;
}

const char *
LakeProgressCommandName(LakeProgressCommand command)
{
	switch (command)
	{
		case LAKE_PROGRESS_LAKE_COMPACT:
			return "lake_compact";
		case LAKE_PROGRESS_COMPACTION_WORKER:
			return "compaction worker";
		case LAKE_PROGRESS_MAINTENANCE_WORKER:
			return "maintenance worker";
		case LAKE_PROGRESS_BACKPRESSURE:
			return "backpressure";
		case LAKE_PROGRESS_NONE:
			break;
	}
	return "unknown";
}

const char *
LakeProgressPhaseName(LakeProgressPhase phase)
{
	switch (phase)
	{
		case LAKE_PROGRESS_PHASE_INITIALIZING:
			return "initializing";
		case LAKE_PROGRESS_PHASE_WAITING:
			return "waiting for compaction";
		case LAKE_PROGRESS_PHASE_READING:
			return "reading runs";
		case LAKE_PROGRESS_PHASE_MERGING:
			return "merging";
		case LAKE_PROGRESS_PHASE_WRITING:
			return "writing";
		case LAKE_PROGRESS_PHASE_COMMITTING:
			return "committing";
	}
	return "unknown";
}
