/*-------------------------------------------------------------------------
 * topn_exec.c
 *	  The best sort keys a top-N lake scan has seen: a bounded max-heap of
 *	  the first N (+ OFFSET) keys in PostgreSQL's order, fed by the scan's
 *	  row filter, and the statistics bound on the first sort key derived
 *	  from its worst member.
 *
 * Keys compare with the SortSupport of each ORDER BY item's ordering
 * operator and collation (nulls first or last as asked), so the order is
 * PostgreSQL's for every type with a btree opclass.  Once the heap is full
 * a row whose key is not strictly better than the worst kept one cannot
 * be among the first N: the filter drops it before its other columns are
 * decoded.  Ties with the worst are dropped too (PostgreSQL's result is
 * then any N rows of the tied set).
 *
 * The bound: every row that may still enter has a first key <= the worst
 * kept one's (>= for DESC; NULL where NULLs sort first).  As a predicate
 * (an OR node owned here and rewritten in place) it lets the readers skip
 * row groups and pages whose statistics exclude it, and rows of a batch
 * before conversion.  It is offered only where Parquet statistics order
 * values as PostgreSQL's operator does: integers, date, timestamp(tz),
 * bool, numeric (finite bound), and text or varchar under the C collation
 * with the type's default operator.  Floats are left out (NaN is the
 * greatest value in PostgreSQL, absent from Parquet statistics).
 *
 * Where the bound applies, the files of an append table are read best
 * first (by their manifest statistics of the first key: smallest minimum
 * for ASC, largest maximum for DESC), so that the bound is tight early and
 * the later files' row groups are skipped whole: the "latest N rows by
 * time" of a table loaded in time order reads its newest file only.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "fdw/topn.h"
#include "mergetree/write_buffer.h"
#include "meta/meta.h"
#include "miscadmin.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/pg_locale.h"
#include "utils/sortsupport.h"
#include "utils/typcache.h"

bool		lake_enable_topn_pushdown = true;

struct LakeTopN
{
	MemoryContext cxt;			/* this struct, the heap, key copies */
	MemoryContext key_cxt;		/* by-reference key values; reset per loop */
	int			nkeys;
	int		   *cols;			/* [nkeys] lake column */
	SortSupportData *ssup;		/* [nkeys] */
	bool	   *byval;			/* [nkeys] */
	int16	   *typlen;			/* [nkeys] */
	int64		capacity;		/* keys kept at most */
	int64		n;				/* keys held */
	Datum	   *keys;			/* [capacity * nkeys], slot-major */
	bool	   *nulls;
	int		   *heap;			/* [capacity] slots, worst first */
	Datum	   *row;			/* [nkeys] scratch */
	bool	   *rownull;
	/* a ceiling (LakeTopNFreeze): rows worse than it are turned away */
	bool		has_ceiling;
	Datum	   *ceiling;		/* [nkeys], by-reference values in ceil_cxt */
	bool	   *ceilnull;
	MemoryContext ceil_cxt;
	/* the bound on the first key, or bound NULL */
	LakePredicate *bound;		/* OR(args[0], args[1]) */
	LakePredicate *is_null;
	LakePredicate *not_null;
	LakePredicate *cmp;
	LakePredicate *never;
	LakeTypeInfo type0;
	uint8	   *bound_bytes;	/* cmp's by-reference value */
	size_t		bound_cap;
	bool		numeric0;
	int64		rejected;
	int64		tightened;
};

/* Can Parquet statistics of the column order values as sortop does? */
static bool
bound_supported(const LakeTypeInfo *ti, Oid sortop, Oid collation)
{
	TypeCacheEntry *tce = lookup_type_cache(ti->typid, TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);

	if (sortop != tce->lt_opr && sortop != tce->gt_opr)
		return false;
	switch (ti->typid)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
		case BOOLOID:
		case NUMERICOID:
			return true;
		case TEXTOID:
		case VARCHAROID:
			return OidIsValid(collation) && lc_collate_is_c(collation);
		default:
			return false;
	}
}

LakeTopN *
LakeTopNCreate(int nkeys, const int *cols, const Oid *sortops, const Oid *collations,
			   const bool *nulls_first, const LakeTypeInfo *types, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "lake_fdw top-n",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	LakeTopN   *t = palloc0(sizeof(LakeTopN));

	t->cxt = cxt;
	t->key_cxt = AllocSetContextCreate(cxt, "lake_fdw top-n keys", ALLOCSET_DEFAULT_SIZES);
	t->nkeys = nkeys;
	t->cols = palloc(sizeof(int) * nkeys);
	t->ssup = palloc0(sizeof(SortSupportData) * nkeys);
	t->byval = palloc(sizeof(bool) * nkeys);
	t->typlen = palloc(sizeof(int16) * nkeys);
	t->row = palloc(sizeof(Datum) * nkeys);
	t->rownull = palloc(sizeof(bool) * nkeys);
	t->ceiling = palloc(sizeof(Datum) * nkeys);
	t->ceilnull = palloc(sizeof(bool) * nkeys);
	t->ceil_cxt = AllocSetContextCreate(cxt, "lake_fdw top-n ceiling", ALLOCSET_SMALL_SIZES);
	for (int k = 0; k < nkeys; k++)
	{
		SortSupport ss = &t->ssup[k];

		t->cols[k] = cols[k];
		ss->ssup_cxt = cxt;
		ss->ssup_collation = collations[k];
		ss->ssup_nulls_first = nulls_first[k];
		ss->abbreviate = false;
		PrepareSortSupportFromOrderingOp(sortops[k], ss);
		get_typlenbyval(types[cols[k]].typid, &t->typlen[k], &t->byval[k]);
	}
	if (nkeys > 0 && bound_supported(&types[cols[0]], sortops[0], collations[0]))
	{
		int			c = cols[0];

		t->type0 = types[c];
		t->numeric0 = types[c].typid == NUMERICOID;
		t->is_null = LakePredLeaf(LAKE_PRED_IS_NULL, LAKE_OP_EQ, c, 0, NULL);
		t->not_null = LakePredLeaf(LAKE_PRED_NOT_NULL, LAKE_OP_EQ, c, 0, NULL);
		t->never = LakePredConst(false);
		{
			PqValue		v;

			memset(&v, 0, sizeof(v));
			v.type = types[c].pqtype;
			t->cmp = LakePredLeaf(LAKE_PRED_CMP, LAKE_OP_LE, c, 1, &v);
		}
		t->bound = palloc0(sizeof(LakePredicate));
		t->bound->kind = LAKE_PRED_OR;
		t->bound->nargs = 2;
		t->bound->args = palloc(sizeof(LakePredicate *) * 2);
		t->bound->args[0] = t->is_null;
		t->bound->args[1] = t->not_null;
	}
	MemoryContextSwitchTo(old);
	return t;
}

void
LakeTopNReset(LakeTopN *t, int64 capacity)
{
	MemoryContextReset(t->key_cxt);
	MemoryContextReset(t->ceil_cxt);
	t->has_ceiling = false;
	if (t->keys)
	{
		pfree(t->keys);
		pfree(t->nulls);
		pfree(t->heap);
		t->keys = NULL;
	}
	t->capacity = capacity;
	t->n = 0;
	if (capacity > 0)
	{
		t->keys = MemoryContextAllocHuge(t->cxt, sizeof(Datum) * capacity * t->nkeys);
		t->nulls = MemoryContextAllocHuge(t->cxt, sizeof(bool) * capacity * t->nkeys);
		t->heap = MemoryContextAllocHuge(t->cxt, sizeof(int) * capacity);
	}
	if (t->bound)
	{
		t->bound->args[0] = t->is_null;
		t->bound->args[1] = t->not_null;
	}
	t->rejected = 0;
	t->tightened = 0;
}

/* key a vs key b (nkeys values each): <0 a better, 0 tie, >0 a worse */
static inline int
cmp_keys(LakeTopN *t, const Datum *a, const bool *anull, const Datum *b, const bool *bnull)
{
	for (int k = 0; k < t->nkeys; k++)
	{
		int			c = ApplySortComparator(a[k], anull[k], b[k], bnull[k], &t->ssup[k]);

		if (c != 0)
			return c;
	}
	return 0;
}

/* row key (t->row) vs the key of slot s */
static inline int
cmp_row_slot(LakeTopN *t, int s)
{
	int64		i = (int64) s * t->nkeys;

	return cmp_keys(t, t->row, t->rownull, &t->keys[i], &t->nulls[i]);
}

static inline int
cmp_slots(LakeTopN *t, int a, int b)
{
	int64		i = (int64) a * t->nkeys,
				j = (int64) b * t->nkeys;

	return cmp_keys(t, &t->keys[i], &t->nulls[i], &t->keys[j], &t->nulls[j]);
}

/* row key (t->row) vs the ceiling: > 0 when the row is worse */
static inline int
cmp_row_ceiling(LakeTopN *t)
{
	return cmp_keys(t, t->row, t->rownull, t->ceiling, t->ceilnull);
}

/* Store t->row in slot s (its old by-reference values freed). */
static void
store_slot(LakeTopN *t, int s, bool replace)
{
	for (int k = 0; k < t->nkeys; k++)
	{
		int64		i = (int64) s * t->nkeys + k;

		if (replace && !t->byval[k] && !t->nulls[i])
			pfree(DatumGetPointer(t->keys[i]));
		t->nulls[i] = t->rownull[k];
		if (t->rownull[k])
			t->keys[i] = (Datum) 0;
		else if (t->byval[k])
			t->keys[i] = t->row[k];
		else
		{
			MemoryContext old = MemoryContextSwitchTo(t->key_cxt);

			t->keys[i] = datumCopy(t->row[k], false, t->typlen[k]);
			MemoryContextSwitchTo(old);
		}
	}
}

static void
sift_up(LakeTopN *t, int64 i)
{
	while (i > 0)
	{
		int64		parent = (i - 1) / 2;
		int			tmp;

		if (cmp_slots(t, t->heap[i], t->heap[parent]) <= 0)
			break;
		tmp = t->heap[i];
		t->heap[i] = t->heap[parent];
		t->heap[parent] = tmp;
		i = parent;
	}
}

static void
sift_down(LakeTopN *t, int64 i)
{
	for (;;)
	{
		int64		l = 2 * i + 1;
		int64		r = l + 1;
		int64		worst = i;
		int			tmp;

		if (l < t->n && cmp_slots(t, t->heap[l], t->heap[worst]) > 0)
			worst = l;
		if (r < t->n && cmp_slots(t, t->heap[r], t->heap[worst]) > 0)
			worst = r;
		if (worst == i)
			return;
		tmp = t->heap[i];
		t->heap[i] = t->heap[worst];
		t->heap[worst] = tmp;
		i = worst;
	}
}

/* Rewrite the bound from the worst key kept (the heap is full). */
static void
tighten_bound(LakeTopN *t)
{
	int64		i = (int64) t->heap[0] * t->nkeys;
	SortSupport ss = &t->ssup[0];
	bool		desc = ss->ssup_reverse;

	t->tightened++;
	if (t->nulls[i])
	{
		/* NULLs first: only NULLs tie; NULLs last: anything may enter */
		t->bound->args[0] = t->is_null;
		t->bound->args[1] = ss->ssup_nulls_first ? t->never : t->not_null;
		return;
	}
	if (t->numeric0 && (numeric_is_nan(DatumGetNumeric(t->keys[i])) ||
						numeric_is_inf(DatumGetNumeric(t->keys[i]))))
	{
		t->bound->args[0] = t->is_null;
		t->bound->args[1] = t->not_null;
		return;
	}
	{
		PqValue		v;

		LakeDatumToPqValue(&t->type0, t->keys[i], &v);
		if (v.type == PQ_STRING || v.type == PQ_BYTES)
		{
			/* the key's bytes may be freed when it leaves the heap: copy */
			if (t->bound_cap < v.v.bytes.len || t->bound_bytes == NULL)
			{
				t->bound_cap = Max(v.v.bytes.len, 64) * 2;
				if (t->bound_bytes)
					pfree(t->bound_bytes);
				t->bound_bytes = MemoryContextAlloc(t->cxt, t->bound_cap);
			}
			memcpy(t->bound_bytes, v.v.bytes.ptr, v.v.bytes.len);
			v.v.bytes.ptr = t->bound_bytes;
		}
		t->cmp->values[0] = v;
		t->cmp->op = desc ? LAKE_OP_GE : LAKE_OP_LE;
		t->bound->args[0] = ss->ssup_nulls_first ? t->is_null : t->never;
		t->bound->args[1] = t->cmp;
	}
}

uint32
LakeTopNFilter(LakeTopN *t, uint32 nrows, Datum *const *values, bool *const *isnull,
			   uint8 *skip)
{
	uint32		removed = 0;
	bool		moved = false;

	for (uint32 r = 0; r < nrows; r++)
	{
		if (skip[r])
			continue;
		if ((r & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
		for (int k = 0; k < t->nkeys; k++)
		{
			t->row[k] = values[t->cols[k]][r];
			t->rownull[k] = isnull[t->cols[k]][r];
		}
		if (t->has_ceiling && cmp_row_ceiling(t) > 0)
		{
			skip[r] = 1;
			removed++;
			continue;
		}
		if (t->n < t->capacity)
		{
			int			s = (int) t->n;

			store_slot(t, s, false);
			t->heap[t->n] = s;
			t->n++;
			sift_up(t, t->n - 1);
			moved = true;
			continue;
		}
		if (t->capacity == 0 || cmp_row_slot(t, t->heap[0]) >= 0)
		{
			skip[r] = 1;
			removed++;
			continue;
		}
		store_slot(t, t->heap[0], true);
		sift_down(t, 0);
		moved = true;
	}
	if (moved && t->bound && t->n == t->capacity && t->capacity > 0)
		tighten_bound(t);
	t->rejected += removed;
	return removed;
}

LakePredicate *
LakeTopNBound(LakeTopN *t)
{
	return t->bound;
}

int
LakeTopNBoundColumn(LakeTopN *t)
{
	return t->nkeys > 0 ? t->cols[0] : -1;
}

void
LakeTopNCounts(LakeTopN *t, int64 *rejected, int64 *tightened)
{
	*rejected = t->rejected;
	*tightened = t->tightened;
}

/* A file and its statistic of the first key, for ordering. */
typedef struct FileRank
{
	LakeDataFile *file;
	bool		known;
	PqValue		value;
	int			pos;
} FileRank;

static bool rank_desc;

static int
rank_cmp(const void *a, const void *b)
{
	const FileRank *x = a;
	const FileRank *y = b;
	int			c;

	if (x->known != y->known)
		return x->known ? -1 : 1;	/* files without statistics last */
	if (x->known)
	{
		c = ParquetValueCompare(&x->value, &y->value);
		if (c != 0)
			return rank_desc ? -c : c;
	}
	return x->pos - y->pos;
}

List *
LakeTopNOrderFiles(LakeTopN *t, List *files, int32 column_id)
{
	int			n = list_length(files);
	FileRank   *ranks;
	List	   *out = NIL;
	ListCell   *lc;
	int			i = 0;

	if (t->bound == NULL || n < 2)
		return files;
	ranks = palloc0(sizeof(FileRank) * n);
	foreach(lc, files)
	{
		LakeDataFile *f = lfirst(lc);
		FileRank   *r = &ranks[i];

		r->file = f;
		r->pos = i++;
		for (int k = 0; k < f->nstats; k++)
		{
			const LakeColumnStats *cs = &f->stats[k];
			const bytea *b = t->ssup[0].ssup_reverse ? cs->max : cs->min;

			if (cs->column_id == column_id && b != NULL)
				r->known = LakeStatsDecode(b, &t->type0, &r->value);
		}
	}
	rank_desc = t->ssup[0].ssup_reverse;
	qsort(ranks, n, sizeof(FileRank), rank_cmp);
	for (i = 0; i < n; i++)
		out = lappend(out, ranks[i].file);
	pfree(ranks);
	return out;
}

bool
LakeTopNFreeze(LakeTopN *t)
{
	int64		i;

	if (t->capacity == 0)
		return false;
	if (t->n < t->capacity)
	{
		/*
		 * Fewer rows qualify than are wanted: the second pass, which meets
		 * the same rows, must keep them all.  Left in the heap, the first
		 * pass's keys would fill it beside their own rows' and turn rows
		 * away.
		 */
		MemoryContextReset(t->key_cxt);
		t->n = 0;
		return false;
	}
	i = (int64) t->heap[0] * t->nkeys;
	for (int k = 0; k < t->nkeys; k++)
	{
		t->ceilnull[k] = t->nulls[i + k];
		t->ceiling[k] = (Datum) 0;
		if (!t->ceilnull[k])
		{
			MemoryContext old = MemoryContextSwitchTo(t->ceil_cxt);

			t->ceiling[k] = datumCopy(t->keys[i + k], t->byval[k], t->typlen[k]);
			MemoryContextSwitchTo(old);
		}
	}
	t->has_ceiling = true;
	/* the keys go; the bound stays as tight as it is */
	MemoryContextReset(t->key_cxt);
	t->n = 0;
	return true;
}
