/*-------------------------------------------------------------------------
 * modify.c
 *	  INSERT and COPY FROM into lake tables: the FDW modify callbacks.
 *
 * Rows are not written when they arrive: each goes into the transaction's
 * write buffer for the table (xact.c), which turns them into Parquet files
 * at commit.  COPY (one row at a time in PostgreSQL 15) therefore costs the
 * same per row as a batched INSERT.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tupdesc.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "fdw/fdw.h"
#include "mergetree/write_buffer.h"
#include "nodes/nodeFuncs.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

/* per result relation */
typedef struct LakeModifyState
{
	LakeXactTable *xt;
	int			nlake;			/* lake schema columns */
	int		   *lake_to_att;	/* lake column -> attribute index, or -1 */
	Datum	   *values;			/* [nlake] */
	bool	   *isnull;
} LakeModifyState;

int
lakeIsForeignRelUpdatable(Relation rel)
{
	LakeTableOptions *opts = LakeGetTableOptions(RelationGetRelid(rel));

	if (LakeTableIsReadOnly(opts))
		return 0;
	return (1 << CMD_INSERT);
}

List *
lakePlanForeignModify(PlannerInfo *root, ModifyTable *plan,
					  Index resultRelation, int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	LakeTableOptions *opts = LakeGetTableOptions(rte->relid);

	if (plan->operation != CMD_INSERT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("lake_fdw does not support UPDATE or DELETE on \"%s\" yet",
						get_rel_name(rte->relid))));
	if (plan->onConflictAction != ONCONFLICT_NONE && opts->primary_key != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("INSERT ... ON CONFLICT on primary-key lake table \"%s\" is not supported yet",
						get_rel_name(rte->relid)),
				 errhint("A plain INSERT of an existing key is an upsert: the table's merge engine merges it.")));
	/* an append table has no unique key: ON CONFLICT DO NOTHING never fires */
	return NIL;
}

static LakeModifyState *
begin_modify(Relation rel)
{
	LakeModifyState *st = palloc0(sizeof(LakeModifyState));
	TupleDesc	desc = RelationGetDescr(rel);
	LakeSchema *schema;

	st->xt = LakeXactGetTable(RelationGetRelid(rel), true);
	schema = LakeXactSchema(st->xt);
	st->nlake = schema->ncolumns;
	st->lake_to_att = palloc(sizeof(int) * Max(st->nlake, 1));
	st->values = palloc0(sizeof(Datum) * Max(st->nlake, 1));
	st->isnull = palloc0(sizeof(bool) * Max(st->nlake, 1));
	for (int i = 0; i < st->nlake; i++)
	{
		st->lake_to_att[i] = -1;
		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), schema->columns[i].name) == 0)
			{
				st->lake_to_att[i] = a;
				break;
			}
		}
	}
	return st;
}

void
lakeBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					   List *fdw_private, int subplan_index, int eflags)
{
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	rinfo->ri_FdwState = begin_modify(rinfo->ri_RelationDesc);
}

void
lakeBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	rinfo->ri_FdwState = begin_modify(rinfo->ri_RelationDesc);
}

static void
append_slot(LakeModifyState *st, CommandId cid, TupleTableSlot *slot)
{
	slot_getallattrs(slot);
	for (int i = 0; i < st->nlake; i++)
	{
		int			a = st->lake_to_att[i];

		if (a < 0)
		{
			st->values[i] = (Datum) 0;
			st->isnull[i] = true;
		}
		else
		{
			st->values[i] = slot->tts_values[a];
			st->isnull[i] = slot->tts_isnull[a];
		}
	}
	LakeXactAppendRow(st->xt, cid, st->values, st->isnull);
}

TupleTableSlot *
lakeExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
					  TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	append_slot((LakeModifyState *) rinfo->ri_FdwState, estate->es_output_cid, slot);
	return slot;
}

TupleTableSlot **
lakeExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
						   TupleTableSlot **slots, TupleTableSlot **planSlots,
						   int *numSlots)
{
	LakeModifyState *st = (LakeModifyState *) rinfo->ri_FdwState;

	for (int i = 0; i < *numSlots; i++)
		append_slot(st, estate->es_output_cid, slots[i]);
	return slots;
}

int
lakeGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	/* PostgreSQL only batches when there is no RETURNING and no row trigger */
	if (rinfo->ri_projectReturning != NULL ||
		(rinfo->ri_TrigDesc && rinfo->ri_TrigDesc->trig_insert_after_row))
		return 1;
	/*
	 * Rows are buffered anyway, and PostgreSQL copies every slot it batches:
	 * measured, batching only costs (see lake_fdw.insert_batch_size).
	 */
	return lake_insert_batch_size;
}

void
lakeEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	/* rows stay buffered until commit */
}

void
lakeEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
}

void
lakeExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						 List *fdw_private, int subplan_index,
						 struct ExplainState *es)
{
	LakeTableOptions *opts = LakeGetTableOptions(RelationGetRelid(rinfo->ri_RelationDesc));

	ExplainPropertyText("Lake Write",
						opts->primary_key != NIL
						? psprintf("blind upsert (merge engine %s), buffered until commit",
								   opts->merge_engine)
						: "append, buffered until commit",
						es);
}
