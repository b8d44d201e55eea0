/*-------------------------------------------------------------------------
 * meta_pin.c
 *	  Snapshot pins: which snapshots the backends of this server are
 *	  reading, so that expiry and orphan cleanup never delete their files.
 *
 * A reader pins the snapshot it reads (LakeSnapshotPin) before it opens
 * the snapshot's manifests, and keeps the pin until its transaction ends.
 * Expiry (meta_expire.c) first raises snapshot/EARLIEST to its target,
 * then collects the pins (LakeSnapshotPinsCollect) and never deletes a
 * snapshot at or after the lowest pin.  A reader checks EARLIEST after
 * registering its pin: if its snapshot is below, an expiry may already
 * have missed the pin, and the reader gives up (ERRCODE_SNAPSHOT_TOO_OLD)
 * unless a tag keeps that snapshot.  Either the expiry sees the pin or
 * the reader sees the raised EARLIEST: there is no third interleaving.
 *
 * Two registries, one contract:
 *	 - shared memory, when lake_fdw is in shared_preload_libraries: one row
 *	   of LAKE_PINS_PER_BACKEND slots (table key, lowest pinned id) per
 *	   backend, under one LWLock; a backend clears its row at transaction
 *	   end and at exit, and a crash restart clears them all;
 *	 - pin files, otherwise (or when a backend's row is full):
 *	   <table>/pin/pin-<system identifier>-<pid>-<snapshot id>, created
 *	   empty and unlinked at transaction end.  Collecting them skips (and
 *	   removes) the files of pids that are no longer backends of this
 *	   server: a killed backend's pins do not outlive it.  Files of other
 *	   servers (another system identifier) are not pins here: readers on
 *	   other servers are protected by the retention age window only.
 * A table is identified by a 64-bit hash of its absolute directory.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "common/hashfn.h"
#include "io/io.h"
#include "meta/meta_internal.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "storage/lwlock.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#define LAKE_PINS_PER_BACKEND	16

typedef struct PinSlot
{
	uint64		table_key;		/* 0 = free */
	int64		snapshot_id;	/* lowest snapshot this backend pinned */
} PinSlot;

typedef struct PinShared
{
	LWLock	   *lock;
	int			nrows;			/* MaxBackends at startup */
	PinSlot		slots[FLEXIBLE_ARRAY_MEMBER];	/* nrows x PER_BACKEND */
} PinShared;

/* this backend's pins, by table key (TopMemoryContext) */
typedef struct LocalPin
{
	uint64		table_key;		/* hash key */
	int64		snapshot_id;	/* lowest pinned */
	int			slot;			/* index into PinShared.slots, or -1 */
	List	   *files;			/* char*: pin files created */
} LocalPin;

static PinShared *pin_shared = NULL;
static HTAB *local_pins = NULL;
static bool pin_callbacks = false;
static shmem_request_hook_type prev_shmem_request = NULL;
static shmem_startup_hook_type prev_shmem_startup = NULL;

static Size pin_shmem_size(void);
static void pin_shmem_request(void);
static void pin_shmem_startup(void);
static void pin_release_all(void);
static void pin_xact_callback(XactEvent event, void *arg);
static void pin_exit_callback(int code, Datum arg);
static uint64 table_key(LakeTable *table);
static int	shared_register(uint64 key, int64 id, int slot);
static char *pin_file_create(LakeTable *table, int64 id);
static bool parse_pin_name(const char *name, uint64 *sysid, int *pid, int64 *id);

static Size
pin_shmem_size(void)
{
	return add_size(offsetof(PinShared, slots),
					mul_size(mul_size(MaxBackends, LAKE_PINS_PER_BACKEND),
							 sizeof(PinSlot)));
}

static void
pin_shmem_request(void)
{
	if (prev_shmem_request)
		prev_shmem_request();
	RequestAddinShmemSpace(pin_shmem_size());
	RequestNamedLWLockTranche("lake_fdw_pins", 1);
}

static void
pin_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup)
		prev_shmem_startup();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	pin_shared = ShmemInitStruct("lake_fdw snapshot pins", pin_shmem_size(), &found);
	if (!found)
	{
		memset(pin_shared, 0, pin_shmem_size());
		pin_shared->lock = &(GetNamedLWLockTranche("lake_fdw_pins"))->lock;
		pin_shared->nrows = MaxBackends;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * LakePinInit
 *		From _PG_init: shared memory hooks when preloaded.
 */
void
LakePinInit(void)
{
	if (process_shared_preload_libraries_in_progress)
	{
		prev_shmem_request = shmem_request_hook;
		shmem_request_hook = pin_shmem_request;
		prev_shmem_startup = shmem_startup_hook;
		shmem_startup_hook = pin_shmem_startup;
	}
}

static uint64
table_key(LakeTable *table)
{
	uint64		k = hash_bytes_extended((const unsigned char *) table->dir,
										strlen(table->dir), 0x6c616b65);

	return k == 0 ? 1 : k;
}

static void
ensure_local(void)
{
	HASHCTL		ctl;

	if (!pin_callbacks)
	{
		RegisterXactCallback(pin_xact_callback, NULL);
		before_shmem_exit(pin_exit_callback, (Datum) 0);
		pin_callbacks = true;
	}
	if (local_pins != NULL)
		return;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(LocalPin);
	ctl.hcxt = TopMemoryContext;
	local_pins = hash_create("lake_fdw snapshot pins", 16, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * Put (key, id) in this backend's row: slot if >= 0, else a free slot.
 * Returns the slot, or -1 when the row is full or there is no shared
 * memory.
 */
static int
shared_register(uint64 key, int64 id, int slot)
{
	PinSlot    *row;

	if (pin_shared == NULL || MyBackendId == InvalidBackendId ||
		MyBackendId > pin_shared->nrows)
		return -1;
	row = &pin_shared->slots[(MyBackendId - 1) * LAKE_PINS_PER_BACKEND];
	LWLockAcquire(pin_shared->lock, LW_EXCLUSIVE);
	if (slot < 0)
	{
		for (int i = 0; i < LAKE_PINS_PER_BACKEND; i++)
			if (row[i].table_key == 0)
			{
				slot = (MyBackendId - 1) * LAKE_PINS_PER_BACKEND + i;
				break;
			}
	}
	if (slot >= 0)
	{
		pin_shared->slots[slot].table_key = key;
		pin_shared->slots[slot].snapshot_id = id;
	}
	LWLockRelease(pin_shared->lock);
	return slot;
}

/* an empty pin file; NULL (with a WARNING) if it cannot be created */
static char *
pin_file_create(LakeTable *table, int64 id)
{
	char	   *rel = psprintf("%s/pin", table->relpath);
	char	   *name;
	char	   *path;
	int			fd;

	LakeMakeDirs(table->root, rel);
	name = psprintf("pin/pin-" UINT64_FORMAT "-%d-" INT64_FORMAT,
					GetSystemIdentifier(), MyProcPid, id);
	path = LakeTableFilePath(table, name);
	fd = OpenTransientFile(path, O_CREAT | O_WRONLY | PG_BINARY);
	if (fd < 0)
	{
		ereport(WARNING,
				(errcode_for_file_access(),
				 errmsg("could not create snapshot pin file \"%s\": %m", path),
				 errdetail("Expiry on this server may delete files this query reads.")));
		return NULL;
	}
	CloseTransientFile(fd);
	return MemoryContextStrdup(TopMemoryContext, path);
}

/*
 * Register a pin of snapshot_id (no fence yet); NULL when a fenced lower
 * pin of this transaction protects it already.
 */
static LocalPin *
pin_register(LakeTable *table, int64 snapshot_id)
{
	uint64		key;
	LocalPin   *lp;
	bool		found;

	ensure_local();
	key = table_key(table);
	lp = hash_search(local_pins, &key, HASH_ENTER, &found);
	if (!found)
	{
		lp->snapshot_id = 0;
		lp->slot = -1;
		lp->files = NIL;
	}
	else if (lp->snapshot_id != 0 && lp->snapshot_id <= snapshot_id)
		return NULL;			/* a lower pin protects every later snapshot */

	lp->slot = shared_register(key, snapshot_id, lp->slot);
	if (lp->slot < 0)
	{
		char	   *path = pin_file_create(table, snapshot_id);

		if (path != NULL)
		{
			MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

			lp->files = lappend(lp->files, path);
			MemoryContextSwitchTo(old);
		}
	}
	return lp;
}

/*
 * LakeSnapshotPin
 *		Protect snapshot_id of table until the end of the transaction.
 */
void
LakeSnapshotPin(LakeTable *table, int64 snapshot_id)
{
	LocalPin   *lp;
	int64		earliest;

	if (snapshot_id <= 0)
		return;
	lp = pin_register(table, snapshot_id);
	if (lp == NULL)
		return;

	/*
	 * The fence: an expiry raises EARLIEST before it collects pins.  It
	 * never raises it past the latest snapshot of its start, so while
	 * snapshot_id is the latest EARLIEST is at most snapshot_id: two stats
	 * instead of reading the hint.  The snapshot files are a contiguous
	 * range that only loses its oldest and gains past its newest: no
	 * snapshot-<id+1>, then snapshot-<id> still there, means snapshot_id was
	 * the latest at the first stat (it cannot have come back in between).
	 */
	if (!LakeSnapshotHasNewer(table, snapshot_id) &&
		LakeSnapshotFileExists(table, snapshot_id))
		earliest = 0;
	else
		earliest = LakeSnapshotHintRead(table, "EARLIEST");
	if (earliest != 0 && snapshot_id < earliest)
	{
		LakeSnapshot *tagged = LakeTagSnapshotFor(table, snapshot_id);

		/* the registration stays (harmless); a retry checks again */
		if (tagged == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_SNAPSHOT_TOO_OLD),
					 errmsg("snapshot " INT64_FORMAT " of lake table \"%s\" has expired",
							snapshot_id, table->relpath),
					 errdetail("The earliest retained snapshot is " INT64_FORMAT ".",
							   earliest),
					 errhint("Retry: a new statement reads a retained snapshot.")));
		pfree(tagged);
	}
	lp->snapshot_id = snapshot_id;
}

/*
 * LakeSnapshotLatestPinned
 *		The latest snapshot of table (LakeSnapshotLatest), pinned as by
 *		LakeSnapshotPin; NULL if the table has none.
 *
 * The snapshot this backend last found the latest usually still is: its
 * pin is registered first, so that LakeSnapshotLatest's two stats (no
 * snapshot-<id+1>, then snapshot-<id> still there), made after the
 * registration, are the pin's fence as well (LakeSnapshotPin would repeat
 * them).  When another snapshot is the latest, it is pinned with its own
 * fence; the early registration stays until transaction end (harmless: a
 * pin only keeps snapshots from expiring).
 */
LakeSnapshot *
LakeSnapshotLatestPinned(LakeTable *table)
{
	int64		seen = LakeMetaLatestSeen(table->dir);
	LocalPin   *early = seen > 0 ? pin_register(table, seen) : NULL;
	LakeSnapshot *snap = LakeSnapshotLatest(table);

	if (snap == NULL)
		return NULL;
	if (early != NULL && snap->id == seen)
		early->snapshot_id = seen;	/* fenced by LakeSnapshotLatest's stats */
	else
		LakeSnapshotPin(table, snap->id);
	return snap;
}

/* parse "pin-<sysid>-<pid>-<id>" */
static bool
parse_pin_name(const char *name, uint64 *sysid, int *pid, int64 *id)
{
	unsigned long long s;
	int			p;
	long long	i;
	int			consumed = 0;

	if (sscanf(name, "pin-%llu-%d-%lld%n", &s, &p, &i, &consumed) != 3 ||
		name[consumed] != '\0' || p <= 0 || i <= 0)
		return false;
	*sysid = (uint64) s;
	*pid = p;
	*id = (int64) i;
	return true;
}

/*
 * LakeSnapshotPinsCollect
 *		Every snapshot id pinned for table by a live backend of this
 *		server; stale pin files (their backend is gone) are removed.
 */
int64 *
LakeSnapshotPinsCollect(LakeTable *table, int *npins)
{
	uint64		key = table_key(table);
	int			cap = 16;
	int64	   *ids = palloc(sizeof(int64) * cap);
	int			n = 0;
	char	   *dir;
	DIR		   *d;
	struct dirent *de;

	if (pin_shared != NULL)
	{
		int			nslots = pin_shared->nrows * LAKE_PINS_PER_BACKEND;

		LWLockAcquire(pin_shared->lock, LW_SHARED);
		for (int i = 0; i < nslots; i++)
		{
			if (pin_shared->slots[i].table_key != key)
				continue;
			if (n == cap)
			{
				cap *= 2;
				ids = repalloc(ids, sizeof(int64) * cap);
			}
			ids[n++] = pin_shared->slots[i].snapshot_id;
		}
		LWLockRelease(pin_shared->lock);
	}

	dir = LakeTableFilePath(table, "pin");
	d = AllocateDir(dir);
	if (d != NULL || (errno != ENOENT && errno != ENOTDIR))
	{
		uint64		mysys = GetSystemIdentifier();

		while ((de = ReadDir(d, dir)) != NULL)
		{
			uint64		sysid;
			int			pid;
			int64		id;

			CHECK_FOR_INTERRUPTS();
			if (!parse_pin_name(de->d_name, &sysid, &pid, &id) || sysid != mysys)
				continue;
			if (pid != MyProcPid && BackendPidGetProc(pid) == NULL)
			{
				/* its backend is gone (killed, or exited before cleanup) */
				LakeUnlinkQuiet(psprintf("%s/%s", dir, de->d_name));
				continue;
			}
			if (n == cap)
			{
				cap *= 2;
				ids = repalloc(ids, sizeof(int64) * cap);
			}
			ids[n++] = id;
		}
		FreeDir(d);
	}
	pfree(dir);
	*npins = n;
	return ids;
}

/* drop every pin of this backend (transaction end, exit) */
static void
pin_release_all(void)
{
	HASH_SEQ_STATUS status;
	LocalPin   *lp;

	if (local_pins == NULL || hash_get_num_entries(local_pins) == 0)
		return;
	if (pin_shared != NULL && MyBackendId != InvalidBackendId &&
		MyBackendId <= pin_shared->nrows)
	{
		PinSlot    *row = &pin_shared->slots[(MyBackendId - 1) * LAKE_PINS_PER_BACKEND];

		LWLockAcquire(pin_shared->lock, LW_EXCLUSIVE);
		for (int i = 0; i < LAKE_PINS_PER_BACKEND; i++)
			row[i].table_key = 0;
		LWLockRelease(pin_shared->lock);
	}
	/* emptied, not destroyed: a one-row transaction would create it again */
	hash_seq_init(&status, local_pins);
	while ((lp = hash_seq_search(&status)) != NULL)
	{
		ListCell   *lc;

		foreach(lc, lp->files)
		{
			if (unlink((char *) lfirst(lc)) != 0 && errno != ENOENT)
				elog(LOG, "lake_fdw: could not remove snapshot pin file \"%s\": %m",
					 (char *) lfirst(lc));
			pfree(lfirst(lc));
		}
		list_free(lp->files);
		hash_search(local_pins, &lp->table_key, HASH_REMOVE, NULL);
	}
}

static void
pin_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			pin_release_all();
			break;
		default:
			break;
	}
}

static void
pin_exit_callback(int code, Datum arg)
{
	pin_release_all();
}

/*
 * LakeMaintLockAcquire
 *		A transaction-scoped advisory lock on the table, in no database
 *		(two databases of one server may share a lake root), then the
 *		table's maintenance lease (meta_lease.c) for other servers.
 */
bool
LakeMaintLockAcquire(LakeTable *table, bool nowait)
{
	uint64		key = table_key(table);
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, InvalidOid, (uint32) (key >> 32), (uint32) key, 3);
	if (LockAcquire(&tag, ExclusiveLock, false, nowait) == LOCKACQUIRE_NOT_AVAIL)
		return false;
	/* and among servers sharing the root */
	return LakeMaintLeaseAcquire(table, nowait);
}
