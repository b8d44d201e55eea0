/*-------------------------------------------------------------------------
 * onconflict.c
 *	  INSERT ... ON CONFLICT on lake tables: letting the statement through
 *	  PostgreSQL's planner, and deciding how the FDW carries it out.
 *
 * PostgreSQL's planner looks for a unique index matching the conflict
 * target and finds none on a foreign table.  A post-parse-analysis hook
 * checks that the target is the lake table's primary key (in any order)
 * and then clears it, so the planner lets the statement reach the FDW,
 * which owns the conflict handling (a target-less DO NOTHING needs no
 * arbiter either).  Anything else is refused there with PostgreSQL's own
 * error.  The hook runs only in sessions that loaded lake_fdw before the
 * statement was analyzed: shared_preload_libraries or
 * session_preload_libraries (README).
 *
 * At execution the ModifyTable plan's DO UPDATE SET list is classified:
 * where every assignment is a merge of EXCLUDED onto the existing version
 * (replace, keep, t.c + EXCLUDED.c, GREATEST, LEAST, COALESCE), the
 * statement writes blind records carrying per-column ops (merge_engine.h),
 * or full rows where every non-key column is replaced by EXCLUDED's value;
 * otherwise (other expressions, a WHERE, RETURNING) it looks the current
 * version up.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "fdw/fdw.h"
#include "fdw/modify_internal.h"
#include "foreign/foreign.h"
#include "nodes/nodeFuncs.h"
#include "parser/analyze.h"
#include "parser/parsetree.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;

static bool
is_lake_table(Oid relid)
{
	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		return false;
	return LakeIsLakeServer(GetForeignTable(relid)->serverid);
}

static pg_attribute_noreturn() void
no_matching_constraint(Oid relid, List *pk)
{
	ListCell   *lc;
	StringInfoData s;

	initStringInfo(&s);
	foreach(lc, pk)
		appendStringInfo(&s, "%s%s", s.len ? ", " : "", (char *) lfirst(lc));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_COLUMN_REFERENCE),
			 errmsg("there is no unique or exclusion constraint matching the ON CONFLICT specification"),
			 pk != NIL
			 ? errdetail("The only conflict target of lake table \"%s\" is its primary key (%s).",
						 get_rel_name(relid), s.data)
			 : errdetail("Lake table \"%s\" has no primary key.", get_rel_name(relid))));
}

/* Check an INSERT ... ON CONFLICT into a lake table; clear its arbiter. */
static void
check_on_conflict(Query *query)
{
	OnConflictExpr *oc = query->onConflict;
	RangeTblEntry *rte = rt_fetch(query->resultRelation, query->rtable);
	LakeTableOptions *opts;
	Bitmapset  *target = NULL;
	Bitmapset  *pk = NULL;
	ListCell   *lc;

	if (rte->rtekind != RTE_RELATION || !is_lake_table(rte->relid))
		return;
	opts = LakeGetTableOptions(rte->relid);
	if (OidIsValid(oc->constraint))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ON CONFLICT ON CONSTRAINT is not supported on lake table \"%s\"",
						get_rel_name(rte->relid)),
				 errhint("Name the primary key columns instead: ON CONFLICT (col, ...).")));
	if (oc->arbiterElems == NIL)
		return;					/* DO NOTHING without a target */
	if (opts->primary_key == NIL || oc->arbiterWhere != NULL)
		no_matching_constraint(rte->relid, opts->primary_key);
	foreach(lc, oc->arbiterElems)
	{
		InferenceElem *ie = lfirst(lc);
		Var		   *var = (Var *) ie->expr;

		if (!IsA(ie, InferenceElem) || var == NULL || !IsA(var, Var) ||
			var->varno != query->resultRelation || var->varattno <= 0 ||
			OidIsValid(ie->inferopclass))
			no_matching_constraint(rte->relid, opts->primary_key);
		target = bms_add_member(target, var->varattno);
	}
	foreach(lc, opts->primary_key)
	{
		AttrNumber	att = get_attnum(rte->relid, lfirst(lc));

		if (att == InvalidAttrNumber)
			no_matching_constraint(rte->relid, opts->primary_key);
		pk = bms_add_member(pk, att);
	}
	if (!bms_equal(target, pk))
		no_matching_constraint(rte->relid, opts->primary_key);
	/* the FDW is the arbiter now */
	oc->arbiterElems = NIL;
	oc->arbiterWhere = NULL;
}

static bool
walk_queries(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *q = (Query *) node;

		if (q->commandType == CMD_INSERT && q->onConflict != NULL)
			check_on_conflict(q);
		return query_tree_walker(q, walk_queries, context, 0);
	}
	return expression_tree_walker(node, walk_queries, context);
}

static void
lake_post_parse_analyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);
	(void) walk_queries((Node *) query, NULL);
}

void
LakeOnConflictInit(void)
{
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = lake_post_parse_analyze;
}

/* ---------------------------------------------------------------------
 * Classification of the DO UPDATE SET list
 * ---------------------------------------------------------------------
 */
static bool
is_target_var(Node *n, AttrNumber att)
{
	return n && IsA(n, Var) && ((Var *) n)->varno != INNER_VAR &&
		((Var *) n)->varno != OUTER_VAR && ((Var *) n)->varattno == att &&
		((Var *) n)->varlevelsup == 0;
}

static bool
is_excluded_var(Node *n, AttrNumber att)
{
	return n && IsA(n, Var) && ((Var *) n)->varno == INNER_VAR &&
		((Var *) n)->varattno == att;
}

/* the two arguments are t.c and EXCLUDED.c, in either order */
static bool
pair_args(List *args, AttrNumber att, bool *target_first)
{
	Node	   *a,
			   *b;

	if (list_length(args) != 2)
		return false;
	a = linitial(args);
	b = lsecond(args);
	if (is_target_var(a, att) && is_excluded_var(b, att))
	{
		*target_first = true;
		return true;
	}
	if (is_excluded_var(a, att) && is_target_var(b, att))
	{
		*target_first = false;
		return true;
	}
	return false;
}

/*
 * The merge op an assignment to column att amounts to, or 0 when it is not
 * a blind merge.
 */
static char
classify_assignment(Node *expr, AttrNumber att, const LakeTypeInfo *ti, Oid collation)
{
	bool		target_first;

	/* numeric(p,s) assignments wrap the expression in a length coercion */
	if (IsA(expr, FuncExpr) && ((FuncExpr *) expr)->funcid == F_NUMERIC_NUMERIC_INT4 &&
		ti->pqtype == PQ_DECIMAL)
		expr = linitial(((FuncExpr *) expr)->args);

	if (is_excluded_var(expr, att))
		return LAKE_OP_REPLACE;
	if (is_target_var(expr, att))
		return LAKE_OP_KEEP;
	if (IsA(expr, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) expr;
		Oid			f = op->opfuncid ? op->opfuncid : get_opcode(op->opno);

		/*
		 * int2/int4 sums overflow at the statement in PostgreSQL; merged at
		 * read time they could not fail there, so they take the lookup path.
		 */
		if ((f == F_INT8PL || f == F_FLOAT4PL || f == F_FLOAT8PL || f == F_NUMERIC_ADD) &&
			pair_args(op->args, att, &target_first))
			return LAKE_OP_ADD;
		return 0;
	}
	if (IsA(expr, MinMaxExpr))
	{
		MinMaxExpr *mm = (MinMaxExpr *) expr;

		/* raw order is the type's order except for collatable text */
		if (OidIsValid(mm->inputcollid) && mm->inputcollid != C_COLLATION_OID &&
			mm->inputcollid != POSIX_COLLATION_OID)
			return 0;
		if (ti->pqtype == PQ_JSON || !pair_args(mm->args, att, &target_first))
			return 0;
		return mm->op == IS_GREATEST ? LAKE_OP_MAX : LAKE_OP_MIN;
	}
	if (IsA(expr, CoalesceExpr))
	{
		if (!pair_args(((CoalesceExpr *) expr)->args, att, &target_first))
			return 0;
		return target_first ? LAKE_OP_OLD_NONNULL : LAKE_OP_NEW_NONNULL;
	}
	(void) collation;
	return 0;
}

static bool assigns_full_row(LakeXactTable *xt, const LakeUpsertPlan *up);

/*
 * How the INSERT of this result relation runs: plain (engine records),
 * blind with ops, or lookup.  Fills up->ops (one letter per column id) for
 * the blind forms and up->why for the lookup path.
 */
void
LakeUpsertClassify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
				   LakeXactTable *xt, LakeUpsertPlan *up)
{
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;
	Relation	rel = rinfo->ri_RelationDesc;
	TupleDesc	desc = RelationGetDescr(rel);
	LakeSchema *schema = LakeXactSchema(xt);
	const LakeFlushSpec *spec = LakeXactFlushSpec(xt);
	bool		has_key = schema->primary_key != NIL;
	ListCell   *lc,
			   *lcol;

	memset(up, 0, sizeof(*up));
	up->action = plan->onConflictAction;
	up->path = LAKE_UPSERT_PLAIN;
	if (!has_key || up->action == ONCONFLICT_NONE)
		return;

	up->ops = palloc(schema->next_column_id + 1);
	memset(up->ops, LAKE_OP_KEEP, schema->next_column_id);
	up->ops[schema->next_column_id] = '\0';
	for (int k = 0; k < spec->nkey; k++)
		up->ops[spec->column_ids[spec->key_cols[k]]] = LAKE_OP_NONE;
	up->path = LAKE_UPSERT_BLIND;

	/* (ri_returningList is set only after BeginForeignModify) */
	if (plan->returningLists != NIL)
	{
		up->path = LAKE_UPSERT_LOOKUP;
		up->why = "RETURNING";
		return;
	}

	/*
	 * With a sequence_column, versions fold in sequence order, not commit
	 * order: an OPS record would apply its ops to whichever versions sort
	 * before it at read time, and a compaction of older commits (which
	 * folds them into one full row) would change what it applies to, so
	 * the table's content would change with its layout.  The lookup path
	 * writes the executor's full row, which merges as any other version.
	 */
	if (LakeXactMergeConfig(xt) != NULL && LakeXactMergeConfig(xt)->sequence_col >= 0)
	{
		up->path = LAKE_UPSERT_LOOKUP;
		up->why = "the sequence_column";
		return;
	}
	if (up->action == ONCONFLICT_NOTHING)
		return;
	if (plan->onConflictWhere != NULL)
	{
		up->path = LAKE_UPSERT_LOOKUP;
		up->why = "a WHERE clause on DO UPDATE";
		return;
	}
	forboth(lc, plan->onConflictSet, lcol, plan->onConflictCols)
	{
		TargetEntry *tle = lfirst(lc);
		AttrNumber	att = (AttrNumber) lfirst_int(lcol);
		Form_pg_attribute attr = TupleDescAttr(desc, att - 1);
		int			col = -1;
		char		op;

		if (tle->resjunk)
			continue;
		for (int i = 0; i < spec->ncolumns; i++)
			if (strcmp(spec->names[i], NameStr(attr->attname)) == 0)
				col = i;
		if (col < 0)
			continue;			/* not a lake column: nothing stored */
		op = classify_assignment((Node *) tle->expr, att, &spec->types[col],
								 attr->attcollation);
		if (op == 0)
		{
			up->path = LAKE_UPSERT_LOOKUP;
			up->why = psprintf("the assignment to \"%s\"", NameStr(attr->attname));
			return;
		}
		if (up->ops[spec->column_ids[col]] == LAKE_OP_NONE)
		{
			/* a key column may only be set to itself */
			if (op != LAKE_OP_REPLACE && op != LAKE_OP_KEEP)
			{
				up->path = LAKE_UPSERT_LOOKUP;
				up->why = psprintf("the assignment to key column \"%s\"", NameStr(attr->attname));
				return;
			}
			continue;
		}
		up->ops[spec->column_ids[col]] = op;
	}
	up->full_row = assigns_full_row(xt, up);
}

/*
 * Does a blind DO UPDATE replace every non-key column with EXCLUDED's
 * value?  Then its record is a full row: a SET record (no ops) merges as
 * the OPS record would, whatever the merge engine (explicit ops override
 * it, and SET replaces the whole row; onto an absent key both insert
 * their values).  (A table with a sequence_column never gets here: its
 * upserts take the lookup path, see LakeUpsertClassify.)
 */
static bool
assigns_full_row(LakeXactTable *xt, const LakeUpsertPlan *up)
{
	const LakeFlushSpec *spec = LakeXactFlushSpec(xt);
	const LakeMergeConfig *merge = LakeXactMergeConfig(xt);
	bool		any = false;

	if (up->action != ONCONFLICT_UPDATE || up->path != LAKE_UPSERT_BLIND ||
		merge == NULL || merge->sequence_col >= 0)
		return false;
	for (int i = 0; i < spec->ncolumns; i++)
	{
		char		op = up->ops[spec->column_ids[i]];

		if (op == LAKE_OP_NONE)
			continue;			/* a key column */
		if (op != LAKE_OP_REPLACE)
			return false;
		any = true;
	}
	return any;
}

/* "clicks = add, region = replace" for EXPLAIN */
char *
LakeUpsertDescribe(LakeXactTable *xt, const LakeUpsertPlan *up)
{
	const LakeFlushSpec *spec = LakeXactFlushSpec(xt);
	StringInfoData s;

	initStringInfo(&s);
	for (int i = 0; i < spec->ncolumns; i++)
	{
		char		op = up->ops[spec->column_ids[i]];

		if (op == LAKE_OP_NONE || op == LAKE_OP_KEEP)
			continue;
		appendStringInfo(&s, "%s%s = %s", s.len ? ", " : "", spec->names[i],
						 LakeMergeOpName(op));
	}
	if (s.len == 0)
		appendStringInfoString(&s, "keep existing");
	return s.data;
}
