/*-------------------------------------------------------------------------
 * topn_plan.c
 *	  Planning ORDER BY ... LIMIT inside a lake scan (top-N pushdown).
 *
 * GetForeignUpperPaths offers, at the UPPERREL_FINAL stage of a query over
 * one lake table, a foreign path that returns the query's first LIMIT
 * rows after OFFSET in ORDER BY order: the scan keeps the best LIMIT +
 * OFFSET sort keys while it reads (topn_exec.c), decodes the other columns
 * only of rows that enter them, sorts what it kept with PostgreSQL's
 * bounded tuplesort and applies OFFSET and LIMIT itself, so the plan has
 * neither Sort nor Limit node (as postgres_fdw's final paths).  It applies
 * when:
 *   - the query is a SELECT of one lake table (snapshot or read-optimized
 *     scan, no changelog), with no grouping, aggregate, window function,
 *     DISTINCT, set operation, set-returning function, locking clause or
 *     subquery in its output, and no whole-row or system column;
 *   - there is a LIMIT (a constant, a parameter or any stable expression
 *     without subqueries; not WITH TIES), OFFSET optional;
 *   - every ORDER BY item is a plain column of the table sorted by a btree
 *     ordering operator (ASC/DESC, NULLS FIRST/LAST, any collation);
 *   - the scan evaluates the whole WHERE itself (upper_plan.c,
 *     LakeUpperWhere), so that every row it keeps passes it.
 * Otherwise PostgreSQL sorts and limits the scan's rows as before.
 *
 * The plan has scan_relid 0 and the table's columns it returns as its
 * fdw_scan_tlist; fdw_private has the shape of an aggregate plan's
 * (upper_plan.c: columns, WHERE, its pushed part) plus a list describing
 * the sort (topn.h); fdw_exprs holds the LIMIT and OFFSET expressions and
 * then the WHERE's Params.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "access/sysattr.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "fdw/fdw.h"
#include "fdw/pushdown.h"
#include "fdw/topn.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#define TOPN_PATH_MARKER "lake top-n"

/* The plain column of relid an ORDER BY or output expression is, or NULL. */
static Var *
relid_column(Node *expr, Index relid)
{
	while (expr && IsA(expr, RelabelType))
		expr = (Node *) ((RelabelType *) expr)->arg;
	if (expr == NULL || !IsA(expr, Var))
		return NULL;
	if (((Var *) expr)->varno != relid || ((Var *) expr)->varlevelsup != 0 ||
		((Var *) expr)->varattno <= 0)
		return NULL;
	return (Var *) expr;
}

/* Add var to the scan tlist unless there; its 0-based position. */
static int
scan_tlist_add(List **tlist, Var *var)
{
	ListCell   *lc;
	int			i = 0;

	foreach(lc, *tlist)
	{
		Var		   *v = (Var *) ((TargetEntry *) lfirst(lc))->expr;

		if (v->varattno == var->varattno)
			return i;
		i++;
	}
	*tlist = lappend(*tlist, makeTargetEntry((Expr *) makeVar(var->varno, var->varattno,
															   var->vartype, var->vartypmod,
															   var->varcollid, 0),
											 i + 1, NULL, false));
	return i;
}

/* May a LIMIT or OFFSET expression be evaluated once at scan start? */
static bool
limit_expr_ok(Node *expr)
{
	if (expr == NULL)
		return true;
	return !contain_var_clause(expr) && !contain_volatile_functions(expr) &&
		!contain_subplans(expr) && !contain_agg_clause(expr);
}

void
LakeTopNUpperPaths(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *output_rel,
				   FinalPathExtraData *extra)
{
	Query	   *parse = root->parse;
	PathTarget *target = root->upper_targets[UPPERREL_FINAL];
	Index		relid;
	RelOptInfo *rel;
	RangeTblEntry *rte;
	List	   *filter;
	List	   *pushed;
	List	   *scan_tlist = NIL;
	List	   *vars;
	List	   *sort_pos = NIL;
	List	   *sort_ops = NIL;
	List	   *sort_colls = NIL;
	List	   *nulls_first = NIL;
	StringInfoData desc;
	ListCell   *lc;
	Path	   *base;
	double		rows;
	Cost		startup;
	Cost		total;
	List	   *fdw_private;

	if (!lake_enable_topn_pushdown || extra == NULL || !extra->limit_needed)
		return;
	if (parse->commandType != CMD_SELECT || parse->sortClause == NIL ||
		parse->limitCount == NULL || parse->limitOption != LIMIT_OPTION_COUNT)
		return;
	if (parse->hasAggs || parse->groupClause != NIL || parse->groupingSets != NIL ||
		parse->havingQual != NULL || parse->hasWindowFuncs || parse->distinctClause != NIL ||
		parse->hasTargetSRFs || parse->rowMarks != NIL || parse->setOperations != NULL ||
		root->hasHavingQual)
		return;
	if (input_rel->reloptkind != RELOPT_UPPER_REL || target == NULL)
		return;
	if (bms_membership(root->all_baserels) != BMS_SINGLETON)
		return;
	relid = bms_singleton_member(root->all_baserels);
	rel = find_base_rel(root, relid);
	rte = planner_rt_fetch(relid, root);
	if (rel->reloptkind != RELOPT_BASEREL || rel->rtekind != RTE_RELATION ||
		rte->relkind != RELKIND_FOREIGN_TABLE || rte->inh ||
		rel->fdw_private == NULL || rel->cheapest_total_path == NULL ||
		!OidIsValid(rel->serverid) || !LakeIsLakeServer(rel->serverid))
		return;
	if (LakeRelIsChangelog(rte->relid) || !bms_is_empty(rel->lateral_relids))
		return;
	if (!limit_expr_ok(parse->limitCount) || !limit_expr_ok(parse->limitOffset))
		return;

	/* the output: plain columns of the table and expressions over them */
	if (contain_subplans((Node *) target->exprs))
		return;
	vars = pull_var_clause((Node *) target->exprs, PVC_RECURSE_PLACEHOLDERS);
	foreach(lc, vars)
	{
		Var		   *v = relid_column(lfirst(lc), relid);

		if (v == NULL)
			return;
		(void) scan_tlist_add(&scan_tlist, v);
	}

	/* the sort: plain columns, btree ordering operators */
	initStringInfo(&desc);
	appendStringInfoString(&desc, "ORDER BY ");
	foreach(lc, parse->sortClause)
	{
		SortGroupClause *sgc = lfirst(lc);
		TargetEntry *tle = get_sortgroupclause_tle(sgc, root->processed_tlist);
		Var		   *v = relid_column((Node *) tle->expr, relid);
		Oid			opfamily;
		Oid			opcintype;
		int16		strategy;
		TypeCacheEntry *tce;

		if (v == NULL || !OidIsValid(sgc->sortop) ||
			!get_ordering_op_properties(sgc->sortop, &opfamily, &opcintype, &strategy))
			return;
		sort_pos = lappend_int(sort_pos, scan_tlist_add(&scan_tlist, v));
		sort_ops = lappend_oid(sort_ops, sgc->sortop);
		sort_colls = lappend_oid(sort_colls, exprCollation((Node *) tle->expr));
		nulls_first = lappend_int(nulls_first, sgc->nulls_first);
		if (desc.len > strlen("ORDER BY "))
			appendStringInfoString(&desc, ", ");
		appendStringInfoString(&desc,
							   quote_identifier(get_attname(rte->relid, v->varattno, false)));
		tce = lookup_type_cache(v->vartype, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);
		if (sgc->sortop == tce->gt_opr)
			appendStringInfoString(&desc, " DESC");
		else if (sgc->sortop != tce->lt_opr)
			appendStringInfo(&desc, " USING %s", get_opname(sgc->sortop));
		if (strategy == BTLessStrategyNumber && sgc->nulls_first)
			appendStringInfoString(&desc, " NULLS FIRST");
		else if (strategy == BTGreaterStrategyNumber && !sgc->nulls_first)
			appendStringInfoString(&desc, " NULLS LAST");
	}

	/* the scan must evaluate the whole WHERE */
	if (!LakeUpperWhere(root, rel, &filter, &pushed))
		return;

	/*
	 * Cost: the plain scan's, less the tuples it would hand over and about
	 * half its decoding (the columns outside sort and WHERE are decoded
	 * at the rows kept only), then a tuple per row returned.  PostgreSQL's
	 * own final paths (Limit over Sort over the scan) do all of that plus
	 * the sort: the path is kept below them.
	 */
	base = rel->cheapest_total_path;
	rows = extra->count_est > 0 ? Min((double) extra->count_est, rel->rows) : rel->rows;
	rows = clamp_row_est(rows);
	startup = base->startup_cost +
		0.5 * Max(base->total_cost - base->startup_cost - cpu_tuple_cost * rel->rows, 0);
	total = startup + cpu_tuple_cost * rows;
	foreach(lc, output_rel->pathlist)
	{
		Path	   *local = lfirst(lc);

		if (local->param_info == NULL && total > 0.9 * local->total_cost)
		{
			total = 0.9 * local->total_cost;
			startup = Min(startup, total);
		}
	}

	fdw_private = list_make5(makeString(TOPN_PATH_MARKER), scan_tlist, filter, pushed,
							 makeInteger((int) relid));
	fdw_private = lappend(fdw_private,
						  list_make5(sort_pos, sort_ops, sort_colls, nulls_first,
									 makeString(desc.data)));
	add_path(output_rel, (Path *)
			 create_foreign_upper_path(root, input_rel, target, rows, startup, total,
									   root->sort_pathkeys, NULL, fdw_private));
}

bool
LakeTopNIsPath(ForeignPath *path)
{
	return path->fdw_private != NIL && IsA(linitial(path->fdw_private), String) &&
		strcmp(strVal(linitial(path->fdw_private)), TOPN_PATH_MARKER) == 0;
}

ForeignScan *
LakeTopNGetPlan(PlannerInfo *root, ForeignPath *path, List *tlist, Plan *outer_plan)
{
	Query	   *parse = root->parse;
	List	   *scan_tlist = lsecond(path->fdw_private);
	List	   *filter = lthird(path->fdw_private);
	List	   *pushed = lfourth(path->fdw_private);
	Index		relid = (Index) intVal(list_nth(path->fdw_private, 4));
	List	   *sort = list_nth(path->fdw_private, 5);
	List	   *attnums = NIL;
	List	   *attnos = NIL;
	List	   *filter_attnums = NIL;
	List	   *fdw_exprs;
	List	   *fdw_private;
	Bitmapset  *filter_attrs = NULL;
	Node	   *count;
	Node	   *offset;
	int			x = -1;
	ListCell   *lc;

	foreach(lc, scan_tlist)
	{
		Var		   *v = (Var *) ((TargetEntry *) lfirst(lc))->expr;

		attnos = lappend_int(attnos, v->varattno);
		attnums = list_append_unique_int(attnums, v->varattno);
	}
	pull_varattnos((Node *) filter, relid, &filter_attrs);
	while ((x = bms_next_member(filter_attrs, x)) >= 0)
	{
		AttrNumber	att = x + FirstLowInvalidHeapAttributeNumber;

		filter_attnums = lappend_int(filter_attnums, att);
		attnums = list_append_unique_int(attnums, att);
	}
	list_sort(attnums, list_int_cmp);

	/* LIMIT and OFFSET, evaluated at scan start; then the WHERE's Params */
	count = copyObject(parse->limitCount);
	offset = parse->limitOffset ? copyObject(parse->limitOffset) :
		(Node *) makeNullConst(INT8OID, -1, InvalidOid);
	fdw_exprs = list_make2(count, offset);
	fdw_exprs = list_concat(fdw_exprs, LakeUpperQualParams(root, filter));

	/* the aggregate plan's shape (scan_exec.c), then the sort */
	fdw_private = list_make5(makeBoolean(false), attnums, NIL, attnos, makeString(""));
	fdw_private = lappend(fdw_private, filter);
	fdw_private = lappend(fdw_private, pushed);
	fdw_private = lappend(fdw_private, LakePushdownTemplate(pushed, relid));
	fdw_private = lappend(fdw_private, filter_attnums);
	fdw_private = lappend(fdw_private, makeInteger((int) relid));
	fdw_private = lappend(fdw_private, sort);
	return make_foreignscan(tlist, NIL, 0, fdw_exprs, fdw_private, scan_tlist, NIL,
							outer_plan);
}
