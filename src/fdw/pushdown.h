/*-------------------------------------------------------------------------
 * pushdown.h
 *	  Quals on a lake table -> scan predicate (pushdown.c), and the costs
 *	  and parameterized paths that pruning makes possible (scan_exec.c).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_FDW_PUSHDOWN_H
#define LAKE_FDW_PUSHDOWN_H

#include "postgres.h"
#include "mergetree/lake_types.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "scan/predicate.h"

/* setting lake_fdw.enable_pruning */
extern bool lake_enable_pruning;

/* setting lake_fdw.enable_scan_filter */
extern bool lake_enable_scan_filter;

/*
 * The quals a scan of relation relid evaluates itself, on each batch
 * before its rows are built (bare Exprs): the longest prefix of the
 * ordered, non-pseudoconstant clauses that is free of volatile functions,
 * subplans and whole-row or system columns of relid.  The remaining
 * clauses go to *rest, in order, for PostgreSQL.  A prefix keeps the
 * order PostgreSQL would evaluate them in, row by row.
 */
extern List *LakeFilterClauses(List *restrictinfos, Index relid, List **rest);

/* Can (part of) clause, on relation relid, be evaluated on metadata? */
extern bool LakePushableClause(Expr *clause, Index relid);

/* The clauses of a RestrictInfo list that can be pushed (bare Exprs). */
extern List *LakePushableClauses(List *restrictinfos, Index relid);

typedef struct LakePushdown LakePushdown;

/*
 * Planner side, for the plan (fdw_private): which column, operator and
 * value each pushed clause compares, as an integer list.  Done once per
 * plan, so the executions of a cached plan skip the operator and
 * volatility lookups.
 */
extern List *LakePushdownTemplate(List *clauses, Index relid);

/*
 * Executor side: prepare the pushed clauses (their value sides become
 * ExprStates of ps).  tmpl: the plan's LakePushdownTemplate of clauses,
 * or NIL to classify them here.  att_to_lake maps attribute number - 1 to
 * the lake column (or -1); types are the lake columns' types.
 */
extern LakePushdown *LakePushdownInit(List *clauses, List *tmpl, Index relid,
									  const int *att_to_lake, int natts,
									  const LakeTypeInfo *types, PlanState *ps);

/* Evaluate the value sides now and build the predicate in cxt. */
extern LakePredicate *LakePushdownEval(LakePushdown *pd, ExprContext *econtext,
									   MemoryContext cxt);

/*
 * Planner side: the predicate as far as it is known at planning time
 * (constants, stable expressions estimated now, bound parameters); the
 * rest is TRUE.  For estimates only.
 */
extern LakePredicate *LakePushdownPlanPredicate(PlannerInfo *root, List *clauses,
												Index relid, const int *att_to_lake,
												int natts, const LakeTypeInfo *types);

/* Does the predicate depend on values (so a rescan may change it)? */
extern bool LakePushdownHasValues(LakePushdown *pd);

#endif							/* LAKE_FDW_PUSHDOWN_H */
