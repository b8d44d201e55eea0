/*-------------------------------------------------------------------------
 * meta_orphan.c
 *	  Orphan cleanup: removing files under a table directory that no
 *	  retained snapshot and no tag references, left by crashed or aborted
 *	  writers, lost commit attempts and interrupted expiries.
 *
 * Candidates are the regular files under manifest/ and data/ (any depth),
 * and temporary files (names beginning with ".") in snapshot/, tag/ and
 * schema/.  Schema versions, snapshots, hints, tags and pin files are never
 * candidates.  The directory is listed first and the references read
 * afterwards, so a file a commit publishes meanwhile is either unlisted or
 * referenced.  A candidate goes only if it was last modified before the
 * cutoff: the caller's older_than, moved earlier to the start of the
 * oldest transaction running on this server (a long transaction's spilled
 * files are older than its commit).  Writers on other servers are
 * protected by older_than alone.
 *
 * If a query of this server reads a snapshot that neither a snapshot file
 * nor a tag describes any more (a tag dropped while it was read), the
 * files it reads cannot be told apart from orphans: nothing is removed.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"
#include "meta/meta_internal.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "utils/backend_status.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

typedef struct Candidate
{
	char	   *rel;			/* relative to the table directory */
	int64		bytes;
	TimestampTz modified;
} Candidate;

/*
 * Append the files under rel (recursively when deep) to *out; only names
 * beginning with "." when temp_only.
 */
static void
list_files(LakeTable *table, const char *rel, bool deep, bool temp_only,
		   List **out)
{
	char	   *dir = LakeTableFilePath(table, rel);
	DIR		   *d;
	struct dirent *de;
	List	   *subdirs = NIL;
	ListCell   *lc;

	d = AllocateDir(dir);
	if (d == NULL && (errno == ENOENT || errno == ENOTDIR))
		return;
	while ((de = ReadDir(d, dir)) != NULL)
	{
		char	   *path;
		struct stat st;

		CHECK_FOR_INTERRUPTS();
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		path = psprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &st) != 0)
			continue;			/* removed meanwhile */
		if (S_ISDIR(st.st_mode))
		{
			if (deep)
				subdirs = lappend(subdirs, psprintf("%s/%s", rel, de->d_name));
		}
		else if (S_ISREG(st.st_mode) && (!temp_only || de->d_name[0] == '.'))
		{
			Candidate  *c = palloc(sizeof(Candidate));

			c->rel = psprintf("%s/%s", rel, de->d_name);
			c->bytes = st.st_size;
			c->modified = time_t_to_timestamptz(st.st_mtime);
			*out = lappend(*out, c);
		}
		pfree(path);
	}
	FreeDir(d);
	foreach(lc, subdirs)
		list_files(table, (char *) lfirst(lc), deep, temp_only, out);
}

/* start of the oldest transaction of another backend of this server */
static TimestampTz
oldest_running_xact_start(void)
{
	TimestampTz oldest = 0;
	int			n = pgstat_fetch_stat_numbackends();

	for (int i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *lb = pgstat_fetch_stat_local_beentry(i);
		TimestampTz t;

		if (lb == NULL || lb->backendStatus.st_procpid == MyProcPid)
			continue;
		t = lb->backendStatus.st_xact_start_timestamp;
		if (t != 0 && (oldest == 0 || t < oldest))
			oldest = t;
	}
	return oldest;
}

/*
 * LakeOrphansRemove
 *		Remove (or, dry_run, only list) the orphans modified before
 *		older_than; returns them as LakeOrphan*.
 */
List *
LakeOrphansRemove(LakeTable *table, TimestampTz older_than, bool dry_run)
{
	List	   *candidates = NIL;
	List	   *out = NIL;
	LakePathSet *refs;
	int64		oldest;
	int64		max_file;
	int64		latest;
	int64	   *pins;
	int			npins;
	TimestampTz cutoff = older_than;
	TimestampTz xact_start;
	ListCell   *lc;

	/* 1. list first */
	list_files(table, "manifest", false, false, &candidates);
	list_files(table, "data", true, false, &candidates);
	list_files(table, "snapshot", false, true, &candidates);
	list_files(table, "tag", false, true, &candidates);
	list_files(table, "schema", false, true, &candidates);

	/* 2. then what is referenced: every snapshot file there is, every tag */
	latest = LakeSnapshotLatestId(table);
	LakeSnapshotFileRange(table, &oldest, &max_file);
	refs = LakePathSetCreate();
	if (latest != LAKE_SNAPSHOT_NONE && oldest != 0)
		LakePathSetAddSnapshots(table, oldest, latest, true, refs);
	else
		LakePathSetAddSnapshots(table, 1, 0, true, refs);	/* tags only */

	/* queries reading a snapshot nothing describes any more: stop */
	pins = LakeSnapshotPinsCollect(table, &npins);
	for (int i = 0; i < npins; i++)
	{
		LakeSnapshot *tagged;

		if (pins[i] >= oldest && oldest != 0)
			continue;
		tagged = LakeTagSnapshotFor(table, pins[i]);
		if (tagged == NULL)
		{
			ereport(NOTICE,
					(errmsg("orphan cleanup of lake table \"%s\" skipped: a running query reads snapshot " INT64_FORMAT ", which is no longer retained",
							table->relpath, pins[i]),
					 errhint("Run it again once that query has finished.")));
			return NIL;
		}
	}

	xact_start = oldest_running_xact_start();
	if (xact_start != 0 && xact_start < cutoff)
		cutoff = xact_start;

	/* 3. remove what is old and unreferenced */
	foreach(lc, candidates)
	{
		Candidate  *c = (Candidate *) lfirst(lc);
		LakeOrphan *o;

		CHECK_FOR_INTERRUPTS();
		LakeMaintLeaseKeepAlive();
		if (c->modified >= cutoff || LakePathSetContains(refs, c->rel))
			continue;
		if (!dry_run)
		{
			char	   *path = LakeTableFilePath(table, c->rel);

			LakeFileCacheForget(path);
			if (unlink(path) != 0)
			{
				if (errno == ENOENT)
					continue;
				ereport(WARNING,
						(errcode_for_file_access(),
						 errmsg("could not remove file \"%s\": %m", path)));
				continue;
			}
		}
		o = palloc(sizeof(LakeOrphan));
		o->path = c->rel;
		o->bytes = c->bytes;
		o->modified = c->modified;
		out = lappend(out, o);
	}
	return out;
}
