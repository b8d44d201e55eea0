/*-------------------------------------------------------------------------
 * meta_commit.c
 *	  The commit protocol: publishing a new snapshot with optimistic
 *	  concurrency, and fault injection for crash tests.
 *
 * Once per commit, the delta manifest (ADD / DELETE entries) and the delta
 * manifest list are written durably: their contents do not depend on which
 * snapshot the commit ends up following.  Then one attempt, given the
 * latest snapshot L (or none):
 *	 1. run the caller's conflict check on snapshots newer than its base;
 *	 2. check every file to delete is still live in L (else 40001);
 *	 3. write the new base manifest list (L's base + L's delta manifests;
 *		merged into one manifest of the live files when that exceeds
 *		LAKE_MANIFEST_MERGE_THRESHOLD) durably;
 *	 4. publish snapshot-<L+1> by atomic create-if-absent (LakePublishFile).
 * Losing the race in step 4 means another writer published L+1 first: the
 * files of this attempt (base list, merged manifest) are removed and the
 * attempt is redone against the new latest, up to LAKE_COMMIT_MAX_ATTEMPTS
 * times with short random sleeps.  Keeping the per-attempt work small keeps
 * a writer from being starved by faster ones.  After winning, the LATEST
 * hint is rewritten (never an ERROR).  An ERROR removes every file the
 * commit wrote.
 *
 * Nothing is ever overwritten, so a crash at any instant leaves the last
 * published snapshot readable; files written by an attempt that never
 * published are orphans (removed by orphan cleanup, never referenced).
 * Commit times never decrease along snapshot ids: a new snapshot's time is
 * at least its parent's, even across servers with skewed clocks.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>
#include <unistd.h>

#include "access/xact.h"
#include "access/xlog.h"
#include "common/pg_prng.h"
#include "io/io.h"
#include "meta/meta_internal.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define LAKE_COMMIT_MAX_ATTEMPTS	100

/* files written by a commit, removed if it does not publish */
typedef struct WrittenFiles
{
	int			n;
	char	   *paths[4];		/* commit context */
} WrittenFiles;

/* what one LakeCommit carries from attempt to attempt (commit context) */
typedef struct CommitState
{
	MemoryContext cxt;			/* the commit context */
	bool		delta_written;	/* delta manifest and list exist */
	char	   *delta_list;		/* name of the delta manifest list */
	int64		add_rows;		/* sums over the added files */
	int64		add_files;
	int64		add_bytes;
	int64		del_rows;		/* sums over the deleted files' live records */
	int64		del_files;
	int64		del_bytes;
	List	   *filtered;		/* paths the delete filter chose for the
								 * written delta */
	WrittenFiles commit_files;	/* delta manifest + list: kept across attempts */
	WrittenFiles attempt_files; /* base list, merged manifest: per attempt */
} CommitState;

static int64 commit_attempt(LakeTable *table, LakeCommitRequest *req,
							LakeSnapshot *latest, CommitState *cs);
static void write_delta(LakeTable *table, LakeCommitRequest *req,
						List *deleted_live, CommitState *cs);
static void remember_file(WrittenFiles *written, MemoryContext cxt,
						  LakeTable *table, const char *name);
static void remove_written_files(WrittenFiles *written);
static void check_newer_snapshots(LakeTable *table, LakeCommitRequest *req,
								  int64 from, int64 to);
static char *writer_identity(void);

/*
 * LakeFaultPoint
 *		Kill this backend with SIGKILL when lake_fdw.fault_point = name.
 */
void
LakeFaultPoint(const char *name)
{
	const char *setting = GetConfigOption("lake_fdw.fault_point", true, false);

	if (setting == NULL || setting[0] == '\0' || strcmp(setting, name) != 0)
		return;
	elog(LOG, "lake_fdw: fault point \"%s\" reached, killing backend %d",
		 name, MyProcPid);
	kill(getpid(), SIGKILL);
	pg_usleep(10 * 1000000L);	/* SIGKILL is not deliverable late, but... */
	elog(PANIC, "lake_fdw: fault point \"%s\" did not kill the backend", name);
}

/*
 * LakeFaultPause
 *		Tests only: with lake_fdw.fault_point set to name, wait 2 seconds here
 *		(so that a test can commit other writes in between).
 */
void
LakeFaultPause(const char *name)
{
	const char *setting = GetConfigOption("lake_fdw.fault_point", true, false);

	if (setting == NULL || strcmp(setting, name) != 0)
		return;
	for (int i = 0; i < 200; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pg_usleep(10 * 1000L);
	}
}

static void
remember_file(WrittenFiles *written, MemoryContext cxt, LakeTable *table,
			  const char *name)
{
	char	   *rel = psprintf("manifest/%s", name);

	Assert(written->n < lengthof(written->paths));
	written->paths[written->n] = MemoryContextStrdup(cxt,
													 LakeTableFilePath(table, rel));
	written->n++;
}

static void
remove_written_files(WrittenFiles *written)
{
	int			i;

	for (i = 0; i < written->n; i++)
	{
		LakeUnlinkQuiet(written->paths[i]);
		pfree(written->paths[i]);
	}
	written->n = 0;
}

/*
 * Hand the caller's conflict check every snapshot in (from, to].
 */
static void
check_newer_snapshots(LakeTable *table, LakeCommitRequest *req,
					  int64 from, int64 to)
{
	int64		id;

	for (id = from + 1; id <= to; id++)
	{
		LakeSnapshot *snap;

		CHECK_FOR_INTERRUPTS();
		snap = LakeSnapshotLoad(table, id, true);
		if (snap != NULL)
			req->check_conflict(table, snap, req->check_conflict_arg);
	}
}

/*
 * "<system identifier>-<pid>-<xid>"
 */
static char *
writer_identity(void)
{
	TransactionId xid = IsTransactionState() ? GetTopTransactionIdIfAny()
		: InvalidTransactionId;

	return psprintf(UINT64_FORMAT "-%d-%u", GetSystemIdentifier(), MyProcPid,
					xid);
}

/*
 * Write the delta manifest (DELETE entries with the live records, then ADD
 * entries) and the delta manifest list, once per commit: their contents do
 * not depend on which snapshot the commit finally follows.  ADD entries
 * leave added_snapshot_id 0; the lists supply it (see FORMAT.md).
 */
static void
write_delta(LakeTable *table, LakeCommitRequest *req, List *deleted_live,
			CommitState *cs)
{
	MemoryContext old = MemoryContextSwitchTo(cs->cxt);
	TimestampTz now = GetCurrentTimestamp();
	List	   *entries = NIL;
	List	   *delta_metas = NIL;
	ListCell   *lc;

	foreach(lc, deleted_live)
	{
		LakeManifestEntry *e = palloc(sizeof(LakeManifestEntry));

		e->kind = LAKE_ENTRY_DELETE;
		e->file = (LakeDataFile *) lfirst(lc);
		entries = lappend(entries, e);
		cs->del_rows += e->file->row_count;
		cs->del_files++;
		cs->del_bytes += e->file->file_size;
	}
	foreach(lc, req->added)
	{
		LakeManifestEntry *e = palloc(sizeof(LakeManifestEntry));

		e->kind = LAKE_ENTRY_ADD;
		e->file = LakeDataFileCopy((LakeDataFile *) lfirst(lc));
		if (!req->keep_added_snapshot_ids)
			e->file->added_snapshot_id = 0;
		if (e->file->created_at == 0)
			e->file->created_at = now;
		entries = lappend(entries, e);
		if (e->file->kind == LAKE_FILE_CHANGELOG)
			continue;			/* never live: not in the table's totals */
		cs->add_rows += e->file->row_count;
		cs->add_files++;
		cs->add_bytes += e->file->file_size;
	}

	if (entries != NIL)
	{
		LakeManifestMeta *m = LakeManifestWrite(table, entries, req->schema_id);

		remember_file(&cs->commit_files, cs->cxt, table, m->name);
		delta_metas = list_make1(m);
	}
	cs->delta_list = LakeManifestListWrite(table, delta_metas);
	remember_file(&cs->commit_files, cs->cxt, table, cs->delta_list);
	cs->delta_written = true;
	MemoryContextSwitchTo(old);
}

/*
 * The live files the request's delete filter picks, added to deleted_live.
 * When they differ from those of the delta written by an earlier attempt,
 * that delta is dropped so that it is written again.
 */
static List *
add_filtered(LakeCommitRequest *req, List *live, List *deleted_live, CommitState *cs)
{
	List	   *paths = NIL;
	bool		same = true;
	ListCell   *lc;

	foreach(lc, live)
	{
		LakeDataFile *f = lfirst(lc);
		bool		listed = false;
		ListCell   *lc2;

		if (!req->delete_filter(f, req->delete_filter_arg))
			continue;
		foreach(lc2, deleted_live)
			if (strcmp(((LakeDataFile *) lfirst(lc2))->path, f->path) == 0)
				listed = true;
		if (!listed)
			deleted_live = lappend(deleted_live, f);
		paths = lappend(paths, MemoryContextStrdup(cs->cxt, f->path));
	}
	if (list_length(paths) != list_length(cs->filtered))
		same = false;
	else
	{
		ListCell   *a,
				   *b;

		forboth(a, paths, b, cs->filtered)
			if (strcmp(lfirst(a), lfirst(b)) != 0)
				same = false;
	}
	if (cs->delta_written && !same)
	{
		remove_written_files(&cs->commit_files);
		cs->delta_written = false;
		cs->add_rows = cs->add_files = cs->add_bytes = 0;
		cs->del_rows = cs->del_files = cs->del_bytes = 0;
	}
	{
		MemoryContext old = MemoryContextSwitchTo(cs->cxt);

		cs->filtered = list_copy(paths);
		MemoryContextSwitchTo(old);
	}
	return deleted_live;
}

/*
 * One attempt against latest (NULL if the table has no snapshot).
 * Returns the published id, or 0 if another writer published first.
 */
static int64
commit_attempt(LakeTable *table, LakeCommitRequest *req, LakeSnapshot *latest,
			   CommitState *cs)
{
	int64		latest_id = latest ? latest->id : LAKE_SNAPSHOT_NONE;
	int64		new_id = latest_id + 1;
	List	   *prev_metas = NIL;
	List	   *live = NIL;
	List	   *deleted_live = NIL;
	List	   *base_metas;
	bool		need_merge;
	LakeSnapshot snap;
	TimestampTz now = GetCurrentTimestamp();
	ListCell   *lc;
	LakeEncoder enc;
	char	   *data;
	size_t		len;
	char	   *path;

	memset(&snap, 0, sizeof(snap));
	if (latest != NULL)
	{
		prev_metas = LakeManifestMetasOfSnapshot(table, latest, true);
		snap.total_rows = latest->total_rows;
		snap.total_files = latest->total_files;
		snap.total_bytes = latest->total_bytes;
		if (now < latest->commit_time)
			now = latest->commit_time;
	}
	need_merge = list_length(prev_metas) > LAKE_MANIFEST_MERGE_THRESHOLD;

	/* deleted files must still be live in latest */
	if (req->deleted != NIL || need_merge || req->delete_filter != NULL)
		live = LakeSnapshotFiles(table, latest);
	if (req->deleted != NIL)
	{
		HTAB	   *map = LakeFileMapCreate(live);

		foreach(lc, req->deleted)
		{
			LakeDataFile *d = (LakeDataFile *) lfirst(lc);
			LakeDataFile *lf = LakeFileMapLookup(map, d->path);

			if (lf == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not commit to lake table \"%s\": a file it replaces was removed by a concurrent commit",
								table->relpath),
						 errdetail("File \"%s\" is not live in snapshot " INT64_FORMAT ".",
								   d->path, latest_id),
						 errhint("Retry the transaction.")));
			deleted_live = lappend(deleted_live, lf);
		}
		hash_destroy(map);
	}

	if (req->delete_filter != NULL)
		deleted_live = add_filtered(req, live, deleted_live, cs);

	/* the delta manifest and list, once per commit */
	if (!cs->delta_written)
	{
		write_delta(table, req, deleted_live, cs);
		LakeFaultPoint("commit-after-manifest");
	}
	snap.total_rows += cs->add_rows - cs->del_rows;
	snap.total_files += cs->add_files - cs->del_files;
	snap.total_bytes += cs->add_bytes - cs->del_bytes;

	/* the new base list: everything live in latest */
	if (need_merge)
	{
		List	   *adds = NIL;

		foreach(lc, live)
		{
			LakeManifestEntry *e = palloc(sizeof(LakeManifestEntry));

			e->kind = LAKE_ENTRY_ADD;
			e->file = (LakeDataFile *) lfirst(lc);
			adds = lappend(adds, e);
		}
		base_metas = NIL;
		if (adds != NIL)
		{
			LakeManifestMeta *m = LakeManifestWrite(table, adds,
													latest->schema_id);

			remember_file(&cs->attempt_files, cs->cxt, table, m->name);
			base_metas = list_make1(m);
		}
	}
	else
		base_metas = prev_metas;

	snap.base_manifest_list = LakeManifestListWrite(table, base_metas);
	remember_file(&cs->attempt_files, cs->cxt, table, snap.base_manifest_list);
	LakeFaultPoint("commit-after-manifest-list");

	/* the snapshot */
	snap.id = new_id;
	snap.schema_id = req->schema_id;
	if (latest != NULL && latest->schema_id > snap.schema_id)
		snap.schema_id = latest->schema_id;
	snap.parent_id = latest_id;
	snap.kind = req->kind;
	snap.commit_time = now;
	snap.delta_manifest_list = cs->delta_list;
	snap.added_rows = req->added_rows;
	snap.deleted_rows = req->delete_filter ? cs->del_rows : req->deleted_rows;
	if (snap.total_rows < 0 || snap.total_files < 0 || snap.total_bytes < 0)
		elog(ERROR, "lake commit totals went negative");
	snap.commit_user = IsTransactionState() ?
		GetUserNameFromId(GetUserId(), true) : NULL;
	snap.writer_id = writer_identity();

	LakeEncInit(&enc);
	LakeSnapshotEncodeBody(&enc, &snap);
	data = LakeEncFinish(&enc, LAKE_META_SNAPSHOT, &len);
	path = LakeSnapshotPath(table, new_id);

	LakeFaultPoint("commit-before-publish");
	if (!LakePublishFile(path, data, len))
		return 0;
	LakeFaultPoint("commit-after-publish");
	return new_id;
}

/*
 * LakeCommit
 *		Publish a new snapshot; returns its id.
 */
int64
LakeCommit(LakeTable *table, LakeCommitRequest *req)
{
	MemoryContext commit_cxt;
	MemoryContext attempt_cxt;
	MemoryContext old;
	CommitState cs;
	int64		checked_upto = req->base_snapshot_id;
	int64		new_id = 0;
	int			attempt;
	char	   *rel;

	commit_cxt = AllocSetContextCreate(CurrentMemoryContext, "lake commit",
									   ALLOCSET_DEFAULT_SIZES);
	attempt_cxt = AllocSetContextCreate(commit_cxt, "lake commit attempt",
										ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(commit_cxt);
	memset(&cs, 0, sizeof(cs));
	cs.cxt = commit_cxt;

	rel = psprintf("%s/manifest", table->relpath);
	LakeMakeDirs(table->root, rel);
	rel = psprintf("%s/snapshot", table->relpath);
	LakeMakeDirs(table->root, rel);

	for (attempt = 1;; attempt++)
	{
		int64		latest_id = LAKE_SNAPSHOT_NONE;

		CHECK_FOR_INTERRUPTS();
		MemoryContextSwitchTo(attempt_cxt);

		PG_TRY();
		{
			LakeSnapshot *latest;

			latest_id = LakeSnapshotLatestId(table);
			latest = latest_id != LAKE_SNAPSHOT_NONE ?
				LakeSnapshotLoad(table, latest_id, false) : NULL;

			if (req->check_conflict != NULL && latest_id > checked_upto)
			{
				check_newer_snapshots(table, req, checked_upto, latest_id);
				checked_upto = latest_id;
			}
			new_id = commit_attempt(table, req, latest, &cs);
		}
		PG_CATCH();
		{
			remove_written_files(&cs.attempt_files);
			remove_written_files(&cs.commit_files);
			PG_RE_THROW();
		}
		PG_END_TRY();

		MemoryContextSwitchTo(commit_cxt);
		MemoryContextReset(attempt_cxt);
		if (new_id > 0)
			break;

		/* lost the race for snapshot-<latest+1>: clean up and retry */
		remove_written_files(&cs.attempt_files);
		elog(DEBUG1, "lake commit to \"%s\" lost the race for snapshot " INT64_FORMAT " (attempt %d); retrying",
			 table->relpath, latest_id + 1, attempt);
		if (attempt >= LAKE_COMMIT_MAX_ATTEMPTS)
		{
			remove_written_files(&cs.commit_files);
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not commit to lake table \"%s\": too many concurrent commits",
							table->relpath),
					 errdetail("Gave up after %d attempts to publish a snapshot.",
							   attempt),
					 errhint("Retry the transaction.")));
		}
		pg_usleep((long) pg_prng_uint64_range(&pg_global_prng_state, 50,
											  500 * Min(attempt, 20)));
	}

	/* published: the files written now belong to the snapshot */
	cs.commit_files.n = 0;
	cs.attempt_files.n = 0;

	{
		/* table->dir was checked at open; nothing here may ERROR now */
		char	   *hint_path = psprintf("%s/snapshot/LATEST", table->dir);
		char		text[32];

		snprintf(text, sizeof(text), INT64_FORMAT "\n", new_id);
		LakeWriteHint(hint_path, text);
	}

	MemoryContextSwitchTo(old);
	MemoryContextDelete(commit_cxt);
	return new_id;
}
