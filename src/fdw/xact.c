/*-------------------------------------------------------------------------
 * xact.c
 *	  Per-transaction state of every lake table a transaction touches: the
 *	  snapshot it reads, its pending writes, and what happens to them at
 *	  commit, abort and savepoints.
 *
 * Reads: in READ COMMITTED a table's snapshot is chosen once per statement
 * (the latest at its executor start, counted by an ExecutorStart hook: one
 * client message may run many statements, as may a PL/pgSQL function;
 * every scan one plan begins shares the snapshot); in REPEATABLE READ and
 * SERIALIZABLE once per transaction.  lake_fdw.as_of and the table options
 * snapshot/tag override both.
 *
 * Writes: rows go to a LakeWriteBuffer; past lake_fdw.write_buffer_mem they
 * spill into data files no snapshot references yet.  At pre-commit the rest
 * is flushed and one snapshot per table is committed; at abort every file
 * the transaction wrote is unlinked.  A savepoint rollback drops the rows
 * written since the savepoint: from the buffer, or, when they were
 * spilled, by deleting files or narrowing their manifest entry's sequence
 * range (readers drop rows past it).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/executor.h"
#include "fdw/fdw.h"
#include "io/io.h"
#include "maint/backpressure.h"
#include "maint/compaction_worker.h"
#include "mergetree/write_buffer.h"
#include "parser/parse_type.h"
#include "miscadmin.h"
#include "scan/scan.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* rows spilled by one flush: a contiguous sequence range */
typedef struct PendingFlush
{
	int64		first_seq;
	int64		end_seq;		/* exclusive */
	int64		cut_seq;		/* rows >= this were rolled back; applied
								 * lazily (no file reads in abort), or -1 */
	List	   *files;			/* LakeDataFile* */
} PendingFlush;

/* a savepoint's first sequence for this table */
typedef struct SavepointMark
{
	SubTransactionId subid;
	int64		seq;
} SavepointMark;

/*
 * A partition (or, with partition NULL, the whole table) emptied by a
 * DELETE covering it or by TRUNCATE: committed files there are hidden and
 * deleted at commit; pending rows written before seq are dropped.
 */
typedef struct DropMark
{
	SubTransactionId subid;
	char	   *partition;		/* canonical partition string, or NULL */
	int64		seq;			/* pending rows below it are gone */
} DropMark;

/* the first sequence written by a command */
typedef struct CommandMark
{
	CommandId	cid;
	int64		seq;
} CommandMark;

struct LakeXactTable
{
	Oid			relid;			/* hash key */
	LakeTableCached *cached;	/* table_cache.c, shared */
	LakeTableOptions *opts;
	LakeTable  *table;
	LakeSchema *schema;

	/* reading */
	LakeSnapshot *snapshot;		/* NULL: none chosen yet, or table empty */
	bool		snapshot_chosen;
	uint64		snapshot_stmt;	/* statement it was chosen for (RC) */
	char	   *snapshot_as_of; /* lake_fdw.as_of it was chosen under */
	LakeSnapshot *latest_hint;	/* the latest, pinned, found by the table
								 * cache during statement latest_stmt */
	uint64		latest_stmt;

	/* writing */
	LakeWriteBuffer *buffer;
	LakeFlushSpec spec;
	LakeTypeInfo *types;
	List	   *flushes;		/* PendingFlush*, in sequence order */
	List	   *savepoints;		/* SavepointMark*, innermost last */
	List	   *commands;		/* CommandMark*, in order */
	int64		base_snapshot;	/* latest snapshot when writing began */
	bool		committed;		/* published: files belong to the table */
	List	   *drops;			/* DropMark*, in order */

	/* merging */
	LakeMergeConfig *merge;		/* built on first use */

	/*
	 * keys whose writes depended on the version read (UPDATE, DELETE,
	 * lookup-path upserts): a concurrent commit touching one after
	 * read_from fails this transaction's commit with 40001
	 */
	HTAB	   *read_keys;		/* of ReadKey */
	int64		read_from;		/* oldest snapshot such a read saw */

	/* changelog 'lookup': files written at commit, and their base */
	List	   *changelog_files;	/* LakeDataFile* */
	int64		changelog_base; /* snapshot the before-images come from */
	bool		changelog_lookup;	/* they were computed (base may be 0: empty) */
	HTAB	   *written_keys;	/* of ReadKey: keys the commit writes, built
								 * only when a concurrent commit needs checking */
};

/* a key read by a read-modify-write, by its canonical text */
typedef struct ReadKey
{
	char		text[NAMEDATALEN * 2];	/* hash key: truncated text */
	char	   *full;			/* the whole text (xact_cxt) */
} ReadKey;

static HTAB *xact_tables = NULL;	/* emptied, not destroyed, at xact end */
static bool xact_tables_used = false;

/*
 * Whether a table of this transaction got a write buffer: only then has
 * the end of the transaction anything to commit, unlink or fold into a
 * parent.  A read-only transaction's end removes the entries it entered,
 * listed here while they fit (else a walk over the hash).
 */
static bool xact_tables_written = false;
#define XACT_ENTERED_MAX 8
static Oid	xact_entered[XACT_ENTERED_MAX];
static int	xact_nentered = 0;	/* > XACT_ENTERED_MAX: overflowed */
static uint64 statement_counter = 0;	/* executor starts in this backend */
static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static MemoryContext xact_cxt = NULL;	/* reset at transaction end */
static bool callbacks_registered = false;

static void apply_cuts(LakeXactTable *xt);
static HTAB *written_key_set(LakeXactTable *xt);
static void ensure_spec(LakeXactTable *xt);
static void spill(LakeXactTable *xt);
static void lake_xact_callback(XactEvent event, void *arg);
static void lake_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								  SubTransactionId parentSubid, void *arg);

/* Every statement's executor start is a new READ COMMITTED read point. */
static void
lake_executor_start(QueryDesc *queryDesc, int eflags)
{
	statement_counter++;
	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

void
LakeXactInit(void)
{
	if (!callbacks_registered)
	{
		RegisterXactCallback(lake_xact_callback, NULL);
		RegisterSubXactCallback(lake_subxact_callback, NULL);
		prev_ExecutorStart = ExecutorStart_hook;
		ExecutorStart_hook = lake_executor_start;
		callbacks_registered = true;
	}
}

static void
ensure_hash(void)
{
	HASHCTL		ctl;

	xact_tables_used = true;
	if (xact_tables)
		return;
	xact_cxt = AllocSetContextCreate(TopMemoryContext, "lake_fdw transaction",
									 ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(LakeXactTable);
	ctl.hcxt = TopMemoryContext;
	xact_tables = hash_create("lake_fdw transaction tables", 16, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * Forget every table's transaction state.  The hash stays (one per
 * backend, its entries are fixed-size) and xact_cxt is reset: creating
 * them is most of what a one-row transaction's first use of a table cost.
 */
static void
reset_state(void)
{
	HASH_SEQ_STATUS status;
	LakeXactTable *xt;

	LakeTableCacheAtXactEnd();
	if (!xact_tables_used)
		return;
	if (xact_nentered <= XACT_ENTERED_MAX)
	{
		for (int i = 0; i < xact_nentered; i++)
			hash_search(xact_tables, &xact_entered[i], HASH_REMOVE, NULL);
	}
	else
	{
		hash_seq_init(&status, xact_tables);
		while ((xt = hash_seq_search(&status)) != NULL)
			hash_search(xact_tables, &xt->relid, HASH_REMOVE, NULL);
	}
	Assert(hash_get_num_entries(xact_tables) == 0);
	MemoryContextReset(xact_cxt);
	xact_tables_used = false;
	xact_tables_written = false;
	xact_nentered = 0;
}

TimestampTz
LakeAsOfSetting(bool *isset)
{
	Datum		d;

	*isset = lake_as_of != NULL && lake_as_of[0] != '\0';
	if (!*isset)
		return 0;
	d = DirectFunctionCall3(timestamptz_in, CStringGetDatum(lake_as_of),
							ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	return DatumGetTimestampTz(d);
}

LakeXactTable *
LakeXactGetTable(Oid relid, bool for_write)
{
	LakeXactTable *xt;
	bool		found;

	ensure_hash();
	xt = hash_search(xact_tables, &relid, HASH_ENTER, &found);
	if (!found)
	{
		MemoryContext old = MemoryContextSwitchTo(xact_cxt);

		if (xact_nentered < XACT_ENTERED_MAX)
			xact_entered[xact_nentered] = relid;
		if (xact_nentered <= XACT_ENTERED_MAX)
			xact_nentered++;

		PG_TRY();
		{
			bool		as_of_set = lake_as_of != NULL && lake_as_of[0] != '\0';
			LakeSnapshot *latest = NULL;

			/*
			 * shared with later transactions: never modified here.  A read
			 * of the latest snapshot finds it now: in this statement
			 * choose_snapshot takes it, and it spares the schema probe.
			 */
			xt->cached = LakeTableCacheGet(relid, for_write || as_of_set ? NULL : &latest);
			xt->opts = xt->cached->opts;
			xt->table = xt->cached->table;
			xt->schema = xt->cached->schema;
			xt->latest_hint = latest;
			xt->latest_stmt = statement_counter;
			if (xt->schema == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
						 errmsg("lake table \"%s\" does not exist under the server's root",
								xt->opts->relpath),
						 errhint("Recreate the foreign table \"%s\" to create it, or check option \"table\".",
								 get_rel_name(relid))));
			xt->snapshot = NULL;
			xt->snapshot_chosen = false;
			xt->buffer = NULL;
			xt->flushes = NIL;
			xt->savepoints = NIL;
			xt->commands = NIL;
			xt->committed = false;
			xt->types = NULL;
			xt->drops = NIL;
			xt->merge = NULL;
			xt->read_keys = NULL;
			xt->read_from = 0;
			xt->changelog_files = NIL;
			xt->changelog_base = 0;
			xt->changelog_lookup = false;
			xt->written_keys = NULL;
		}
		PG_CATCH();
		{
			hash_search(xact_tables, &relid, HASH_REMOVE, NULL);
			PG_RE_THROW();
		}
		PG_END_TRY();
		MemoryContextSwitchTo(old);
	}

	if (for_write && xt->buffer == NULL)
	{
		MemoryContext old;
		bool		as_of_set;

		if (LakeTableIsReadOnly(xt->opts))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("foreign table \"%s\" is read-only", get_rel_name(relid)),
					 errdetail("Tables with option snapshot, tag or a scan other than 'snapshot' read a fixed view of the lake table.")));
		(void) LakeAsOfSetting(&as_of_set);
		if (as_of_set)
			ereport(ERROR,
					(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
					 errmsg("cannot write to lake table \"%s\" while lake_fdw.as_of is set",
							get_rel_name(relid)),
					 errhint("RESET lake_fdw.as_of to write.")));
		ensure_spec(xt);
		old = MemoryContextSwitchTo(xact_cxt);
		xt->buffer = LakeWriteBufferCreate(xact_cxt, &xt->spec);
		xact_tables_written = true;
		xt->base_snapshot = LakeSnapshotLatestId(xt->table);
		MemoryContextSwitchTo(old);
	}
	return xt;
}

/* The flush spec (and with it the column types), the table cache's. */
static void
ensure_spec(LakeXactTable *xt)
{
	if (xt->types == NULL)
	{
		xt->spec = *LakeTableCacheFlushSpec(xt->cached);
		xt->types = (LakeTypeInfo *) xt->spec.types;
	}
}

const LakeFlushSpec *
LakeXactFlushSpec(LakeXactTable *xt)
{
	ensure_spec(xt);
	return &xt->spec;
}

const LakeMergeConfig *
LakeXactMergeConfig(LakeXactTable *xt)
{
	if (xt->merge == NULL)
		xt->merge = (LakeMergeConfig *) LakeTableCacheMergeConfig(xt->cached);
	return xt->merge;
}

LakeTableOptions *
LakeXactOptions(LakeXactTable *xt)
{
	return xt->opts;
}

LakeTable  *
LakeXactTable_(LakeXactTable *xt)
{
	return xt->table;
}

LakeSchema *
LakeXactSchema(LakeXactTable *xt)
{
	return xt->schema;
}

LakeTableCached *
LakeXactCached(LakeXactTable *xt)
{
	return xt->cached;
}

List *
LakeXactSnapshotFiles(LakeXactTable *xt, LakeSnapshot *snap)
{
	return LakeTableCacheFiles(xt->cached, snap);
}

struct LakeWriteBuffer *
LakeXactWriteBuffer(LakeXactTable *xt)
{
	return xt->buffer;
}

/* ---------------------------------------------------------------------
 * Snapshot choice
 * ---------------------------------------------------------------------
 */
static LakeSnapshot *
choose_snapshot(LakeXactTable *xt)
{
	LakeTableOptions *o = xt->opts;
	bool		as_of_set;
	TimestampTz as_of = LakeAsOfSetting(&as_of_set);

	if (o->pinned_snapshot != 0)
		return LakeSnapshotLoad(xt->table, o->pinned_snapshot, false);
	if (o->tag != NULL)
		return LakeSnapshotLoad(xt->table, LakeTagResolve(xt->table, o->tag), false);
	if (as_of_set)
	{
		LakeSnapshot *s = LakeSnapshotAsOf(xt->table, as_of);

		if (s == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("lake table \"%s\" has no snapshot committed at or before %s",
							get_rel_name(xt->relid), timestamptz_to_str(as_of)),
					 errhint("lake_snapshots('%s') lists the retained snapshots.",
							 get_rel_name(xt->relid))));
		return s;
	}
	/*
	 * The latest snapshot this transaction chose before (typically: the one
	 * the planner chose just before executor start began the statement) is
	 * still the latest unless snapshot-<id+1> exists: one stat.  It is
	 * pinned and the relation is locked, so it is still there.
	 */
	if (xt->snapshot_chosen && xt->snapshot != NULL && xt->snapshot_as_of[0] == '\0' &&
		!LakeSnapshotHasNewer(xt->table, xt->snapshot->id))
		return xt->snapshot;
	/* found (and pinned) by this statement's first use of the table */
	if (xt->latest_hint != NULL && xt->latest_stmt == statement_counter)
		return xt->latest_hint;
	/*
	 * Decoded by an earlier transaction if its file is unchanged; pinned
	 * here already (its stats fence the pin: LakeSnapshotPin below returns
	 * at once).
	 */
	return LakeSnapshotLatestPinned(xt->table);
}

LakeSnapshot *
LakeXactReadSnapshot(LakeXactTable *xt)
{
	uint64		stmt = statement_counter;

	const char *as_of = lake_as_of ? lake_as_of : "";

	/* a changed lake_fdw.as_of is an explicit request: it is always obeyed */
	if (xt->snapshot_chosen && strcmp(xt->snapshot_as_of, as_of) == 0 &&
		(IsolationUsesXactSnapshot() || xt->snapshot_stmt == stmt))
		return xt->snapshot;
	{
		MemoryContext old = MemoryContextSwitchTo(xact_cxt);

		xt->snapshot = choose_snapshot(xt);
		/* expiry keeps away from what this transaction reads */
		if (xt->snapshot)
			LakeSnapshotPin(xt->table, xt->snapshot->id);
		xt->snapshot_as_of = pstrdup(as_of);
		MemoryContextSwitchTo(old);
	}
	xt->snapshot_chosen = true;
	xt->snapshot_stmt = stmt;
	return xt->snapshot;
}

/* ---------------------------------------------------------------------
 * Writes
 * ---------------------------------------------------------------------
 */
static void
spill(LakeXactTable *xt)
{
	MemoryContext old = MemoryContextSwitchTo(xact_cxt);
	PendingFlush *pf = palloc0(sizeof(PendingFlush));

	pf->first_seq = LakeWriteBufferFirstSeq(xt->buffer);
	pf->end_seq = LakeWriteBufferNextSeq(xt->buffer);
	pf->cut_seq = -1;
	pf->files = LakeWriteBufferFlush(xt->buffer);
	xt->flushes = lappend(xt->flushes, pf);
	MemoryContextSwitchTo(old);
}

void
LakeXactAppendRow(LakeXactTable *xt, CommandId cid, Datum *values, bool *isnull)
{
	LakeXactAppendRecord(xt, cid, values, isnull, LAKE_REC_ENGINE, NULL);
}

void
LakeXactAppendRecord(LakeXactTable *xt, CommandId cid, Datum *values, bool *isnull,
					 LakeRecordKind kind, const char *ops)
{
	SubTransactionId subid = GetCurrentSubTransactionId();
	int64		seq = LakeWriteBufferNextSeq(xt->buffer);
	MemoryContext old;

	old = MemoryContextSwitchTo(xact_cxt);
	if (xt->commands == NIL || ((CommandMark *) llast(xt->commands))->cid != cid)
	{
		CommandMark *m = palloc(sizeof(CommandMark));

		m->cid = cid;
		m->seq = seq;
		xt->commands = lappend(xt->commands, m);
	}
	if (GetCurrentTransactionNestLevel() > 1 &&
		(xt->savepoints == NIL ||
		 ((SavepointMark *) llast(xt->savepoints))->subid != subid))
	{
		SavepointMark *m = palloc(sizeof(SavepointMark));

		m->subid = subid;
		m->seq = seq;
		xt->savepoints = lappend(xt->savepoints, m);
	}
	MemoryContextSwitchTo(old);

	LakeWriteBufferAppendRecord(xt->buffer, values, isnull, kind, ops);
	if (LakeWriteBufferMemory(xt->buffer) > (Size) lake_write_buffer_kb * 1024)
		spill(xt);
}

/* ---------------------------------------------------------------------
 * Partition drops and TRUNCATE
 * ---------------------------------------------------------------------
 */
static bool
drop_covers(DropMark *m, const char *partition)
{
	return m->partition == NULL || strcmp(m->partition, partition ? partition : "") == 0;
}

/* Is a committed file hidden by a drop of this transaction? */
static bool
committed_file_dropped(LakeXactTable *xt, LakeDataFile *f)
{
	ListCell   *lc;

	foreach(lc, xt->drops)
		if (drop_covers(lfirst(lc), f->partition))
			return true;
	return false;
}

/* Is a pending file (all its rows written before or after a drop) gone? */
static bool
pending_file_dropped(LakeXactTable *xt, LakeDataFile *f)
{
	ListCell   *lc;

	foreach(lc, xt->drops)
	{
		DropMark   *m = lfirst(lc);

		if (drop_covers(m, f->partition) && f->max_sequence < m->seq)
			return true;
	}
	return false;
}

List *
LakeXactVisibleFiles(LakeXactTable *xt, List *files)
{
	List	   *out = NIL;
	ListCell   *lc;

	if (xt->drops == NIL)
		return files;
	foreach(lc, files)
		if (!committed_file_dropped(xt, lfirst(lc)))
			out = lappend(out, lfirst(lc));
	return out;
}

bool
LakeXactHasDrops(LakeXactTable *xt)
{
	return xt->drops != NIL;
}

/*
 * Empty the given partitions (canonical strings; NIL with all = true: the
 * whole table) as of now: committed files there are deleted at commit, the
 * transaction's earlier rows there are dropped, later ones stay.
 */
void
LakeXactDropPartitions(LakeXactTable *xt, List *partitions, bool all)
{
	MemoryContext old;
	ListCell   *lc;
	int64		seq;

	(void) LakeXactGetTable(xt->relid, true);	/* writable, buffer ready */
	apply_cuts(xt);
	/* every earlier row into files: files then lie wholly before the mark */
	if (LakeWriteBufferRows(xt->buffer) > 0)
		spill(xt);
	seq = LakeWriteBufferNextSeq(xt->buffer);
	old = MemoryContextSwitchTo(xact_cxt);
	if (all)
		partitions = list_make1(NULL);
	foreach(lc, partitions)
	{
		DropMark   *m = palloc(sizeof(DropMark));

		m->subid = GetCurrentSubTransactionId();
		m->partition = lfirst(lc) ? pstrdup(lfirst(lc)) : NULL;
		m->seq = seq;
		xt->drops = lappend(xt->drops, m);
	}
	MemoryContextSwitchTo(old);
}

/* LakeCommit's delete filter: live files of dropped partitions */
static bool
commit_delete_filter(LakeDataFile *f, void *arg)
{
	return committed_file_dropped((LakeXactTable *) arg, f);
}

/* Rows written by commands before cid are visible to a scan at cid. */
static int64
visible_limit(LakeXactTable *xt, CommandId cid)
{
	ListCell   *lc;

	foreach(lc, xt->commands)
	{
		CommandMark *m = lfirst(lc);

		if (m->cid >= cid)
			return m->seq;
	}
	return xt->buffer ? LakeWriteBufferNextSeq(xt->buffer) : 0;
}

/*
 * What a scan of this table in this transaction must add to the snapshot:
 * its spilled files and its buffer.  Primary-key scans need sorted runs, so
 * the buffer is spilled first.
 */
void
LakeXactPendingForScan(LakeXactTable *xt, CommandId cid, bool need_sorted,
					   List **files, LakeWriteBuffer **buffer, int64 *limit)
{
	ListCell   *lc;

	*files = NIL;
	*buffer = NULL;
	*limit = 0;
	if (xt->buffer == NULL)
		return;
	*limit = visible_limit(xt, cid);
	apply_cuts(xt);
	if (need_sorted && LakeWriteBufferRows(xt->buffer) > 0 &&
		LakeWriteBufferFirstSeq(xt->buffer) < *limit)
		spill(xt);
	foreach(lc, xt->flushes)
	{
		PendingFlush *pf = lfirst(lc);
		ListCell   *lc2;

		if (pf->first_seq >= *limit)
			continue;
		foreach(lc2, pf->files)
			if (!pending_file_dropped(xt, lfirst(lc2)))
				*files = lappend(*files, lfirst(lc2));
	}
	if (LakeWriteBufferRows(xt->buffer) > 0 &&
		LakeWriteBufferFirstSeq(xt->buffer) < *limit)
		*buffer = xt->buffer;
}

/*
 * Forget every row with sequence >= seq (savepoint rollback).  Runs inside
 * subtransaction abort, so it only frees memory and unlinks files; a
 * spilled flush that straddles seq is cut later by apply_cuts().
 */
static void
truncate_writes(LakeXactTable *xt, int64 seq)
{
	List	   *keep = NIL;
	ListCell   *lc;

	LakeWriteBufferTruncate(xt->buffer, seq);
	foreach(lc, xt->flushes)
	{
		PendingFlush *pf = lfirst(lc);

		if (pf->first_seq >= seq)
		{
			ListCell   *lc2;

			foreach(lc2, pf->files)
				LakeUnlinkQuiet(psprintf("%s/%s/%s", xt->table->root, xt->table->relpath,
										 ((LakeDataFile *) lfirst(lc2))->path));
			continue;
		}
		if (pf->end_seq > seq)
		{
			pf->cut_seq = pf->cut_seq < 0 ? seq : Min(pf->cut_seq, seq);
			pf->end_seq = seq;
		}
		keep = lappend(keep, pf);
	}
	xt->flushes = keep;
	while (xt->commands != NIL && ((CommandMark *) llast(xt->commands))->seq >= seq)
		xt->commands = list_delete_last(xt->commands);
}

/* a row kept by a cut flush, with its original sequence */
typedef struct KeptRow
{
	int64		seq;
	Datum	   *values;
	bool	   *isnull;
	LakeRecordKind kind;
	char	   *ops;
} KeptRow;

static int
kept_row_cmp(const void *a, const void *b)
{
	int64		x = (*(KeptRow *const *) a)->seq;
	int64		y = (*(KeptRow *const *) b)->seq;

	return x < y ? -1 : x > y;
}

/*
 * Rewrite a spilled flush that a savepoint rollback cut at pf->cut_seq: the
 * kept rows are exactly its sequences [first_seq, cut_seq), so they are
 * read back, put in sequence order and written again under the same
 * numbers; the old files go.  No committed file ever holds a rolled-back
 * row, whoever reads it.
 */
static void
rewrite_flush(LakeXactTable *xt, PendingFlush *pf)
{
	const LakeFlushSpec *spec = &xt->spec;
	MemoryContext cxt = AllocSetContextCreate(xact_cxt, "lake_fdw savepoint rewrite",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	List	   *rows = NIL;
	List	   *old_files = pf->files;
	KeptRow   **sorted;
	LakeWriteBuffer *tmp;
	ListCell   *lc;
	int			n = 0;

	foreach(lc, old_files)
	{
		LakeDataFile *f = lfirst(lc);
		char	   *path = psprintf("%s/%s/%s", xt->table->root, xt->table->relpath, f->path);
		LakeFileReader *r = LakeFileReaderOpen(path, path);
		LakeFileBatch batch;

		LakeFileReaderProjectRecords(r, spec->ncolumns, spec->names, spec->types, true, true);
		while (LakeFileReaderNext(r, &batch))
		{
			for (uint32 i = 0; i < batch.nrows; i++)
			{
				KeptRow    *k;

				if (batch.seq[i] >= pf->cut_seq)
					continue;
				k = palloc(sizeof(KeptRow));
				k->seq = batch.seq[i];
				k->kind = batch.kind ? (LakeRecordKind) batch.kind[i] : LAKE_REC_ENGINE;
				k->ops = NULL;
				if (k->kind == LAKE_REC_OPS && batch.ops && !(batch.ops->nulls && batch.ops->nulls[i]))
					k->ops = pnstrdup((const char *) batch.ops->v.bytes[i].ptr,
									  batch.ops->v.bytes[i].len);
				if (k->kind == LAKE_REC_OPS && k->ops == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_DATA_CORRUPTED),
							 errmsg("lake data file \"%s\" has an OPS record without ops", path)));
				k->values = palloc(sizeof(Datum) * Max(spec->ncolumns, 1));
				k->isnull = palloc(sizeof(bool) * Max(spec->ncolumns, 1));
				for (int c = 0; c < spec->ncolumns; c++)
				{
					if (batch.absent[c])
					{
						k->values[c] = (Datum) 0;
						k->isnull[c] = true;
					}
					else
						LakeVectorToDatums(&spec->types[c], &batch.columns[c], i, 1,
										   &k->values[c], &k->isnull[c]);
				}
				rows = lappend(rows, k);
			}
		}
		LakeFileReaderClose(r);
	}

	sorted = palloc(sizeof(KeptRow *) * Max(list_length(rows), 1));
	foreach(lc, rows)
		sorted[n++] = lfirst(lc);
	qsort(sorted, n, sizeof(KeptRow *), kept_row_cmp);
	for (int i = 0; i < n; i++)
		if (sorted[i]->seq != pf->first_seq + i)
			elog(ERROR, "lake_fdw: rows of a spilled flush are not consecutive (%lld at %d)",
				 (long long) sorted[i]->seq, i);

	tmp = LakeWriteBufferCreate(cxt, spec);
	LakeWriteBufferSetFirstSeq(tmp, pf->first_seq);
	for (int i = 0; i < n; i++)
		LakeWriteBufferAppendRecord(tmp, sorted[i]->values, sorted[i]->isnull,
									sorted[i]->kind, sorted[i]->ops);
	MemoryContextSwitchTo(xact_cxt);
	pf->files = LakeWriteBufferFlush(tmp);
	pf->cut_seq = -1;
	MemoryContextSwitchTo(old);

	foreach(lc, old_files)
		LakeUnlinkQuiet(psprintf("%s/%s/%s", xt->table->root, xt->table->relpath,
								 ((LakeDataFile *) lfirst(lc))->path));
	MemoryContextDelete(cxt);
}

/* Rewrite the flushes a savepoint rollback cut. */
static void
apply_cuts(LakeXactTable *xt)
{
	ListCell   *lc;

	foreach(lc, xt->flushes)
	{
		PendingFlush *pf = lfirst(lc);

		if (pf->cut_seq >= 0)
			rewrite_flush(xt, pf);
	}
}

/* ---------------------------------------------------------------------
 * Read-modify-write conflicts
 * ---------------------------------------------------------------------
 */

/* "v1<US>v2...": a key's canonical text (key columns in key order) */
char *
LakeXactKeyText(LakeXactTable *xt, const Datum *values, const bool *isnull)
{
	StringInfoData s;

	ensure_spec(xt);
	initStringInfo(&s);
	for (int k = 0; k < xt->spec.nkey; k++)
	{
		int			c = xt->spec.key_cols[k];

		if (k > 0)
			appendStringInfoChar(&s, '\x1f');
		if (isnull[c])
			appendStringInfoString(&s, "\x1e");
		else
			appendStringInfoString(&s, LakeValueCanonicalText(&xt->types[c], values[c]));
	}
	return s.data;
}

void
LakeXactNoteRead(LakeXactTable *xt, const Datum *values, const bool *isnull,
				 int64 snapshot_id)
{
	char	   *text = LakeXactKeyText(xt, values, isnull);
	ReadKey    *rk;
	bool		found;
	char		hkey[NAMEDATALEN * 2];

	if (xt->read_keys == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(hkey);
		ctl.entrysize = sizeof(ReadKey);
		ctl.hcxt = xact_cxt;
		xt->read_keys = hash_create("lake_fdw read keys", 256, &ctl,
									HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
		xt->read_from = snapshot_id;
	}
	if (snapshot_id < xt->read_from)
		xt->read_from = snapshot_id;
	strlcpy(hkey, text, sizeof(hkey));
	rk = hash_search(xt->read_keys, hkey, HASH_ENTER, &found);
	if (!found)
		rk->full = MemoryContextStrdup(xact_cxt, text);
	pfree(text);
}

/*
 * The keys of a data file's rows, one at a time, as LakeXactKeyText gives
 * them: the file is read with its key columns only.
 */
typedef struct FileKeys
{
	LakeXactTable *xt;
	LakeFileReader *reader;
	LakeFileBatch batch;
	uint32		row;			/* next row of batch */
	Datum	   *values;
	bool	   *isnull;
} FileKeys;

static void
file_keys_open(FileKeys *fk, LakeXactTable *xt, const char *path)
{
	const LakeFlushSpec *spec = &xt->spec;
	const char **names = palloc0(sizeof(char *) * Max(spec->ncolumns, 1));

	for (int k = 0; k < spec->nkey; k++)
		names[spec->key_cols[k]] = spec->names[spec->key_cols[k]];
	memset(fk, 0, sizeof(*fk));
	fk->xt = xt;
	fk->values = palloc0(sizeof(Datum) * Max(spec->ncolumns, 1));
	fk->isnull = palloc0(sizeof(bool) * Max(spec->ncolumns, 1));
	fk->reader = LakeFileReaderOpen(path, path);
	LakeFileReaderProject(fk->reader, spec->ncolumns, names, spec->types, false);
}

/* the next row's key text (palloc'd), or NULL at the end of the file */
static char *
file_keys_next(FileKeys *fk)
{
	const LakeFlushSpec *spec = &fk->xt->spec;

	while (fk->row >= fk->batch.nrows)
	{
		if (!LakeFileReaderNext(fk->reader, &fk->batch))
			return NULL;
		fk->row = 0;
	}
	CHECK_FOR_INTERRUPTS();
	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];

		LakeVectorToDatums(&spec->types[c], &fk->batch.columns[c], fk->row, 1,
						   &fk->values[c], &fk->isnull[c]);
	}
	fk->row++;
	return LakeXactKeyText(fk->xt, fk->values, fk->isnull);
}

static void
file_keys_close(FileKeys *fk)
{
	LakeFileReaderClose(fk->reader);
	pfree(fk->values);
	pfree(fk->isnull);
}

/* ERROR 40001 if a row of file f has one of the keys (this transaction's) */
static void
check_file_keys(LakeXactTable *xt, LakeTable *table, LakeDataFile *f, LakeSnapshot *newer,
				HTAB *keys)
{
	char	   *path = psprintf("%s/%s/%s", table->root, table->relpath, f->path);
	FileKeys	fk;
	char	   *text;

	file_keys_open(&fk, xt, path);
	while ((text = file_keys_next(&fk)) != NULL)
	{
		char		hkey[NAMEDATALEN * 2];

		strlcpy(hkey, text, sizeof(hkey));
		if (hash_search(keys, hkey, HASH_FIND, NULL) != NULL)
		{
			for (char *p = text; *p; p++)
				if (*p == '\x1f')
					*p = ',';
			file_keys_close(&fk);
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access to lake table \"%s\" due to a concurrent update",
							get_rel_name(xt->relid)),
					 errdetail("Key (%s) was %s by this transaction and changed by snapshot " INT64_FORMAT ", committed concurrently.",
							   keys == xt->read_keys ? "read and rewritten" : "written (changelog 'lookup')",
							   text, newer->id),
					 errhint("Retry the transaction.")));
		}
		pfree(text);
	}
	file_keys_close(&fk);
}

/* LakeCommit's conflict check for transactions that read before writing */
static void
check_read_conflict(LakeTable *table, LakeSnapshot *newer, void *arg)
{
	LakeXactTable *xt = arg;
	List	   *added = NIL;
	List	   *deleted = NIL;
	ListCell   *lc;

	HTAB	   *written = NULL;

	/* compaction and schema changes keep every key's value */
	if (newer->kind == LAKE_COMMIT_COMPACT || newer->kind == LAKE_COMMIT_SCHEMA)
		return;
	/* a lookup changelog's before-images hold if no key it wrote changed */
	if (xt->changelog_lookup && newer->id > xt->changelog_base)
		written = written_key_set(xt);
	LakeSnapshotDelta(table, newer, &added, &deleted);
	foreach(lc, list_concat(added, deleted))
	{
		LakeDataFile *f = lfirst(lc);

		if (f->kind == LAKE_FILE_CHANGELOG)
			continue;
		/*
		 * a lookup changelog's -D images are those of the partitions it
		 * empties as the base snapshot had them: any other commit there
		 * (adding or removing files) makes them wrong
		 */
		if (xt->changelog_lookup && newer->id > xt->changelog_base &&
			xt->drops != NIL && committed_file_dropped(xt, f))
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access to lake table \"%s\" due to a concurrent update",
							get_rel_name(xt->relid)),
					 errdetail("Snapshot " INT64_FORMAT ", committed concurrently, changed a partition this transaction empties.",
							   newer->id),
					 errhint("Retry the transaction.")));
		if (xt->read_keys != NULL)
			check_file_keys(xt, table, f, newer, xt->read_keys);
		if (written)
			check_file_keys(xt, table, f, newer, written);
	}
}

/*
 * changelog 'lookup': the keys of the commit's data files, read only when
 * a concurrent commit has to be checked against them
 */
static HTAB *
written_key_set(LakeXactTable *xt)
{
	HASHCTL		ctl;
	ListCell   *lc;

	if (xt->written_keys)
		return xt->written_keys;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = NAMEDATALEN * 2;
	ctl.entrysize = sizeof(ReadKey);
	ctl.hcxt = xact_cxt;
	xt->written_keys = hash_create("lake_fdw written keys", 1024, &ctl,
								   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	foreach(lc, xt->flushes)
	{
		PendingFlush *pf = lfirst(lc);
		ListCell   *lc2;

		foreach(lc2, pf->files)
		{
			LakeDataFile *f = lfirst(lc2);
			FileKeys	fk;
			char	   *text;

			if (pending_file_dropped(xt, f))
				continue;
			file_keys_open(&fk, xt, psprintf("%s/%s/%s", xt->table->root, xt->table->relpath, f->path));
			while ((text = file_keys_next(&fk)) != NULL)
			{
				char		hkey[NAMEDATALEN * 2];
				bool		found;
				ReadKey    *rk;

				strlcpy(hkey, text, sizeof(hkey));
				rk = hash_search(xt->written_keys, hkey, HASH_ENTER, &found);
				if (!found)
					rk->full = MemoryContextStrdup(xact_cxt, text);
				pfree(text);
			}
			file_keys_close(&fk);
		}
	}
	return xt->written_keys;
}

/*
 * Changelog 'lookup': write the commit's changelog files against the
 * latest snapshot and add them to the commit's files.
 */
static List *
add_lookup_changelog(LakeXactTable *xt, List *added)
{
	int64		base_id = LakeSnapshotLatestId(xt->table);
	LakeSnapshot *base = NULL;
	List	   *base_files = NIL;

	if (base_id != LAKE_SNAPSHOT_NONE)
	{
		LakeSnapshotPin(xt->table, base_id);
		base = LakeSnapshotLoad(xt->table, base_id, false);
		base_files = LakeSnapshotFiles(xt->table, base);
	}
	xt->changelog_base = base_id;
	xt->changelog_lookup = true;
	xt->changelog_files =
		LakeChangelogLookupFiles(&xt->spec, LakeXactMergeConfig(xt), base_files, added,
								 xt->drops != NIL ? commit_delete_filter : NULL, xt);
	return list_concat(list_copy(added), xt->changelog_files);
}

/* ---------------------------------------------------------------------
 * Transaction events
 * ---------------------------------------------------------------------
 */
static void
commit_table(LakeXactTable *xt)
{
	LakeCommitRequest req;
	ListCell   *lc;
	List	   *added = NIL;
	int64		rows = 0;

	if (xt->buffer == NULL)
		return;
	if (LakeWriteBufferRows(xt->buffer) > 0)
		spill(xt);
	apply_cuts(xt);
	foreach(lc, xt->flushes)
	{
		PendingFlush *pf = lfirst(lc);
		ListCell   *lc2;

		foreach(lc2, pf->files)
		{
			LakeDataFile *f = lfirst(lc2);

			if (pending_file_dropped(xt, f))
				continue;		/* unlinked after the commit */
			added = lappend(added, f);
			rows += f->row_count;
		}
	}
	if (added == NIL && xt->drops == NIL)
		return;
	/* a bucket over compaction_stop_trigger: wait for compaction first */
	LakeBackpressureWait(xt->opts, xt->table, added);
	memset(&req, 0, sizeof(req));
	req.kind = xt->drops != NIL ? LAKE_COMMIT_OVERWRITE : LAKE_COMMIT_APPEND;
	req.base_snapshot_id = xt->base_snapshot;
	req.schema_id = xt->schema->schema_id;
	req.added = added;
	req.added_rows = rows;
	if (xt->drops != NIL)
	{
		req.delete_filter = commit_delete_filter;
		req.delete_filter_arg = xt;
	}
	if (xt->schema->primary_key != NIL &&
		strcmp(LakeSchemaChangelogMode(xt->schema), "lookup") == 0)
	{
		req.added = add_lookup_changelog(xt, added);
		LakeFaultPause("changelog-lookup-written");
		/* the before-images hold only if nothing touches the keys meanwhile */
		req.base_snapshot_id = xt->changelog_base;
		req.check_conflict = check_read_conflict;
		req.check_conflict_arg = xt;
	}
	/* appends and blind upserts never conflict; reads before writes may */
	if (xt->read_keys != NULL)
	{
		req.base_snapshot_id = xt->read_from;
		req.check_conflict = check_read_conflict;
		req.check_conflict_arg = xt;
	}
	(void) LakeCommit(xt->table, &req);
	LakeCompactionNoteCommit(xt->opts, xt->table, added);
	xt->committed = true;
}

static void
unlink_pending(LakeXactTable *xt)
{
	ListCell   *lc;

	foreach(lc, xt->flushes)
	{
		PendingFlush *pf = lfirst(lc);
		ListCell   *lc2;

		foreach(lc2, pf->files)
		{
			LakeDataFile *f = lfirst(lc2);

			/* committed files belong to the table now */
			if (xt->committed && !pending_file_dropped(xt, f))
				continue;
			LakeUnlinkQuiet(psprintf("%s/%s/%s", xt->table->root,
									 xt->table->relpath, f->path));
		}
	}
	if (!xt->committed)
	{
		foreach(lc, xt->changelog_files)
			LakeUnlinkQuiet(psprintf("%s/%s/%s", xt->table->root, xt->table->relpath,
									 ((LakeDataFile *) lfirst(lc))->path));
	}
}

static void
lake_xact_callback(XactEvent event, void *arg)
{
	HASH_SEQ_STATUS status;
	LakeXactTable *xt;

	if (xact_tables == NULL || !xact_tables_used)
		return;
	if (!xact_tables_written)
	{
		/* read only: nothing to commit or unlink, entries to forget */
		if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
			event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT ||
			event == XACT_EVENT_PREPARE)
		{
			if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
				LakeCompactionLaunchPending();
			reset_state();
		}
		return;
	}
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
			hash_seq_init(&status, xact_tables);
			while ((xt = hash_seq_search(&status)) != NULL)
			{
				MemoryContext old = MemoryContextSwitchTo(xact_cxt);

				commit_table(xt);
				MemoryContextSwitchTo(old);
			}
			break;
		case XACT_EVENT_PRE_PREPARE:
			hash_seq_init(&status, xact_tables);
			while ((xt = hash_seq_search(&status)) != NULL)
			{
				if (xt->buffer != NULL)
				{
					hash_seq_term(&status);
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("cannot PREPARE a transaction that wrote to lake tables")));
				}
			}
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			hash_seq_init(&status, xact_tables);
			while ((xt = hash_seq_search(&status)) != NULL)
				unlink_pending(xt);
			reset_state();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			/* pending files a drop left out of the commit */
			hash_seq_init(&status, xact_tables);
			while ((xt = hash_seq_search(&status)) != NULL)
				if (xt->committed && xt->drops != NIL)
					unlink_pending(xt);
			LakeCompactionLaunchPending();
			reset_state();
			break;
		case XACT_EVENT_PREPARE:
			reset_state();
			break;
		default:
			break;
	}
}

/* A savepoint's drops go with its rollback, or pass to its parent. */
static void
subxact_drops(LakeXactTable *xt, SubXactEvent event, SubTransactionId mySubid,
			  SubTransactionId parentSubid)
{
	List	   *keep = NIL;
	ListCell   *lc;
	MemoryContext old;

	if (xt->drops == NIL)
		return;
	/* the list outlives the (sub)transaction's memory */
	old = MemoryContextSwitchTo(xact_cxt);
	foreach(lc, xt->drops)
	{
		DropMark   *m = lfirst(lc);

		if (m->subid == mySubid)
		{
			if (event == SUBXACT_EVENT_ABORT_SUB)
				continue;
			m->subid = parentSubid;
		}
		keep = lappend(keep, m);
	}
	xt->drops = keep;
	MemoryContextSwitchTo(old);
}

static void
lake_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	HASH_SEQ_STATUS status;
	LakeXactTable *xt;

	if (xact_tables == NULL || !xact_tables_used || !xact_tables_written)
		return;
	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	hash_seq_init(&status, xact_tables);
	while ((xt = hash_seq_search(&status)) != NULL)
	{
		SavepointMark *m;

		subxact_drops(xt, event, mySubid, parentSubid);
		if (xt->savepoints == NIL)
			continue;
		m = llast(xt->savepoints);
		if (m->subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
		{
			MemoryContext old = MemoryContextSwitchTo(xact_cxt);

			truncate_writes(xt, m->seq);
			MemoryContextSwitchTo(old);
			xt->savepoints = list_delete_last(xt->savepoints);
		}
		else
		{
			/* the parent now owns these rows from m->seq on */
			SavepointMark *parent = list_length(xt->savepoints) > 1
				? list_nth(xt->savepoints, list_length(xt->savepoints) - 2) : NULL;

			if (parentSubid == TopSubTransactionId ||
				(parent != NULL && parent->subid == parentSubid))
				xt->savepoints = list_delete_last(xt->savepoints);
			else
				m->subid = parentSubid;
		}
	}
}
