/*-------------------------------------------------------------------------
 * predicate.c
 *	  Building predicate trees and evaluating them on statistics: min/max
 *	  and null counts of a unit (partition, file, row group, page), bloom
 *	  filters for equality, page indexes turned into row ranges, and single
 *	  rows of decoded batches (rows PostgreSQL need not see).
 *
 * Every test here is conservative: an answer of "cannot match" must hold
 * for every row the unit could hold given its statistics.  Values and
 * bounds have the column's Parquet type and compare by
 * ParquetValueCompare (the Parquet sort order, which the callers only use
 * where it agrees with PostgreSQL's operator: see fdw/pushdown.c).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "scan/predicate.h"

/* ---------------------------------------------------------------------
 * Construction
 * ---------------------------------------------------------------------
 */
LakePredicate *
LakePredConst(bool value)
{
	LakePredicate *p = palloc0(sizeof(LakePredicate));

	p->kind = value ? LAKE_PRED_TRUE : LAKE_PRED_FALSE;
	return p;
}

LakePredicate *
LakePredLeaf(LakePredKind kind, LakePredOp op, int column, int nvalues,
			 const PqValue *values)
{
	LakePredicate *p = palloc0(sizeof(LakePredicate));

	p->kind = kind;
	p->op = op;
	p->column = column;
	p->nvalues = nvalues;
	if (nvalues > 0)
	{
		p->values = palloc(sizeof(PqValue) * nvalues);
		memcpy(p->values, values, sizeof(PqValue) * nvalues);
	}
	return p;
}

static LakePredicate *
make_bool(LakePredKind kind, List *args)
{
	LakePredKind absorbing = kind == LAKE_PRED_AND ? LAKE_PRED_FALSE : LAKE_PRED_TRUE;
	LakePredKind neutral = kind == LAKE_PRED_AND ? LAKE_PRED_TRUE : LAKE_PRED_FALSE;
	List	   *kept = NIL;
	ListCell   *lc;
	LakePredicate *p;
	int			i = 0;

	foreach(lc, args)
	{
		LakePredicate *a = lfirst(lc);

		if (a->kind == absorbing)
			return LakePredConst(absorbing == LAKE_PRED_TRUE);
		if (a->kind == neutral)
			continue;
		kept = lappend(kept, a);
	}
	if (kept == NIL)
		return LakePredConst(neutral == LAKE_PRED_TRUE);
	if (list_length(kept) == 1)
		return linitial(kept);
	p = palloc0(sizeof(LakePredicate));
	p->kind = kind;
	p->nargs = list_length(kept);
	p->args = palloc(sizeof(LakePredicate *) * p->nargs);
	foreach(lc, kept)
		p->args[i++] = lfirst(lc);
	list_free(kept);
	return p;
}

LakePredicate *
LakePredAnd(List *args)
{
	return make_bool(LAKE_PRED_AND, args);
}

LakePredicate *
LakePredOr(List *args)
{
	return make_bool(LAKE_PRED_OR, args);
}

bool
LakePredIsTrue(const LakePredicate *p)
{
	return p == NULL || p->kind == LAKE_PRED_TRUE;
}

LakePredicate *
LakePredRestrict(const LakePredicate *p, const bool *keep)
{
	List	   *args = NIL;

	switch (p->kind)
	{
		case LAKE_PRED_TRUE:
		case LAKE_PRED_FALSE:
			return (LakePredicate *) p;
		case LAKE_PRED_AND:
		case LAKE_PRED_OR:
			for (int i = 0; i < p->nargs; i++)
				args = lappend(args, LakePredRestrict(p->args[i], keep));
			return p->kind == LAKE_PRED_AND ? LakePredAnd(args) : LakePredOr(args);
		default:
			return keep[p->column] ? (LakePredicate *) p : LakePredConst(true);
	}
}

void
LakePredColumns(const LakePredicate *p, bool *used)
{
	switch (p->kind)
	{
		case LAKE_PRED_TRUE:
		case LAKE_PRED_FALSE:
			return;
		case LAKE_PRED_AND:
		case LAKE_PRED_OR:
			for (int i = 0; i < p->nargs; i++)
				LakePredColumns(p->args[i], used);
			return;
		default:
			used[p->column] = true;
	}
}

/* ---------------------------------------------------------------------
 * Evaluation on statistics
 * ---------------------------------------------------------------------
 */
static bool
bytes_have_prefix(const PqValue *v, const PqValue *prefix)
{
	return v->v.bytes.len >= prefix->v.bytes.len &&
		memcmp(v->v.bytes.ptr, prefix->v.bytes.ptr, prefix->v.bytes.len) == 0;
}

/* Can a value in [min, max] (bounds optional) satisfy "value op c"? */
static bool
range_may_match(const LakePredStats *st, LakePredOp op, const PqValue *c)
{
	switch (op)
	{
		case LAKE_OP_EQ:
			if (st->has_min && ParquetValueCompare(c, &st->min) < 0)
				return false;
			if (st->has_max && ParquetValueCompare(c, &st->max) > 0)
				return false;
			return true;
		case LAKE_OP_NE:
			return !(st->has_min && st->has_max &&
					 ParquetValueCompare(c, &st->min) == 0 &&
					 ParquetValueCompare(c, &st->max) == 0);
		case LAKE_OP_LT:
			return !(st->has_min && ParquetValueCompare(&st->min, c) >= 0);
		case LAKE_OP_LE:
			return !(st->has_min && ParquetValueCompare(&st->min, c) > 0);
		case LAKE_OP_GT:
			return !(st->has_max && ParquetValueCompare(&st->max, c) <= 0);
		case LAKE_OP_GE:
			return !(st->has_max && ParquetValueCompare(&st->max, c) < 0);
	}
	return true;
}

/* A leaf on the statistics of its column (no bloom filter). */
static bool
leaf_may_match_stats(const LakePredicate *p, const LakePredStats *st)
{
	bool		all_null;

	if (!st->known)
		return true;
	all_null = st->rows >= 0 && st->null_count >= 0 && st->null_count >= st->rows;
	switch (p->kind)
	{
		case LAKE_PRED_IS_NULL:
			return st->null_count != 0;
		case LAKE_PRED_NOT_NULL:
			return !all_null;
		case LAKE_PRED_CMP:
			return !all_null && range_may_match(st, p->op, &p->values[0]);
		case LAKE_PRED_IN:
			if (all_null)
				return false;
			for (int i = 0; i < p->nvalues; i++)
				if (range_may_match(st, LAKE_OP_EQ, &p->values[i]))
					return true;
			return false;
		case LAKE_PRED_PREFIX:
			if (all_null)
				return false;
			/* every value with the prefix is >= the prefix ... */
			if (st->has_max && ParquetValueCompare(&st->max, &p->values[0]) < 0)
				return false;
			/* ... and below any greater value that lacks it */
			if (st->has_min && ParquetValueCompare(&st->min, &p->values[0]) > 0 &&
				!bytes_have_prefix(&st->min, &p->values[0]))
				return false;
			return true;
		default:
			return true;
	}
}

static bool
may_match(const LakePredicate *p, LakePredStatsFn stats_fn,
		  LakePredBloomFn bloom_fn, void *arg)
{
	switch (p->kind)
	{
		case LAKE_PRED_TRUE:
			return true;
		case LAKE_PRED_FALSE:
			return false;
		case LAKE_PRED_AND:
			for (int i = 0; i < p->nargs; i++)
				if (!may_match(p->args[i], stats_fn, bloom_fn, arg))
					return false;
			return true;
		case LAKE_PRED_OR:
			for (int i = 0; i < p->nargs; i++)
				if (may_match(p->args[i], stats_fn, bloom_fn, arg))
					return true;
			return false;
		default:
			{
				LakePredStats st;

				memset(&st, 0, sizeof(st));
				st.rows = st.null_count = -1;
				if (stats_fn && stats_fn(arg, p->column, &st) &&
					!leaf_may_match_stats(p, &st))
					return false;
				if (bloom_fn && p->bloom &&
					((p->kind == LAKE_PRED_CMP && p->op == LAKE_OP_EQ) ||
					 p->kind == LAKE_PRED_IN))
				{
					for (int i = 0; i < p->nvalues; i++)
						if (bloom_fn(arg, p->column, &p->values[i]))
							return true;
					return false;
				}
				return true;
			}
	}
}

bool
LakePredMayMatch(const LakePredicate *p, LakePredStatsFn stats_fn,
				 LakePredBloomFn bloom_fn, void *arg, bool *bloom_rejected)
{
	bool		result;

	if (bloom_rejected)
		*bloom_rejected = false;
	if (LakePredIsTrue(p))
		return true;
	result = may_match(p, stats_fn, bloom_fn, arg);
	if (!result && bloom_fn && bloom_rejected)
		*bloom_rejected = may_match(p, stats_fn, NULL, arg);
	return result;
}

/* ---------------------------------------------------------------------
 * Row ranges from page indexes
 * ---------------------------------------------------------------------
 */
typedef struct RangeSet
{
	int			n;
	PqRowRange *r;
} RangeSet;

static RangeSet
range_full(int64 nrows)
{
	RangeSet	s;

	s.n = nrows > 0 ? 1 : 0;
	s.r = palloc(sizeof(PqRowRange));
	s.r[0].first = 0;
	s.r[0].count = nrows;
	return s;
}

/* Append [first, first + count) to s (sorted input), merging neighbours. */
static void
range_add(RangeSet *s, int cap, int64 first, int64 count)
{
	if (count <= 0)
		return;
	if (s->n > 0)
	{
		PqRowRange *last = &s->r[s->n - 1];

		if (first <= last->first + last->count)
		{
			int64		end = Max(last->first + last->count, first + count);

			last->count = end - last->first;
			return;
		}
	}
	Assert(s->n < cap);
	s->r[s->n].first = first;
	s->r[s->n].count = count;
	s->n++;
}

static RangeSet
range_intersect(RangeSet a, RangeSet b)
{
	RangeSet	s;
	int			cap = a.n + b.n + 1;
	int			i = 0,
				j = 0;

	s.n = 0;
	s.r = palloc(sizeof(PqRowRange) * cap);
	while (i < a.n && j < b.n)
	{
		int64		lo = Max(a.r[i].first, b.r[j].first);
		int64		ae = a.r[i].first + a.r[i].count;
		int64		be = b.r[j].first + b.r[j].count;
		int64		hi = Min(ae, be);

		if (hi > lo)
			range_add(&s, cap, lo, hi - lo);
		if (ae < be)
			i++;
		else
			j++;
	}
	return s;
}

static RangeSet
range_union(RangeSet a, RangeSet b)
{
	RangeSet	s;
	int			cap = a.n + b.n + 1;
	int			i = 0,
				j = 0;

	s.n = 0;
	s.r = palloc(sizeof(PqRowRange) * cap);
	while (i < a.n || j < b.n)
	{
		if (j >= b.n || (i < a.n && a.r[i].first <= b.r[j].first))
		{
			range_add(&s, cap, a.r[i].first, a.r[i].count);
			i++;
		}
		else
		{
			range_add(&s, cap, b.r[j].first, b.r[j].count);
			j++;
		}
	}
	return s;
}

static RangeSet
leaf_ranges(const LakePredicate *p, int64 nrows, LakePredPagesFn page_fn, void *arg)
{
	const PqPageIndex *index;
	const PqPageIndexEntry *pages;
	int			npages;
	RangeSet	s;

	if (!page_fn(arg, p->column, &index))
		return range_full(nrows);
	pages = index->pages;
	npages = index->npages;
	s.n = 0;
	s.r = palloc(sizeof(PqRowRange) * (npages + 1));
	if (p->kind == LAKE_PRED_CMP && p->op == LAKE_OP_EQ && npages > 0 &&
		pages[0].min.type == p->values[0].type && index->ascending)
	{
		/*
		 * Sorted pages (a key column): mins and maxes both ascend, so the
		 * pages with min <= c <= max are one run, found by binary search
		 * (the same pages the loop below would keep).
		 */
		const PqValue *c = &p->values[0];
		int			lo = 0,
					hi = npages;
		int			first;

		while (lo < hi)			/* first page with max >= c */
		{
			int			mid = lo + (hi - lo) / 2;

			if (ParquetValueCompare(&pages[mid].max, c) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		first = lo;
		hi = npages;
		while (lo < hi)			/* first page past it with min > c */
		{
			int			mid = lo + (hi - lo) / 2;

			if (ParquetValueCompare(&pages[mid].min, c) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}

		/*
		 * Pages first .. lo - 1 are one run of rows (a page holds the rows
		 * up to the next page's first, pq_reader_meta.c): one range, not a
		 * walk over every page of a column whose value is constant in the
		 * file (a partition column).
		 */
		if (lo > first)
			range_add(&s, npages + 1, pages[first].first_row,
					  pages[lo - 1].first_row + pages[lo - 1].num_rows - pages[first].first_row);
		return s;
	}
	for (int i = 0; i < npages; i++)
	{
		const PqPageIndexEntry *pg = &pages[i];
		LakePredStats st;

		memset(&st, 0, sizeof(st));
		st.known = true;
		st.rows = pg->num_rows;
		st.null_count = pg->null_page ? pg->num_rows :
			(pg->has_null_count ? pg->null_count : -1);
		st.has_min = st.has_max = pg->has_min_max && !pg->null_page;
		st.min = pg->min;
		st.max = pg->max;
		if (leaf_may_match_stats(p, &st))
			range_add(&s, npages + 1, pg->first_row, pg->num_rows);
	}
	return s;
}

static RangeSet
pred_ranges(const LakePredicate *p, int64 nrows, LakePredPagesFn page_fn, void *arg)
{
	RangeSet	s;

	switch (p->kind)
	{
		case LAKE_PRED_TRUE:
			return range_full(nrows);
		case LAKE_PRED_FALSE:
			s.n = 0;
			s.r = palloc(sizeof(PqRowRange));
			return s;
		case LAKE_PRED_AND:
			s = pred_ranges(p->args[0], nrows, page_fn, arg);
			for (int i = 1; i < p->nargs && s.n > 0; i++)
				s = range_intersect(s, pred_ranges(p->args[i], nrows, page_fn, arg));
			return s;
		case LAKE_PRED_OR:
			s = pred_ranges(p->args[0], nrows, page_fn, arg);
			for (int i = 1; i < p->nargs; i++)
				s = range_union(s, pred_ranges(p->args[i], nrows, page_fn, arg));
			return s;
		default:
			return leaf_ranges(p, nrows, page_fn, arg);
	}
}

PqRowRange *
LakePredRowRanges(const LakePredicate *p, int64 nrows, LakePredPagesFn page_fn,
				  void *arg, int *nranges)
{
	RangeSet	s = pred_ranges(p, nrows, page_fn, arg);

	*nranges = s.n;
	return s.r;
}

/* ---------------------------------------------------------------------
 * Rows of a batch
 * ---------------------------------------------------------------------
 */
/* Does "value <op> constant" hold, given cmp = compare(value, constant)? */
static inline bool
op_holds(LakePredOp op, int cmp)
{
	switch (op)
	{
		case LAKE_OP_EQ:
			return cmp == 0;
		case LAKE_OP_NE:
			return cmp != 0;
		case LAKE_OP_LT:
			return cmp < 0;
		case LAKE_OP_LE:
			return cmp <= 0;
		case LAKE_OP_GT:
			return cmp > 0;
		case LAKE_OP_GE:
			return cmp >= 0;
	}
	return true;
}

static bool
leaf_row(const LakePredicate *p, const PqColumnVector *columns, const bool *absent,
		 const char *const *read, uint32 row)
{
	const PqColumnVector *vec;
	bool		isnull;
	PqValue		v;

	if (read[p->column] == NULL)
		return true;
	vec = &columns[p->column];
	isnull = absent[p->column] || (vec->nulls && vec->nulls[row]);
	if (p->kind == LAKE_PRED_IS_NULL)
		return isnull;
	if (p->kind == LAKE_PRED_NOT_NULL)
		return !isnull;
	if (isnull)
		return false;			/* no comparison holds for NULL */
	/* integers and temporals: compare in place (the common, hot case) */
	if (p->kind == LAKE_PRED_CMP &&
		(vec->type == PQ_INT64 || vec->type == PQ_TIMESTAMP || vec->type == PQ_TIMESTAMPTZ ||
		 vec->type == PQ_INT32 || vec->type == PQ_INT16 || vec->type == PQ_DATE))
	{
		int64		x = vec->type == PQ_INT64 || vec->type == PQ_TIMESTAMP ||
			vec->type == PQ_TIMESTAMPTZ ? vec->v.i64[row] : vec->v.i32[row];
		int64		c = vec->type == PQ_INT64 || vec->type == PQ_TIMESTAMP ||
			vec->type == PQ_TIMESTAMPTZ ? p->values[0].v.i64 : p->values[0].v.i32;

		return op_holds(p->op, (x > c) - (x < c));
	}
	memset(&v, 0, sizeof(v));
	v.type = vec->type;
	switch (vec->type)
	{
		case PQ_BOOL:
			v.v.b = vec->v.b[row] != 0;
			break;
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			v.v.i32 = vec->v.i32[row];
			break;
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			v.v.i64 = vec->v.i64[row];
			break;
		case PQ_DECIMAL:
			v.precision = p->values[0].precision;
			v.scale = p->values[0].scale;
			if (v.precision <= 18)
				v.v.i64 = vec->v.i64[row];
			else
				v.v.i128 = vec->v.i128[row];
			break;
		case PQ_STRING:
		case PQ_BYTES:
		case PQ_UUID:
			v.v.bytes = vec->v.bytes[row];
			break;
		default:
			return true;		/* floats (NaN), json: PostgreSQL decides */
	}
	switch (p->kind)
	{
		case LAKE_PRED_CMP:
			return op_holds(p->op, ParquetValueCompare(&v, &p->values[0]));
		case LAKE_PRED_IN:
			for (int i = 0; i < p->nvalues; i++)
				if (ParquetValueCompare(&v, &p->values[i]) == 0)
					return true;
			return false;
		case LAKE_PRED_PREFIX:
			return bytes_have_prefix(&v, &p->values[0]);
		default:
			return true;
	}
}

bool
LakePredRowMayMatch(const LakePredicate *p, const PqColumnVector *columns,
					const bool *absent, const char *const *read, uint32 row)
{
	switch (p->kind)
	{
		case LAKE_PRED_TRUE:
			return true;
		case LAKE_PRED_FALSE:
			return false;
		case LAKE_PRED_AND:
			for (int i = 0; i < p->nargs; i++)
				if (!LakePredRowMayMatch(p->args[i], columns, absent, read, row))
					return false;
			return true;
		case LAKE_PRED_OR:
			for (int i = 0; i < p->nargs; i++)
				if (LakePredRowMayMatch(p->args[i], columns, absent, read, row))
					return true;
			return false;
		default:
			return leaf_row(p, columns, absent, read, row);
	}
}

/*
 * The same over rows [0, nrows) of a batch at once: out[r] = 1 where row r
 * may match.  Integer and temporal comparisons without NULLs run as tight
 * loops over the column; everything else falls back to leaf_row per row.
 */
static bool
leaf_batch_fast(const LakePredicate *p, const PqColumnVector *columns, const bool *absent,
				const char *const *read, uint32 nrows, uint8 *out)
{
	const PqColumnVector *vec;
	bool		wide;
	int64		c;

	if (p->kind != LAKE_PRED_CMP || read[p->column] == NULL || absent[p->column])
		return false;
	vec = &columns[p->column];
	if (vec->nulls != NULL)
		return false;
	wide = vec->type == PQ_INT64 || vec->type == PQ_TIMESTAMP || vec->type == PQ_TIMESTAMPTZ;
	if (!wide && vec->type != PQ_INT32 && vec->type != PQ_INT16 && vec->type != PQ_DATE)
		return false;
	c = wide ? p->values[0].v.i64 : p->values[0].v.i32;

#define CMP_LOOP(arr, OP) \
	for (uint32 r = 0; r < nrows; r++) \
		out[r] = (int64) (arr)[r] OP c
#define CMP_ALL(arr) \
	switch (p->op) \
	{ \
		case LAKE_OP_EQ: CMP_LOOP(arr, ==); break; \
		case LAKE_OP_NE: CMP_LOOP(arr, !=); break; \
		case LAKE_OP_LT: CMP_LOOP(arr, <); break; \
		case LAKE_OP_LE: CMP_LOOP(arr, <=); break; \
		case LAKE_OP_GT: CMP_LOOP(arr, >); break; \
		case LAKE_OP_GE: CMP_LOOP(arr, >=); break; \
	}
	if (wide)
	{
		CMP_ALL(vec->v.i64);
	}
	else
	{
		CMP_ALL(vec->v.i32);
	}
#undef CMP_ALL
#undef CMP_LOOP
	return true;
}

void
LakePredBatchMayMatch(const LakePredicate *p, const PqColumnVector *columns,
					  const bool *absent, const char *const *read, uint32 nrows,
					  uint8 *out)
{
	uint8	   *tmp;

	switch (p->kind)
	{
		case LAKE_PRED_TRUE:
			memset(out, 1, nrows);
			return;
		case LAKE_PRED_FALSE:
			memset(out, 0, nrows);
			return;
		case LAKE_PRED_AND:
		case LAKE_PRED_OR:
			if (p->nargs == 0)
			{
				memset(out, p->kind == LAKE_PRED_AND, nrows);
				return;
			}
			LakePredBatchMayMatch(p->args[0], columns, absent, read, nrows, out);
			tmp = palloc(Max(nrows, 1));
			for (int i = 1; i < p->nargs; i++)
			{
				LakePredBatchMayMatch(p->args[i], columns, absent, read, nrows, tmp);
				if (p->kind == LAKE_PRED_AND)
					for (uint32 r = 0; r < nrows; r++)
						out[r] &= tmp[r];
				else
					for (uint32 r = 0; r < nrows; r++)
						out[r] |= tmp[r];
			}
			pfree(tmp);
			return;
		default:
			if (!leaf_batch_fast(p, columns, absent, read, nrows, out))
				for (uint32 r = 0; r < nrows; r++)
					out[r] = leaf_row(p, columns, absent, read, r) ? 1 : 0;
			return;
	}
}
