/*-------------------------------------------------------------------------
 * meta_lease.c
 *	  The maintenance lease of a table: a file in the lake root that keeps
 *	  two servers sharing the root from expiring (or cleaning orphans of,
 *	  or rolling back) one table at the same time.
 *
 * Within one server the advisory lock of LakeMaintLockAcquire serialises
 * maintenance; across servers the lock is lease/maintenance in the table
 * directory (FORMAT.md, "Maintenance lease"), published by atomic
 * create-if-absent, so exactly one of several racing servers creates it.
 * It names its owner: the server (system identifier, host name and data
 * directory, which tell two servers apart even when one was cloned from
 * the other), the pid and the time it was taken.  It is removed at the end of
 * the owner's transaction (commit or abort) and at backend exit.
 *
 * A lease nobody removes (a server crashed or was killed while holding
 * it) goes stale LAKE_LEASE_STALE_SECS after its file was last modified,
 * by the file's mtime; then the next server takes it over (unlink, create
 * again).  A lease of this very server (also one left before a crash or
 * an immediate shutdown) is always taken over at once: the caller holds
 * the server's advisory lock, so the backend that wrote it is gone.  Two servers finding the same stale lease at the same moment
 * can both take it over (there is no compare-and-unlink); staleness takes
 * ten minutes without maintenance, so this needs a crash plus a
 * coincidence.  A long expiry or cleanup renews its lease (the mtime)
 * every minute from its loops (LakeMaintLeaseKeepAlive).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>
#include <time.h>
#include <utime.h>
#include <unistd.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "io/io.h"
#include "meta/meta_internal.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* a lease this backend holds */
typedef struct HeldLease
{
	char	   *path;
	ino_t		ino;			/* of the file it created */
	dev_t		dev;
} HeldLease;

static List *held = NIL;		/* HeldLease*, TopMemoryContext */
static TimestampTz last_renewal = 0;
static bool callbacks_registered = false;

typedef struct LeaseOwner
{
	uint64		system_id;
	char	   *host;
	char	   *data_directory;
	int64		pid;
	TimestampTz acquired;
} LeaseOwner;

/* this host's name ("" if unknown), palloc'd */
static char *
host_name(void)
{
	char		buf[256];

	if (gethostname(buf, sizeof(buf)) != 0)
		return pstrdup("");
	buf[sizeof(buf) - 1] = '\0';
	return pstrdup(buf);
}

/*
 * Remove the leases this backend holds: only files it created (another
 * server may have taken over one it held past staleness).  Never ERRORs.
 */
static void
release_all(void)
{
	ListCell   *lc;

	foreach(lc, held)
	{
		HeldLease  *h = lfirst(lc);
		struct stat st;

		if (stat(h->path, &st) == 0 && st.st_ino == h->ino && st.st_dev == h->dev &&
			unlink(h->path) != 0 && errno != ENOENT)
			ereport(WARNING,
					(errcode_for_file_access(),
					 errmsg("could not remove lake maintenance lease \"%s\": %m", h->path)));
		pfree(h->path);
		pfree(h);
	}
	list_free(held);
	held = NIL;
}

static void
lease_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			release_all();
			break;
		default:
			break;
	}
}

static void
lease_exit_callback(int code, Datum arg)
{
	release_all();
}

static char *
encode_lease(size_t *len)
{
	LakeEncoder enc;

	LakeEncInit(&enc);
	LakeEncUInt(&enc, GetSystemIdentifier());
	LakeEncString(&enc, host_name());
	LakeEncString(&enc, DataDir);
	LakeEncInt(&enc, MyProcPid);
	LakeEncInt(&enc, GetCurrentTimestamp());
	return LakeEncFinish(&enc, LAKE_META_LEASE, len);
}

/* The lease's owner; false if the file is gone. */
static bool
read_lease(const char *path, LeaseOwner *owner)
{
	LakeDecoder dec;

	if (!LakeMetaReadFile(path, LAKE_META_LEASE, true, &dec))
		return false;
	owner->system_id = LakeDecUInt(&dec, "system_id");
	owner->host = LakeDecString(&dec, "host", false);
	owner->data_directory = LakeDecString(&dec, "data_directory", false);
	owner->pid = LakeDecInt(&dec, "pid");
	owner->acquired = LakeDecInt(&dec, "acquired");
	LakeDecEnd(&dec);
	return true;
}

static bool
is_held(const char *path)
{
	ListCell   *lc;

	foreach(lc, held)
		if (strcmp(((HeldLease *) lfirst(lc))->path, path) == 0)
			return true;
	return false;
}

/*
 * LakeMaintLeaseAcquire
 *		Take the table's maintenance lease until the end of the transaction.
 *		When another server holds it: false if nowait, else an ERROR
 *		(ERRCODE_LOCK_NOT_AVAILABLE) naming the holder.  The caller holds
 *		the server's maintenance advisory lock of the table.
 */
bool
LakeMaintLeaseAcquire(LakeTable *table, bool nowait)
{
	char	   *rel = psprintf("%s/lease", table->relpath);
	char	   *path = LakeTableFilePath(table, "lease/maintenance");
	char	   *data;
	size_t		len;

	if (is_held(path))
		return true;
	if (!callbacks_registered)
	{
		RegisterXactCallback(lease_xact_callback, NULL);
		before_shmem_exit(lease_exit_callback, (Datum) 0);
		callbacks_registered = true;
	}
	LakeMakeDirs(table->root, rel);
	data = encode_lease(&len);
	for (int attempt = 0; attempt < 3; attempt++)
	{
		struct stat st;
		LeaseOwner	owner;
		bool		ours;
		bool		stale;

		if (LakePublishFile(path, data, len))
		{
			MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
			HeldLease  *h = palloc0(sizeof(HeldLease));

			h->path = pstrdup(path);
			if (stat(path, &st) == 0)
			{
				h->ino = st.st_ino;
				h->dev = st.st_dev;
			}
			held = lappend(held, h);
			MemoryContextSwitchTo(old);
			last_renewal = GetCurrentTimestamp();
			return true;
		}
		/* someone holds it: ours (left over), stale, or live */
		if (stat(path, &st) != 0)
		{
			if (errno == ENOENT)
				continue;		/* released meanwhile: try again */
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not stat file \"%s\": %m", path)));
		}
		stale = (time(NULL) - st.st_mtime) >= LAKE_LEASE_STALE_SECS;
		if (!stale && !read_lease(path, &owner))
			continue;
		ours = !stale && owner.system_id == GetSystemIdentifier() &&
			strcmp(owner.data_directory, DataDir) == 0 &&
			strcmp(owner.host, host_name()) == 0;
		if (stale || ours)
		{
			ereport(LOG,
					(errmsg("lake_fdw: taking over the %s maintenance lease \"%s\"",
							stale ? "stale" : "leftover", path)));
			LakeUnlinkQuiet(path);
			continue;
		}
		if (nowait)
			return false;
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("lake table \"%s\" is being maintained by another server",
						table->relpath),
				 errdetail("Lease \"%s\" is held by process %lld of the server on host \"%s\" with data directory \"%s\" (system identifier "
						   UINT64_FORMAT "), since %s.",
						   path, (long long) owner.pid, owner.host, owner.data_directory,
						   owner.system_id, timestamptz_to_str(owner.acquired)),
				 errhint("Try again when its maintenance is over; a lease left by a crashed server "
						 "goes stale %d minutes after it was taken.",
						 LAKE_LEASE_STALE_SECS / 60)));
	}
	/* it keeps changing hands: treat as busy */
	if (nowait)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("lake table \"%s\" is being maintained by another server",
					table->relpath),
			 errdetail("Lease \"%s\" changed hands while being taken.", path)));
	return false;				/* keep the compiler quiet */
}

/*
 * LakeMaintLeaseKeepAlive
 *		From the loops of expiry and orphan cleanup: every
 *		LAKE_LEASE_RENEW_SECS, move the mtime of the leases this backend
 *		holds to now, so that a long run never looks stale.  A lease that
 *		is no longer the file this backend created (taken over after a
 *		stall longer than the stale age) is an ERROR: stop before two
 *		servers maintain the table at once.
 */
void
LakeMaintLeaseKeepAlive(void)
{
	TimestampTz now;
	ListCell   *lc;

	if (held == NIL)
		return;
	now = GetCurrentTimestamp();
	if (!TimestampDifferenceExceeds(last_renewal, now, LAKE_LEASE_RENEW_SECS * 1000))
		return;
	last_renewal = now;
	foreach(lc, held)
	{
		HeldLease  *h = lfirst(lc);
		struct stat st;

		if (stat(h->path, &st) != 0 || st.st_ino != h->ino || st.st_dev != h->dev)
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("lost the lake maintenance lease \"%s\"", h->path),
					 errdetail("Another server took it over as stale.")));
		if (utime(h->path, NULL) != 0)
			ereport(ERROR,
					(errcode_for_file_access(),
					 errmsg("could not renew lake maintenance lease \"%s\": %m", h->path)));
	}
}
