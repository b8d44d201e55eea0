/*-------------------------------------------------------------------------
 * predicate.h
 *	  Predicates over lake column values, evaluated on metadata instead of
 *	  rows: manifest statistics (partitions, files), Parquet column-chunk
 *	  statistics (row groups), page indexes (row ranges) and bloom filters.
 *
 * A predicate is a tree of AND/OR over leaves that compare one lake column
 * with constants.  Constants are already converted to the column's
 * Parquet-layer representation (PqValue of the column's PqType) by the
 * caller; a comparison whose constant cannot be represented in the column's
 * type (an int8 beyond an int4 column, a numeric with more fraction digits
 * than the column's scale) is folded by the caller into LAKE_PRED_TRUE or
 * LAKE_PRED_FALSE.
 *
 * Evaluation answers "may a row here match?": false means no row can, and
 * the unit (partition, file, row group, page) is skipped.  A predicate is
 * only ever a necessary condition of the query's WHERE clause (PostgreSQL
 * rechecks every row), so unknown statistics always answer true.
 *
 * Knows no planner nodes: the FDW layer builds predicates from quals
 * (fdw/pushdown.c).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_SCAN_PREDICATE_H
#define LAKE_SCAN_PREDICATE_H

#include "postgres.h"
#include "format/parquet/parquet.h"
#include "nodes/pg_list.h"

typedef enum LakePredKind
{
	LAKE_PRED_TRUE,
	LAKE_PRED_FALSE,
	LAKE_PRED_AND,
	LAKE_PRED_OR,
	LAKE_PRED_CMP,				/* column <op> values[0] */
	LAKE_PRED_IN,				/* column = any of values[] */
	LAKE_PRED_IS_NULL,
	LAKE_PRED_NOT_NULL,
	LAKE_PRED_PREFIX			/* column starts with the bytes values[0] */
} LakePredKind;

typedef enum LakePredOp
{
	LAKE_OP_EQ,
	LAKE_OP_NE,
	LAKE_OP_LT,
	LAKE_OP_LE,
	LAKE_OP_GT,
	LAKE_OP_GE
} LakePredOp;

typedef struct LakePredicate
{
	LakePredKind kind;
	LakePredOp	op;				/* CMP */
	int			column;			/* lake schema column index (leaves) */
	bool		bloom;			/* EQ / IN: probe bloom filters */
	int			nvalues;		/* CMP, PREFIX: 1; IN: >= 1 */
	PqValue    *values;			/* in the column's PqType */
	int			nargs;			/* AND / OR */
	struct LakePredicate **args;
} LakePredicate;

/* Constructors (CurrentMemoryContext).  And/Or simplify TRUE/FALSE args. */
extern LakePredicate *LakePredConst(bool value);
extern LakePredicate *LakePredLeaf(LakePredKind kind, LakePredOp op, int column,
								   int nvalues, const PqValue *values);
extern LakePredicate *LakePredAnd(List *args);
extern LakePredicate *LakePredOr(List *args);

/* Is the predicate the constant TRUE (prunes nothing)? */
extern bool LakePredIsTrue(const LakePredicate *p);

/* Every leaf on a column outside keep[] replaced by TRUE (simplified). */
extern LakePredicate *LakePredRestrict(const LakePredicate *p, const bool *keep);

/* Columns the predicate reads: used[column] = true. */
extern void LakePredColumns(const LakePredicate *p, bool *used);

/*
 * Statistics of one column over a unit (partition, file, row group,
 * page).  Absent bounds are unknown (min and max are independent: a long
 * string bound may be missing alone).
 */
typedef struct LakePredStats
{
	bool		known;			/* false: nothing is known, any row may match */
	int64		rows;			/* rows in the unit, -1 if unknown */
	int64		null_count;		/* -1 if unknown */
	bool		has_min;
	bool		has_max;
	PqValue		min;
	PqValue		max;
} LakePredStats;

/* Fills *out for column; return false when nothing is known. */
typedef bool (*LakePredStatsFn) (void *arg, int column, LakePredStats *out);

/* May the value be present (bloom filter of the unit)?  NULL = no filter. */
typedef bool (*LakePredBloomFn) (void *arg, int column, const PqValue *value);

/*
 * May a row of the unit described by stats_fn (and bloom_fn, or NULL)
 * match?  *bloom_rejected (optional) is set when the answer is false only
 * because of a bloom filter.
 */
extern bool LakePredMayMatch(const LakePredicate *p, LakePredStatsFn stats_fn,
							 LakePredBloomFn bloom_fn, void *arg,
							 bool *bloom_rejected);

/*
 * Row ranges of a row group of nrows rows that may match, from the page
 * statistics given by page_fn: page_fn(arg, column, &index) gives
 * the page index of a column (false: none, every row may match).  The
 * result is sorted and non-overlapping; *nranges 0 = no row can match.
 */
typedef bool (*LakePredPagesFn) (void *arg, int column,
								 const PqPageIndex **index);

extern PqRowRange *LakePredRowRanges(const LakePredicate *p, int64 nrows,
									 LakePredPagesFn page_fn, void *arg,
									 int *nranges);

/*
 * May row `row` of a batch satisfy p?  columns[] are the batch's vectors
 * by lake column; absent[c] means the file lacks column c (NULL);
 * read[c] NULL means column c was not decoded (anything).  Conservative:
 * true where the Parquet order might disagree with PostgreSQL's (floats).
 */
extern bool LakePredRowMayMatch(const LakePredicate *p, const PqColumnVector *columns,
								const bool *absent, const char *const *read, uint32 row);

/* The same for rows [0, nrows) at once: out[r] = 1 where row r may match. */
extern void LakePredBatchMayMatch(const LakePredicate *p, const PqColumnVector *columns,
								  const bool *absent, const char *const *read,
								  uint32 nrows, uint8 *out);

#endif							/* LAKE_SCAN_PREDICATE_H */
