/*-------------------------------------------------------------------------
 * scan_exec.c
 *	  Planning and executing scans of lake tables: size estimates from the
 *	  snapshot's metadata, the scan path and plan, the executor callbacks
 *	  and EXPLAIN.
 *
 * The plan carries the attribute numbers the query needs; only those
 * columns are decoded.  Every qual stays with PostgreSQL for now (pruning
 * comes with the predicate layer).  The snapshot is chosen per statement or
 * per transaction by xact.c.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "commands/explain.h"
#include "commands/vacuum.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "fdw/fdw.h"
#include "mergetree/write_buffer.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parse_type.h"
#include "parser/parsetree.h"
#include "scan/aggregate.h"
#include "scan/scan.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

typedef struct LakeRelInfo
{
	int64		total_rows;
	int64		total_bytes;
	int64		snapshot_id;
	Bitmapset  *attrs_used;
} LakeRelInfo;

typedef struct LakeScanState
{
	LakeXactTable *xt;
	LakeSnapshot *snapshot;		/* borrowed from xact state */
	LakeScanSpec spec;
	LakeScan   *scan;
	int			nlake;
	int		   *lake_to_att;	/* lake column -> attribute index or -1 */
	int			nout;			/* wanted columns the slot has */
	int		   *out_lake;		/* [nout] lake column */
	int		   *out_att;		/* [nout] slot attribute */
	bool		slot_ready;		/* unwanted attributes set NULL once */
	Datum	   *values;			/* lake order */
	bool	   *isnull;
	int			nfiles;
	/* aggregate pushdown (scan_relid 0, upper_plan.c) */
	LakeAggregate *agg;			/* or NULL: a plain scan */
	int			nitems;
	LakeAggItem *items;			/* [nitems]: the scan tuple's columns */
	char	   *agg_description;
} LakeScanState;

/* ---------------------------------------------------------------------
 * Planning
 * ---------------------------------------------------------------------
 */
void
lakeGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	LakeRelInfo *info;
	LakeXactTable *xt;
	LakeSnapshot *snap;
	ListCell   *lc;
	double		rows;

	if (LakeRelIsChangelog(foreigntableid))
	{
		LakeChangelogGetRelSize(root, baserel, foreigntableid);
		return;
	}
	info = palloc0(sizeof(LakeRelInfo));
	xt = LakeXactGetTable(foreigntableid, false);
	snap = LakeXactReadSnapshot(xt);
	if (snap)
	{
		info->total_rows = snap->total_rows;
		info->total_bytes = snap->total_bytes;
		info->snapshot_id = snap->id;
	}
	if (LakeXactWriteBuffer(xt))
		info->total_rows += LakeWriteBufferRows(LakeXactWriteBuffer(xt));

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &info->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst(lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &info->attrs_used);
	}
	baserel->fdw_private = info;
	baserel->tuples = Max(info->total_rows, 1);
	rows = baserel->tuples * clauselist_selectivity(root, baserel->baserestrictinfo,
													0, JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(rows);
}

void
lakeGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	LakeRelInfo *info = baserel->fdw_private;
	Relation	rel;
	int			natts;
	int			nused;
	double		fraction;
	Cost		startup = 10;
	Cost		total;

	if (LakeRelIsChangelog(foreigntableid))
	{
		LakeChangelogGetPaths(root, baserel);
		return;
	}
	rel = table_open(foreigntableid, NoLock);
	natts = RelationGetDescr(rel)->natts;
	nused = bms_num_members(info->attrs_used);
	table_close(rel, NoLock);
	fraction = natts > 0 ? Min(1.0, (double) Max(nused, 1) / natts) : 1.0;
	total = startup
		+ seq_page_cost * (info->total_bytes * fraction / BLCKSZ)
		+ cpu_tuple_cost * baserel->tuples
		+ cpu_operator_cost * baserel->tuples * list_length(baserel->baserestrictinfo);

	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, total, NIL, NULL, NULL, NIL));
}

ForeignScan *
lakeGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				   ForeignPath *best_path, List *tlist, List *scan_clauses,
				   Plan *outer_plan)
{
	LakeRelInfo *info = baserel->fdw_private;
	List	   *attnums = NIL;
	int			x = -1;
	bool		whole_row;

	if (IS_UPPER_REL(baserel))
		return LakeGetForeignUpperPlan(root, baserel, tlist, outer_plan);
	if (LakeRelIsChangelog(foreigntableid))
		return LakeChangelogGetPlan(root, baserel, tlist, scan_clauses, outer_plan);
	scan_clauses = extract_actual_clauses(scan_clauses, false);
	whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, info->attrs_used);
	while ((x = bms_next_member(info->attrs_used, x)) >= 0)
	{
		AttrNumber	att = x + FirstLowInvalidHeapAttributeNumber;

		if (att > 0)
			attnums = lappend_int(attnums, att);
	}
	return make_foreignscan(tlist, scan_clauses, baserel->relid, NIL,
							list_make2(makeBoolean(whole_row), attnums),
							NIL, NIL, outer_plan);
}

/* ---------------------------------------------------------------------
 * Execution
 * ---------------------------------------------------------------------
 */
static int
file_commit_order(const ListCell *a, const ListCell *b)
{
	LakeDataFile *x = lfirst(a);
	LakeDataFile *y = lfirst(b);

	if (x->added_snapshot_id != y->added_snapshot_id)
		return x->added_snapshot_id < y->added_snapshot_id ? -1 : 1;
	if (x->min_sequence != y->min_sequence)
		return x->min_sequence < y->min_sequence ? -1 : 1;
	return 0;
}

static void
build_scan_state(LakeScanState *st, Relation rel, bool whole_row, List *attnums,
				 EState *estate)
{
	TupleDesc	desc = RelationGetDescr(rel);
	LakeSchema *schema;
	char	  **names;
	bool	   *wanted;
	int		   *keys;
	int			nkey = 0;
	ListCell   *lc;

	st->xt = LakeXactGetTable(RelationGetRelid(rel), false);
	schema = LakeXactSchema(st->xt);
	st->snapshot = LakeXactReadSnapshot(st->xt);
	st->nlake = schema->ncolumns;
	st->lake_to_att = palloc(sizeof(int) * Max(st->nlake, 1));
	st->values = palloc0(sizeof(Datum) * Max(st->nlake, 1));
	st->isnull = palloc0(sizeof(bool) * Max(st->nlake, 1));
	names = palloc(sizeof(char *) * Max(st->nlake, 1));
	wanted = palloc0(sizeof(bool) * Max(st->nlake, 1));
	keys = palloc(sizeof(int) * (list_length(schema->primary_key) + 1));

	st->spec.types = palloc(sizeof(LakeTypeInfo) * Max(st->nlake, 1));
	for (int i = 0; i < st->nlake; i++)
	{
		LakeColumn *c = &schema->columns[i];
		Oid			typid;
		int32		typmod;

		names[i] = c->name;
		parseTypeString(c->type_name, &typid, &typmod, false);
		LakeTypeFromPgOrError(typid, typmod, c->name, (LakeTypeInfo *) &st->spec.types[i]);
		st->lake_to_att[i] = -1;
		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), c->name) == 0)
			{
				st->lake_to_att[i] = a;
				if (whole_row || list_member_int(attnums, a + 1))
					wanted[i] = true;
				break;
			}
		}
	}
	foreach(lc, schema->primary_key)
		for (int i = 0; i < st->nlake; i++)
			if (strcmp(schema->columns[i].name, (char *) lfirst(lc)) == 0)
				keys[nkey++] = i;
	st->out_lake = palloc(sizeof(int) * Max(st->nlake, 1));
	st->out_att = palloc(sizeof(int) * Max(st->nlake, 1));
	st->nout = 0;
	for (int i = 0; i < st->nlake; i++)
		if (wanted[i] && st->lake_to_att[i] >= 0)
		{
			st->out_lake[st->nout] = i;
			st->out_att[st->nout] = st->lake_to_att[i];
			st->nout++;
		}

	st->spec.root = LakeXactTable_(st->xt)->root;
	st->spec.table_rel = LakeXactTable_(st->xt)->relpath;
	st->spec.ncolumns = st->nlake;
	st->spec.names = (const char *const *) names;
	st->spec.wanted = wanted;
	st->spec.nkey = nkey;
	st->spec.key_cols = keys;
	st->spec.merge = nkey > 0 ? LakeXactMergeConfig(st->xt) : NULL;
	if (st->snapshot)
	{
		/* keep expiry away from the files until the transaction ends */
		LakeSnapshotPin(LakeXactTable_(st->xt), st->snapshot->id);
		st->spec.files = LakeSnapshotFiles(LakeXactTable_(st->xt), st->snapshot);
	}
	else
		st->spec.files = NIL;
	st->spec.files = LakeXactVisibleFiles(st->xt, st->spec.files);
	list_sort(st->spec.files, file_commit_order);
	st->nfiles = list_length(st->spec.files);

	/* the transaction's own writes, unless reading a fixed snapshot */
	if (!LakeTableIsReadOnly(LakeXactOptions(st->xt)))
	{
		bool		as_of_set;

		(void) LakeAsOfSetting(&as_of_set);
		if (!as_of_set)
			LakeXactPendingForScan(st->xt,
								   estate->es_snapshot->curcid,
								   nkey > 0,
								   &st->spec.pending_files,
								   &st->spec.pending_buffer,
								   &st->spec.pending_limit);
	}
}

/*
 * An aggregate plan (scan_relid 0): fdw_private also lists, per column of
 * the scan tuple, its kind and the attribute it reads.
 */
static void
build_aggregate_state(ForeignScanState *node, LakeScanState *st)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	int			rtindex = bms_next_member(plan->fs_relids, -1);
	Relation	rel = ExecGetRangeTableRelation(estate, rtindex);
	List	   *kinds = lthird(plan->fdw_private);
	List	   *attnos = lfourth(plan->fdw_private);
	int			i = 0;
	ListCell   *lk,
			   *la;

	build_scan_state(st, rel, false, lsecond(plan->fdw_private), estate);
	st->agg_description = strVal(list_nth(plan->fdw_private, 4));
	st->nitems = list_length(kinds);
	st->items = palloc(sizeof(LakeAggItem) * Max(st->nitems, 1));
	forboth(lk, kinds, la, attnos)
	{
		LakeAggItem *it = &st->items[i++];
		int			attno = lfirst_int(la);

		it->kind = (LakeAggKind) lfirst_int(lk);
		it->column = -1;
		if (attno <= 0)
			continue;
		for (int c = 0; c < st->nlake; c++)
			if (st->lake_to_att[c] == attno - 1)
				it->column = c;
		if (it->column < 0 || !st->spec.wanted[it->column])
			elog(ERROR, "column %d of a lake aggregate is not read", attno);
	}
}

void
lakeBeginForeignScan(ForeignScanState *node, int eflags)
{
	LakeScanState *st;
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	bool		aggregate = plan->scan.scanrelid == 0;

	if (LakeChangelogIsPlan(plan))
	{
		LakeChangelogBeginScan(node, eflags);
		return;
	}
	st = palloc0(sizeof(LakeScanState));
	node->fdw_state = st;
	if (aggregate)
		build_aggregate_state(node, st);
	else
		build_scan_state(st, node->ss.ss_currentRelation,
						 boolVal(linitial(plan->fdw_private)),
						 lsecond(plan->fdw_private), node->ss.ps.state);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	st->scan = LakeScanBegin(&st->spec, node->ss.ps.state->es_query_cxt);
	if (aggregate)
		st->agg = LakeAggregateBegin(st->scan, &st->spec, st->nitems, st->items,
									 node->ss.ps.state->es_query_cxt);
}

TupleTableSlot *
lakeIterateForeignScan(ForeignScanState *node)
{
	LakeScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (LakeChangelogIsPlan((ForeignScan *) node->ss.ps.plan))
		return LakeChangelogIterate(node);
	ExecClearTuple(slot);
	if (st->agg)
	{
		/* one row per group, in the scan tuple's (fdw_scan_tlist) shape */
		if (!LakeAggregateNext(st->agg, slot->tts_values, slot->tts_isnull))
			return slot;
		return ExecStoreVirtualTuple(slot);
	}
	if (!st->slot_ready)
	{
		/* attributes the query does not read stay NULL in every row */
		for (int a = 0; a < slot->tts_tupleDescriptor->natts; a++)
		{
			slot->tts_values[a] = (Datum) 0;
			slot->tts_isnull[a] = true;
		}
		st->slot_ready = true;
	}
	if (!LakeScanNext(st->scan, st->values, st->isnull))
		return slot;
	for (int k = 0; k < st->nout; k++)
	{
		slot->tts_values[st->out_att[k]] = st->values[st->out_lake[k]];
		slot->tts_isnull[st->out_att[k]] = st->isnull[st->out_lake[k]];
	}
	return ExecStoreVirtualTuple(slot);
}

void
lakeReScanForeignScan(ForeignScanState *node)
{
	LakeScanState *st = node->fdw_state;

	if (LakeChangelogIsPlan((ForeignScan *) node->ss.ps.plan))
	{
		LakeChangelogReScan(node);
		return;
	}
	if (st->agg)
		LakeAggregateRescan(st->agg);
	else if (st->scan)
		LakeScanRescan(st->scan);
}

void
lakeEndForeignScan(ForeignScanState *node)
{
	LakeScanState *st = node->fdw_state;

	if (LakeChangelogIsPlan((ForeignScan *) node->ss.ps.plan))
	{
		LakeChangelogEndScan(node);
		return;
	}
	if (st && st->agg)
	{
		LakeAggregateEnd(st->agg);
		st->agg = NULL;
	}
	if (st && st->scan)
	{
		LakeScanEnd(st->scan);
		st->scan = NULL;
	}
}

void
lakeExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	LakeScanState *st = node->fdw_state;
	LakeTableOptions *opts;

	if (LakeChangelogIsPlan((ForeignScan *) node->ss.ps.plan))
	{
		LakeChangelogExplain(node, es);
		return;
	}
	opts = LakeXactOptions(st->xt);
	ExplainPropertyText("Lake Table", opts->relpath, es);
	if (st->agg_description)
		ExplainPropertyText("Lake Aggregate", st->agg_description, es);
	if (st->snapshot)
	{
		/* commit times vary run to run: only with COSTS */
		if (es->costs)
			ExplainPropertyText("Lake Snapshot",
								psprintf(INT64_FORMAT " (committed %s)", st->snapshot->id,
										 timestamptz_to_str(st->snapshot->commit_time)),
								es);
		else
			ExplainPropertyInteger("Lake Snapshot", NULL, st->snapshot->id, es);
	}
	else
		ExplainPropertyText("Lake Snapshot", "none (table is empty)", es);
	ExplainPropertyInteger("Lake Files", NULL, st->nfiles, es);
	if (st->spec.nkey > 0)
		ExplainPropertyText("Lake Read", "merge on read by primary key", es);
	if (es->analyze && st->scan)
	{
		LakeScanStats stats;

		LakeScanGetStats(st->scan, &stats);
		ExplainPropertyInteger("Lake Files Read", NULL, stats.files_read, es);
		ExplainPropertyInteger("Lake Rows Read", NULL, stats.rows_read, es);
		if (es->verbose)
			ExplainPropertyInteger("Lake Bytes Read", "bytes", (int64) stats.bytes_read, es);
	}
}

/* ---------------------------------------------------------------------
 * ANALYZE: a uniform sample of the rows at the latest snapshot
 * ---------------------------------------------------------------------
 */
static int
lake_acquire_sample_rows(Relation relation, int elevel, HeapTuple *rows,
						 int targrows, double *totalrows, double *totaldeadrows)
{
	TupleDesc	desc = RelationGetDescr(relation);
	EState	   *estate = CreateExecutorState();
	LakeScanState *st = palloc0(sizeof(LakeScanState));
	List	   *attnums = NIL;
	Datum	   *values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	int			numrows = 0;
	double		seen = 0;
	ReservoirStateData rstate;
	double		rowstoskip = -1;

	for (int a = 0; a < desc->natts; a++)
		attnums = lappend_int(attnums, a + 1);
	estate->es_snapshot = GetActiveSnapshot();
	build_scan_state(st, relation, true, attnums, estate);
	st->scan = LakeScanBegin(&st->spec, CurrentMemoryContext);
	reservoir_init_selection_state(&rstate, targrows);
	while (LakeScanNext(st->scan, st->values, st->isnull))
	{
		int			pos;

		vacuum_delay_point();
		for (int a = 0; a < desc->natts; a++)
		{
			values[a] = (Datum) 0;
			nulls[a] = true;
		}
		for (int i = 0; i < st->nlake; i++)
			if (st->lake_to_att[i] >= 0)
			{
				values[st->lake_to_att[i]] = st->values[i];
				nulls[st->lake_to_att[i]] = st->isnull[i];
			}
		seen++;
		if (numrows < targrows)
		{
			rows[numrows++] = heap_form_tuple(desc, values, nulls);
			continue;
		}
		if (rowstoskip < 0)
			rowstoskip = reservoir_get_next_S(&rstate, seen, targrows);
		if (rowstoskip <= 0)
		{
			pos = (int) (targrows * sampler_random_fract(&rstate.randstate));
			heap_freetuple(rows[pos]);
			rows[pos] = heap_form_tuple(desc, values, nulls);
		}
		rowstoskip -= 1;
	}
	LakeScanEnd(st->scan);
	FreeExecutorState(estate);
	*totalrows = seen;
	*totaldeadrows = 0;
	return numrows;
}

bool
lakeAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
						BlockNumber *totalpages)
{
	LakeXactTable *xt;
	LakeSnapshot *snap;

	if (LakeRelIsChangelog(RelationGetRelid(relation)))
		return false;			/* changes are no table to sample */
	xt = LakeXactGetTable(RelationGetRelid(relation), false);
	snap = LakeXactReadSnapshot(xt);
	*func = lake_acquire_sample_rows;
	*totalpages = snap ? (BlockNumber) Max(1, snap->total_bytes / BLCKSZ) : 1;
	return true;
}
