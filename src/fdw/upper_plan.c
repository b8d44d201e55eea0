/*-------------------------------------------------------------------------
 * upper_plan.c
 *	  Aggregate pushdown: planning GROUP BY aggregation inside a lake scan.
 *
 * GetForeignUpperPaths offers, for the UPPERREL_GROUP_AGG stage over one
 * lake table, a foreign path that returns one row per group, computed by
 * the scan layer over column vectors (scan/aggregate.c).  It applies when
 * there is no HAVING and no grouping set, every grouping expression is a
 * plain column of a type whose equality is byte equality, and every
 * aggregate is count(*), or count/sum/avg/min/max of a plain column of a
 * supported type, without DISTINCT, ORDER BY or FILTER.  The plan
 * (scan_relid 0) carries the grouping columns and Aggrefs as its
 * fdw_scan_tlist, as postgres_fdw's aggregate pushdown does; expressions
 * over them (sum(x) + 1, ORDER BY) stay with PostgreSQL above the scan.
 *
 * WHERE conditions on the table are evaluated inside the aggregating scan
 * when every one of them can be: the scan's row filter (pushdown.c,
 * LakeFilterClauses: no volatile function, subquery, whole-row or system
 * column; no pseudoconstant clause, which PostgreSQL would gate the plan
 * with), in the order PostgreSQL would evaluate them; those that can also
 * prune partitions, files, row groups and pages are pushed as the plain
 * scan pushes them.  The aggregate then sees only the rows that pass.  A
 * plan of scan_relid 0 has its expressions rewritten against its scan
 * tlist by setrefs, which holds no base columns: the conditions travel in
 * fdw_private (base-relation Vars, their range table index alongside),
 * and the Params they hold in fdw_exprs, so that setrefs and the executor
 * see which parameters the plan depends on (rescans when they change).
 * Otherwise, a WHERE the scan cannot evaluate whole leaves the
 * aggregation to PostgreSQL.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "catalog/namespace.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "fdw/fdw.h"
#include "fdw/pushdown.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "scan/aggregate.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/pg_locale.h"
#include "utils/selfuncs.h"

bool		lake_enable_aggregate_pushdown = true;

/* What the grouped rel's fdw_private holds once the path is offered. */
typedef struct LakeUpperInfo
{
	List	   *scan_tlist;		/* grouping Vars and Aggrefs */
	List	   *kinds;			/* per scan_tlist entry: LakeAggKind */
	List	   *attnos;			/* per entry: column, 0 for count(*) */
	char	   *description;	/* for EXPLAIN */
	List	   *filter;			/* WHERE as bare Exprs, in evaluation order */
	List	   *pushed;			/* those also evaluated on metadata */
	Index		relid;			/* the table's range table index */
} LakeUpperInfo;

static const char *const kind_names[] = {
	"", "count", "count", "sum", "avg", "min", "max"
};

/* The column a grouping expression or an aggregate argument names, or NULL. */
static Var *
plain_column(Node *expr, Index relid, bool allow_relabel)
{
	if (allow_relabel && IsA(expr, RelabelType) &&
		((RelabelType *) expr)->resulttype == exprType((Node *) ((RelabelType *) expr)->arg))
		expr = (Node *) ((RelabelType *) expr)->arg;
	if (!IsA(expr, Var))
		return NULL;
	if (((Var *) expr)->varno != relid || ((Var *) expr)->varlevelsup != 0 ||
		((Var *) expr)->varattno <= 0)
		return NULL;
	return (Var *) expr;
}

static bool
column_type(Var *var, LakeTypeInfo *ti)
{
	const char *why;
	const char *hint;

	return LakeTypeFromPg(var->vartype, var->vartypmod, ti, &why, &hint);
}

/* PostgreSQL's result type of kind over an argument of type argtype */
static Oid
expected_result_type(LakeAggKind kind, Oid argtype)
{
	switch (kind)
	{
		case LAKE_AGG_COUNT_STAR:
		case LAKE_AGG_COUNT:
			return INT8OID;
		case LAKE_AGG_SUM:
			if (argtype == INT2OID || argtype == INT4OID)
				return INT8OID;
			if (argtype == INT8OID || argtype == NUMERICOID)
				return NUMERICOID;
			return argtype;		/* float4, float8 */
		case LAKE_AGG_AVG:
			if (argtype == FLOAT4OID || argtype == FLOAT8OID)
				return FLOAT8OID;
			return NUMERICOID;
		default:
			return argtype;
	}
}

/*
 * Can the Aggref be computed in the scan?  Sets *kind and *attno (0 for
 * count(*)).
 */
static bool
aggref_pushable(Aggref *agg, Index relid, LakeAggKind *kind, AttrNumber *attno)
{
	char	   *name;
	Var		   *var;
	LakeTypeInfo ti;

	if (agg->aggorder != NIL || agg->aggdistinct != NIL || agg->aggfilter != NULL ||
		agg->aggvariadic || agg->aggkind != AGGKIND_NORMAL || agg->agglevelsup != 0 ||
		agg->aggsplit != AGGSPLIT_SIMPLE || agg->aggdirectargs != NIL)
		return false;
	if (get_func_namespace(agg->aggfnoid) != PG_CATALOG_NAMESPACE)
		return false;
	name = get_func_name(agg->aggfnoid);
	if (name == NULL)
		return false;
	if (strcmp(name, "count") == 0)
		*kind = agg->aggstar ? LAKE_AGG_COUNT_STAR : LAKE_AGG_COUNT;
	else if (strcmp(name, "sum") == 0)
		*kind = LAKE_AGG_SUM;
	else if (strcmp(name, "avg") == 0)
		*kind = LAKE_AGG_AVG;
	else if (strcmp(name, "min") == 0)
		*kind = LAKE_AGG_MIN;
	else if (strcmp(name, "max") == 0)
		*kind = LAKE_AGG_MAX;
	else
		return false;

	if (*kind == LAKE_AGG_COUNT_STAR)
	{
		*attno = 0;
		return agg->args == NIL && agg->aggtype == INT8OID;
	}
	if (list_length(agg->args) != 1)
		return false;
	var = plain_column((Node *) ((TargetEntry *) linitial(agg->args))->expr, relid,
					   *kind == LAKE_AGG_MIN || *kind == LAKE_AGG_MAX);
	if (var == NULL || !column_type(var, &ti) || !LakeAggregateSupports(*kind, &ti))
		return false;
	if (agg->aggtype != expected_result_type(*kind, var->vartype))
		return false;
	/* text orders by its collation: only C's order is byte order */
	if ((*kind == LAKE_AGG_MIN || *kind == LAKE_AGG_MAX) && ti.pqtype == PQ_STRING &&
		!lc_collate_is_c(agg->inputcollid))
		return false;
	*attno = var->varattno;
	return true;
}

static void
describe(StringInfo buf, LakeAggKind kind, Oid relid, AttrNumber attno)
{
	if (kind == LAKE_AGG_COUNT_STAR)
		appendStringInfoString(buf, "count(*)");
	else if (kind == LAKE_AGG_GROUP)
		appendStringInfoString(buf, quote_identifier(get_attname(relid, attno, false)));
	else
		appendStringInfo(buf, "%s(%s)", kind_names[kind],
						 quote_identifier(get_attname(relid, attno, false)));
}

/*
 * Check the grouping and build the scan tlist; NULL when the aggregation
 * cannot be pushed down.
 */
static LakeUpperInfo *
grouping_pushable(PlannerInfo *root, RelOptInfo *input_rel, PathTarget *target)
{
	Query	   *parse = root->parse;
	Index		relid = input_rel->relid;
	Oid			reloid = planner_rt_fetch(relid, root)->relid;
	LakeUpperInfo *info = palloc0(sizeof(LakeUpperInfo));
	StringInfoData groups;
	StringInfoData aggs;
	ListCell   *lc;
	int			i = 0;

	initStringInfo(&groups);
	initStringInfo(&aggs);

	/* grouping columns first */
	foreach(lc, target->exprs)
	{
		Expr	   *expr = lfirst(lc);
		Index		sgref = get_pathtarget_sortgroupref(target, i++);
		Var		   *var;
		LakeTypeInfo ti;
		TargetEntry *tle;

		if (sgref == 0 || get_sortgroupref_clause_noerr(sgref, parse->groupClause) == NULL)
			continue;
		var = plain_column((Node *) expr, relid, false);
		if (var == NULL || !column_type(var, &ti) ||
			!LakeAggregateSupports(LAKE_AGG_GROUP, &ti))
			return NULL;
		if (ti.pqtype == PQ_STRING && OidIsValid(var->varcollid) &&
			!get_collation_isdeterministic(var->varcollid))
			return NULL;
		tle = makeTargetEntry((Expr *) copyObject(var), list_length(info->scan_tlist) + 1,
							  NULL, false);
		tle->ressortgroupref = sgref;
		info->scan_tlist = lappend(info->scan_tlist, tle);
		info->kinds = lappend_int(info->kinds, LAKE_AGG_GROUP);
		info->attnos = lappend_int(info->attnos, var->varattno);
		if (groups.len > 0)
			appendStringInfoString(&groups, ", ");
		describe(&groups, LAKE_AGG_GROUP, reloid, var->varattno);
	}
	/* every GROUP BY item must be one of them */
	foreach(lc, parse->groupClause)
	{
		SortGroupClause *sgc = lfirst(lc);
		bool		found = false;
		ListCell   *lc2;

		foreach(lc2, info->scan_tlist)
			if (((TargetEntry *) lfirst(lc2))->ressortgroupref == sgc->tleSortGroupRef)
				found = true;
		if (!found)
			return NULL;
	}

	/* then the aggregates the other expressions are computed from */
	i = 0;
	foreach(lc, target->exprs)
	{
		Expr	   *expr = lfirst(lc);
		Index		sgref = get_pathtarget_sortgroupref(target, i++);
		List	   *parts;
		ListCell   *lc2;

		if (sgref != 0 && get_sortgroupref_clause_noerr(sgref, parse->groupClause) != NULL)
			continue;
		parts = pull_var_clause((Node *) expr,
								PVC_INCLUDE_AGGREGATES | PVC_INCLUDE_WINDOWFUNCS |
								PVC_INCLUDE_PLACEHOLDERS);
		foreach(lc2, parts)
		{
			Node	   *part = lfirst(lc2);
			LakeAggKind kind;
			AttrNumber	attno;

			if (IsA(part, Var))
			{
				/* a grouping column inside an expression: computed above */
				if (tlist_member((Expr *) part, info->scan_tlist) == NULL)
					return NULL;
				continue;
			}
			if (!IsA(part, Aggref) ||
				!aggref_pushable((Aggref *) part, relid, &kind, &attno))
				return NULL;
			if (tlist_member((Expr *) part, info->scan_tlist) != NULL)
				continue;
			info->scan_tlist = lappend(info->scan_tlist,
									   makeTargetEntry((Expr *) copyObject(part),
													   list_length(info->scan_tlist) + 1,
													   NULL, false));
			info->kinds = lappend_int(info->kinds, kind);
			info->attnos = lappend_int(info->attnos, attno);
			if (aggs.len > 0)
				appendStringInfoString(&aggs, ", ");
			describe(&aggs, kind, reloid, attno);
		}
	}

	if (groups.len > 0)
		info->description = psprintf("GROUP BY %s; %s", groups.data,
									 aggs.len > 0 ? aggs.data : "no aggregates");
	else
		info->description = pstrdup(aggs.len > 0 ? aggs.data : "no aggregates");
	return info;
}

/*
 * The restriction clauses in the order PostgreSQL's createplan.c would
 * evaluate them: by security level, then by per-row cost, stably.
 */
static List *
order_quals(PlannerInfo *root, List *rinfos)
{
	int			n = list_length(rinfos);
	RestrictInfo **items = palloc(sizeof(RestrictInfo *) * Max(n, 1));
	Cost	   *costs = palloc(sizeof(Cost) * Max(n, 1));
	List	   *out = NIL;
	int			i = 0;
	ListCell   *lc;

	foreach(lc, rinfos)
	{
		RestrictInfo *ri = lfirst(lc);
		QualCost	qcost;
		int			j = i++;

		cost_qual_eval_node(&qcost, (Node *) ri, root);
		/* insertion sort: keeps the order of equals */
		while (j > 0 &&
			   (items[j - 1]->security_level > ri->security_level ||
				(items[j - 1]->security_level == ri->security_level &&
				 costs[j - 1] > qcost.per_tuple)))
		{
			items[j] = items[j - 1];
			costs[j] = costs[j - 1];
			j--;
		}
		items[j] = ri;
		costs[j] = qcost.per_tuple;
	}
	for (i = 0; i < n; i++)
		out = lappend(out, items[i]);
	return out;
}

/*
 * Can the scan evaluate every WHERE condition of rel itself?  Sets
 * info->filter (all of them, in evaluation order) and info->pushed (those
 * that also prune).
 */
static bool
where_pushable(PlannerInfo *root, RelOptInfo *rel, LakeUpperInfo *info)
{
	List	   *ordered;
	List	   *rest;
	ListCell   *lc;

	info->filter = info->pushed = NIL;
	info->relid = rel->relid;
	if (rel->baserestrictinfo == NIL)
		return true;
	foreach(lc, rel->baserestrictinfo)
		if (((RestrictInfo *) lfirst(lc))->pseudoconstant)
			return false;
	ordered = order_quals(root, rel->baserestrictinfo);
	info->filter = LakeFilterClauses(ordered, rel->relid, &rest);
	if (rest != NIL || info->filter == NIL)
		return false;
	if (lake_enable_pruning)
		info->pushed = LakePushableClauses(ordered, rel->relid);
	return true;
}

/* pull_params: every Param of an expression tree, once */
static bool
pull_params_walker(Node *node, List **params)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param))
	{
		if (!list_member(*params, node))
			*params = lappend(*params, copyObject(node));
		return false;
	}
	return expression_tree_walker(node, pull_params_walker, (void *) params);
}

/* record_functions: the plan depends on the functions the quals call */
static bool
record_function(Oid funcid, void *context)
{
	record_plan_function_dependency((PlannerInfo *) context, funcid);
	return false;
}

static bool
record_functions_walker(Node *node, PlannerInfo *root)
{
	if (node == NULL)
		return false;
	(void) check_functions_in_node(node, record_function, root);
	return expression_tree_walker(node, record_functions_walker, (void *) root);
}

void
lakeGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
						 RelOptInfo *input_rel, RelOptInfo *output_rel, void *extra)
{
	Query	   *parse = root->parse;
	GroupPathExtraData *gextra = extra;
	LakeUpperInfo *info;
	Path	   *base;
	List	   *group_exprs;
	double		ngroups;
	double		tuples;
	double		entry_bytes;
	Cost		startup;
	Cost		total;
	ListCell   *lc;

	if (stage != UPPERREL_GROUP_AGG || !lake_enable_aggregate_pushdown)
		return;
	if (output_rel->fdw_private != NULL)
		return;
	if (input_rel->reloptkind != RELOPT_BASEREL || input_rel->rtekind != RTE_RELATION ||
		input_rel->fdw_private == NULL || input_rel->cheapest_total_path == NULL)
		return;
	if (LakeRelIsChangelog(planner_rt_fetch(input_rel->relid, root)->relid))
		return;
	if (gextra->patype != PARTITIONWISE_AGGREGATE_NONE || gextra->havingQual != NULL ||
		parse->havingQual != NULL || parse->groupingSets != NIL ||
		parse->groupDistinct)
		return;
	if (!bms_is_empty(input_rel->lateral_relids))
		return;

	info = grouping_pushable(root, input_rel, output_rel->reltarget);
	if (info == NULL)
		return;
	/* the scan must evaluate the whole WHERE, or PostgreSQL aggregates */
	if (!where_pushable(root, input_rel, info))
		return;

	/*
	 * The groups are held in memory without spilling: leave large
	 * groupings to PostgreSQL's HashAggregate, which spills.
	 */
	tuples = Max(input_rel->rows, 1);	/* after the WHERE */
	group_exprs = get_sortgrouplist_exprs(parse->groupClause, info->scan_tlist);
	ngroups = group_exprs ? estimate_num_groups(root, group_exprs, tuples, NULL, NULL) : 1;
	entry_bytes = 64 + 32.0 * list_length(info->scan_tlist) +
		input_rel->reltarget->width;
	if (ngroups * entry_bytes > (double) get_hash_memory_limit())
		return;

	/*
	 * The scan's bytes and filter as the plain scan costs them, then a
	 * fraction of an operator per value aggregated (a vectorized loop), no
	 * tuple per row passing the WHERE.
	 * Half the scan's startup too, so that on tiny tables the path stays
	 * clearly cheaper than a sorted local aggregate (add_path's fuzz would
	 * otherwise prefer the latter's pathkeys).
	 */
	base = input_rel->cheapest_total_path;
	startup = 0.5 * base->startup_cost +
		Max(base->total_cost - base->startup_cost - cpu_tuple_cost * tuples, 0) +
		0.1 * cpu_operator_cost * tuples * list_length(info->scan_tlist);
	total = startup + cpu_tuple_cost * ngroups;

	/*
	 * PostgreSQL's own grouping paths, already in output_rel, aggregate the
	 * rows of a scan of the same table with the same conditions: this path
	 * does that scan's work less a tuple per row that passes and the
	 * aggregate's per-tuple calls.  Where the WHERE is estimated to keep
	 * few rows, that saving is lost in add_path's fuzz and a sorted
	 * GroupAggregate would win on its pathkeys; the estimate is often that
	 * low only because conditions on several columns multiply (ClickBench),
	 * so the path is kept clearly below them.
	 */
	foreach(lc, output_rel->pathlist)
	{
		Path	   *local = lfirst(lc);

		if (local->param_info == NULL && total > 0.9 * local->total_cost)
		{
			total = 0.9 * local->total_cost;
			startup = Min(startup, total);
		}
	}

	output_rel->fdw_private = info;
	add_path(output_rel, (Path *)
			 create_foreign_upper_path(root, output_rel, output_rel->reltarget,
									   ngroups, startup, total, NIL, NULL, NIL));
}

ForeignScan *
LakeGetForeignUpperPlan(PlannerInfo *root, RelOptInfo *rel, List *tlist, Plan *outer_plan)
{
	LakeUpperInfo *info = rel->fdw_private;
	List	   *attnums = NIL;
	List	   *filter_attnums = NIL;
	List	   *params = NIL;
	List	   *fdw_private;
	Bitmapset  *filter_attrs = NULL;
	Index		relid = info->relid;
	int			x = -1;
	ListCell   *lc;

	/* the columns to read: every one named, once, in order */
	foreach(lc, info->attnos)
		if (lfirst_int(lc) > 0)
			attnums = list_append_unique_int(attnums, lfirst_int(lc));
	/* and those the WHERE reads */
	pull_varattnos((Node *) info->filter, relid, &filter_attrs);
	while ((x = bms_next_member(filter_attrs, x)) >= 0)
	{
		AttrNumber	att = x + FirstLowInvalidHeapAttributeNumber;

		filter_attnums = lappend_int(filter_attnums, att);
		attnums = list_append_unique_int(attnums, att);
	}
	list_sort(attnums, list_int_cmp);
	(void) pull_params_walker((Node *) info->filter, &params);
	(void) record_functions_walker((Node *) info->filter, root);

	/*
	 * same shape as a plain scan's, then the aggregation, then the WHERE:
	 * the row filter, the pushed clauses, their template, the attributes
	 * the filter reads, and the range table index their Vars carry
	 */
	fdw_private = list_make5(makeBoolean(false), attnums, info->kinds, info->attnos,
							 makeString(info->description));
	fdw_private = lappend(fdw_private, info->filter);
	fdw_private = lappend(fdw_private, info->pushed);
	fdw_private = lappend(fdw_private, LakePushdownTemplate(info->pushed, relid));
	fdw_private = lappend(fdw_private, filter_attnums);
	fdw_private = lappend(fdw_private, makeInteger((int) relid));
	return make_foreignscan(tlist, NIL, 0, params, fdw_private, info->scan_tlist, NIL,
							outer_plan);
}
