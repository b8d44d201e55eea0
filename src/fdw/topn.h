/*-------------------------------------------------------------------------
 * topn.h
 *	  ORDER BY ... LIMIT inside a lake scan: planning (topn_plan.c) and the
 *	  bounded set of best sort keys the scan's row filter keeps, with the
 *	  statistics bound it derives (topn_exec.c).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_FDW_TOPN_H
#define LAKE_FDW_TOPN_H

#include "postgres.h"
#include "foreign/fdwapi.h"
#include "mergetree/lake_types.h"
#include "nodes/pathnodes.h"
#include "scan/predicate.h"

/* setting lake_fdw.enable_topn_pushdown */
extern PGDLLIMPORT bool lake_enable_topn_pushdown;

/* topn_plan.c: UPPERREL_FINAL paths, and their plans */
extern void LakeTopNUpperPaths(PlannerInfo *root, RelOptInfo *input_rel,
							   RelOptInfo *output_rel, FinalPathExtraData *extra);
extern bool LakeTopNIsPath(ForeignPath *path);
extern ForeignScan *LakeTopNGetPlan(PlannerInfo *root, ForeignPath *path, List *tlist,
									Plan *outer_plan);

/*
 * fdw_private of a top-N plan: the aggregate plan's ten items (no
 * aggregate kinds) and an eleventh, this list.
 */
typedef enum LakeTopNPrivate
{
	LAKE_TOPN_SORT_POS,			/* IntList: scan tlist position per key (0-based) */
	LAKE_TOPN_SORT_OPS,			/* OidList: ordering operators */
	LAKE_TOPN_SORT_COLLS,		/* OidList: collations */
	LAKE_TOPN_NULLS_FIRST,		/* IntList */
	LAKE_TOPN_DESCRIPTION		/* String: "ORDER BY ..." for EXPLAIN */
} LakeTopNPrivate;

/* topn_exec.c: the best keys seen so far */
typedef struct LakeTopN LakeTopN;

/*
 * nkeys sort keys on lake columns cols[], ordered by sortops/collations/
 * nulls_first as PostgreSQL orders them (SortSupport of each ordering
 * operator).  types: the lake schema's types, for the statistics bound.
 */
extern LakeTopN *LakeTopNCreate(int nkeys, const int *cols, const Oid *sortops,
								const Oid *collations, const bool *nulls_first,
								const LakeTypeInfo *types, MemoryContext parent);

/* Start over, keeping the best `capacity` keys (0: keep none). */
extern void LakeTopNReset(LakeTopN *t, int64 capacity);

/*
 * Row filter step (LakeScanRowFilter shape): for each row not skipped,
 * skip it when the set is full and its key is not better than the worst
 * kept; otherwise keep its key.  Returns how many rows it skipped.
 */
extern uint32 LakeTopNFilter(LakeTopN *t, uint32 nrows, Datum *const *values,
							 bool *const *isnull, uint8 *skip);

/*
 * A predicate on the first sort key that every row able to enter the set
 * satisfies, NULL when statistics cannot be compared in PostgreSQL's order
 * for that key.  Owned by t and tightened in place by LakeTopNFilter as
 * the set fills; initially TRUE in effect (it names its column, so that
 * readers look up the column's statistics).
 */
extern LakePredicate *LakeTopNBound(LakeTopN *t);
extern int	LakeTopNBoundColumn(LakeTopN *t);

/*
 * The files of an append table, best first by their statistics of the
 * first sort key (lake column id column_id); files as given where the
 * bound does not apply.  A new list (or files).
 */
extern List *LakeTopNOrderFiles(LakeTopN *t, List *files, int32 column_id);

/*
 * After a first pass over the sort and filter columns: the worst key kept
 * becomes a ceiling (rows worse than it are turned away) and the set is
 * emptied for a second pass that reads every column; the bound stays.
 * False (nothing changes) when the set is not full.
 */
extern bool LakeTopNFreeze(LakeTopN *t);

/* rows the set turned away, and how often its bound was tightened */
extern void LakeTopNCounts(LakeTopN *t, int64 *rejected, int64 *tightened);

#endif							/* LAKE_FDW_TOPN_H */
