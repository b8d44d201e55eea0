/*-------------------------------------------------------------------------
 * direct_modify.c
 *	  DELETE whose WHERE covers whole partitions, and TRUNCATE: done in
 *	  metadata alone.
 *
 * A DELETE without WHERE, or on a partitioned lake table with conditions
 * on partition columns only (no volatile functions, no RETURNING), runs as a direct
 * modification: the conditions are evaluated once per partition, on the
 * partition values that every file's column bounds carry, and the
 * matching partitions are dropped (xact.c): their committed files are
 * deleted by the commit's snapshot, the transaction's earlier rows there
 * are dropped.  No data file is read.  The row count reported is the
 * dropped files' row count (on primary-key tables it counts versions).
 * TRUNCATE drops everything the same way, in one snapshot.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/explain.h"
#include "executor/executor.h"
#include "fdw/modify_internal.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/plancat.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#define DIRECT_DELETE_MARK "lake_fdw partition delete"

typedef struct DirectState
{
	LakeXactTable *xt;
	ExprState  *qual;
	int64		rows;			/* file rows of the dropped partitions */
	int			npartitions;	/* dropped */
	int			nconsidered;
	bool		reported;
} DirectState;

typedef struct PartColsContext
{
	Index		varno;
	Bitmapset  *partition_atts;
	bool		ok;
} PartColsContext;

static bool
only_partition_columns(Node *node, PartColsContext *cxt)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *v = (Var *) node;

		if (v->varno != cxt->varno || v->varlevelsup != 0 ||
			!bms_is_member(v->varattno, cxt->partition_atts))
			cxt->ok = false;
		return false;
	}
	if (IsA(node, SubPlan) || IsA(node, SubLink))
	{
		cxt->ok = false;
		return false;
	}
	return expression_tree_walker(node, only_partition_columns, cxt);
}

bool
lakePlanDirectModify(PlannerInfo *root, ModifyTable *plan,
					 Index resultRelation, int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	LakeTableOptions *opts;
	Plan	   *subplan = outerPlan(plan);
	ForeignScan *fscan;
	PartColsContext cxt;
	ListCell   *lc;

	if (plan->operation != CMD_DELETE || plan->returningLists != NIL)
		return false;
	opts = LakeGetTableOptions(rte->relid);
	if (subplan == NULL || !IsA(subplan, ForeignScan))
		return false;
	fscan = (ForeignScan *) subplan;
	if (fscan->scan.scanrelid != resultRelation)
		return false;
	/* without a WHERE every partition goes; with one, partition columns only */
	if (opts->partition_by == NIL && fscan->scan.plan.qual != NIL)
		return false;
	if (has_row_triggers(root, resultRelation, CMD_DELETE))
		return false;

	cxt.varno = resultRelation;
	cxt.partition_atts = NULL;
	cxt.ok = true;
	foreach(lc, opts->partition_by)
		cxt.partition_atts = bms_add_member(cxt.partition_atts,
											get_attnum(rte->relid, lfirst(lc)));
	(void) only_partition_columns((Node *) fscan->scan.plan.qual, &cxt);
	if (!cxt.ok || contain_volatile_functions((Node *) fscan->scan.plan.qual))
		return false;

	fscan->operation = CMD_DELETE;
	fscan->resultRelation = resultRelation;
	fscan->fdw_exprs = fscan->scan.plan.qual;
	fscan->scan.plan.qual = NIL;
	fscan->fdw_private = list_make1(makeString(DIRECT_DELETE_MARK));
	return true;
}

/* The partition columns' values of a file, from its column bounds. */
static void
file_partition_values(const LakeFlushSpec *spec, LakeDataFile *f, TupleTableSlot *slot,
					  const int *lake_to_att)
{
	TupleDesc	desc = slot->tts_tupleDescriptor;

	ExecClearTuple(slot);
	for (int a = 0; a < desc->natts; a++)
	{
		slot->tts_values[a] = (Datum) 0;
		slot->tts_isnull[a] = true;
	}
	for (int p = 0; p < spec->npartition; p++)
	{
		int			c = spec->partition_cols[p];
		int			a = lake_to_att[c];
		bool		known = false;

		for (int s = 0; s < f->nstats; s++)
		{
			LakeColumnStats *st = &f->stats[s];
			PqValue		v;

			if (st->column_id != spec->column_ids[c])
				continue;
			if (st->min && LakeStatsDecode(st->min, &spec->types[c], &v))
			{
				if (a >= 0)
				{
					slot->tts_values[a] = LakeValueToDatum(&spec->types[c], &v);
					slot->tts_isnull[a] = false;
				}
				known = true;
			}
			else if (st->null_count == f->row_count)
				known = true;	/* a NULL partition */
		}
		if (!known)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot delete whole partitions of lake table: file \"%s\" keeps no bounds for partition column \"%s\"",
							f->path, spec->names[c]),
					 errdetail("Values longer than 256 bytes keep no bounds.")));
	}
	ExecStoreVirtualTuple(slot);
}

void
lakeBeginDirectModify(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	Relation	rel = node->ss.ss_currentRelation;
	DirectState *ds = palloc0(sizeof(DirectState));
	const LakeFlushSpec *spec;
	LakeSnapshot *snap;
	List	   *files;
	List	   *pending = NIL;
	List	   *dropped = NIL;
	List	   *rejected = NIL;
	LakeWriteBuffer *buffer = NULL;
	int64		limit;
	int		   *lake_to_att;
	TupleDesc	desc = RelationGetDescr(rel);
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	ListCell   *lc;

	node->fdw_state = ds;
	ds->qual = ExecInitQual(plan->fdw_exprs, (PlanState *) node);
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	ds->xt = LakeXactGetTable(RelationGetRelid(rel), true);
	spec = LakeXactFlushSpec(ds->xt);
	lake_to_att = palloc(sizeof(int) * Max(spec->ncolumns, 1));
	for (int i = 0; i < spec->ncolumns; i++)
	{
		lake_to_att[i] = -1;
		for (int a = 0; a < desc->natts; a++)
			if (!TupleDescAttr(desc, a)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, a)->attname), spec->names[i]) == 0)
				lake_to_att[i] = a;
	}
	snap = LakeXactReadSnapshot(ds->xt);
	files = snap ? LakeXactVisibleFiles(ds->xt, LakeSnapshotFiles(LakeXactTable_(ds->xt), snap)) : NIL;
	/* the transaction's earlier rows, spilled into per-partition files */
	LakeXactPendingForScan(ds->xt, estate->es_output_cid, true, &pending, &buffer, &limit);
	files = list_concat(list_copy(files), pending);

	econtext->ecxt_scantuple = node->ss.ss_ScanTupleSlot;
	foreach(lc, files)
	{
		LakeDataFile *f = lfirst(lc);
		const char *part = f->partition ? f->partition : "";
		bool		decided = false;
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();
		foreach(lc2, dropped)
			if (strcmp(lfirst(lc2), part) == 0)
			{
				ds->rows += f->row_count;
				decided = true;
			}
		foreach(lc2, rejected)
			if (strcmp(lfirst(lc2), part) == 0)
				decided = true;
		if (decided)
			continue;
		file_partition_values(spec, f, node->ss.ss_ScanTupleSlot, lake_to_att);
		ResetExprContext(econtext);
		ds->nconsidered++;
		if (ExecQual(ds->qual, econtext))
		{
			dropped = lappend(dropped, pstrdup(part));
			ds->rows += f->row_count;
		}
		else
			rejected = lappend(rejected, pstrdup(part));
	}
	ds->npartitions = list_length(dropped);
	if (plan->fdw_exprs == NIL)
		LakeXactDropPartitions(ds->xt, NIL, true);	/* also partitions yet unseen */
	else if (dropped != NIL)
		LakeXactDropPartitions(ds->xt, dropped, false);
}

TupleTableSlot *
lakeIterateDirectModify(ForeignScanState *node)
{
	DirectState *ds = node->fdw_state;

	if (!ds->reported)
	{
		node->ss.ps.state->es_processed += ds->rows;
		ds->reported = true;
	}
	return ExecClearTuple(node->ss.ss_ScanTupleSlot);
}

void
lakeEndDirectModify(ForeignScanState *node)
{
}

void
lakeExplainDirectModify(ForeignScanState *node, ExplainState *es)
{
	DirectState *ds = node->fdw_state;

	ExplainPropertyText("Lake Delete", "whole partitions, in metadata only", es);
	if (es->analyze && ds && ds->xt)
	{
		ExplainPropertyInteger("Lake Partitions Considered", NULL, ds->nconsidered, es);
		ExplainPropertyInteger("Lake Partitions Dropped", NULL, ds->npartitions, es);
	}
}

void
lakeExecForeignTruncate(List *rels, DropBehavior behavior, bool restart_seqs)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		Relation	rel = lfirst(lc);
		LakeXactTable *xt = LakeXactGetTable(RelationGetRelid(rel), true);

		LakeXactDropPartitions(xt, NIL, true);
	}
}
