/*-------------------------------------------------------------------------
 * aggregate.h
 *	  Grouped aggregation inside a lake scan: count, sum, avg, min and max
 *	  per group of column values, computed over column vectors batch by
 *	  batch (append tables) or over the merged rows (primary-key tables).
 *
 * The caller (the FDW layer) decides what may be pushed down; this module
 * trusts the items it is given to be supported (LakeAggregateSupports).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_SCAN_AGGREGATE_H
#define LAKE_SCAN_AGGREGATE_H

#include "postgres.h"
#include "scan/scan.h"

typedef enum LakeAggKind
{
	LAKE_AGG_GROUP,				/* a grouping column: its value */
	LAKE_AGG_COUNT_STAR,
	LAKE_AGG_COUNT,
	LAKE_AGG_SUM,
	LAKE_AGG_AVG,
	LAKE_AGG_MIN,
	LAKE_AGG_MAX
} LakeAggKind;

/* One output column of the aggregation. */
typedef struct LakeAggItem
{
	LakeAggKind kind;
	int			column;			/* lake column; -1 for count(*) */
} LakeAggItem;

typedef struct LakeAggregate LakeAggregate;

/*
 * Can the kind be computed over a column of this type?  (Result types are
 * PostgreSQL's: sum of int2/int4 is int8, of int8 and numeric numeric, of
 * float4 float4, of float8 float8; avg of integers and numeric is numeric,
 * of floats float8; count is int8; min and max keep the type.)
 */
extern bool LakeAggregateSupports(LakeAggKind kind, const LakeTypeInfo *ti);

/*
 * Aggregate the rows of scan (spec is the one the scan was begun with;
 * every column an item names must be wanted).  Nothing is read before the
 * first LakeAggregateNext.
 */
extern LakeAggregate *LakeAggregateBegin(LakeScan *scan, const LakeScanSpec *spec,
										 int nitems, const LakeAggItem *items,
										 MemoryContext cxt);

/*
 * Next group: values[nitems]/isnull[nitems] in item order, allocated in
 * CurrentMemoryContext.  False after the last group.  Without grouping
 * columns there is exactly one group, even over no rows.
 */
extern bool LakeAggregateNext(LakeAggregate *agg, Datum *values, bool *isnull);

/* Start over (the scan is rescanned too). */
extern void LakeAggregateRescan(LakeAggregate *agg);
extern void LakeAggregateEnd(LakeAggregate *agg);

#endif							/* LAKE_SCAN_AGGREGATE_H */
