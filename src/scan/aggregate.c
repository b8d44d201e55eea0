/*-------------------------------------------------------------------------
 * aggregate.c
 *	  Grouped aggregation inside a lake scan (count, sum, avg, min, max).
 *
 * The scan is read batch by batch as column vectors (LakeScanNextBatch:
 * primary-key tables come merged, older versions hidden): each batch first
 * maps its rows to groups (a hash table keyed by the serialized values of
 * the grouping columns, NULL being a value of its own), then every
 * aggregate runs one tight loop over its column's typed vector.
 *
 * Results follow PostgreSQL's aggregates exactly: integer sums are exact
 * (__int128), numeric sums exact on the column's unscaled values, averages
 * of integers and numerics are numeric_div(sum, count), float sums
 * accumulate in the aggregate's own transition type (float4 for
 * sum(float4), double otherwise) with PostgreSQL's overflow checks, and
 * float averages keep float8_accum's Sxx only to fail where it fails.
 * NULL inputs are skipped; over no rows count is 0 and the others NULL.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "scan/aggregate.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#define AGG_PTR_CACHE		256		/* per-batch cache of string keys */
#define AGG_SHORT_CACHE		64		/* cache of short string keys, by value */

/* How one aggregate consumes its column. */
typedef enum AggOp
{
	OP_COUNT_STAR,
	OP_COUNT,
	OP_SUM_I32,					/* int2, int4 -> i128 */
	OP_SUM_I64,					/* int8, numeric p <= 18 -> i128 */
	OP_SUM_F32,					/* sum(float4): float4pl */
	OP_SUM_F64,					/* sum(float8): float8pl */
	OP_AVG_F32,					/* avg(float4): float4_accum */
	OP_AVG_F64,					/* avg(float8): float8_accum */
	OP_MIN_I32,
	OP_MAX_I32,
	OP_MIN_I64,
	OP_MAX_I64,
	OP_MIN_I128,
	OP_MAX_I128,
	OP_MIN_F32,
	OP_MAX_F32,
	OP_MIN_F64,
	OP_MAX_F64,
	OP_MIN_BYTES,
	OP_MAX_BYTES
} AggOp;

/* The state of one aggregate in one group. */
typedef struct AggAcc
{
	int64		count;			/* non-NULL inputs (count(*): rows) */
	double		sxx;			/* float averages: float8_accum's Sxx */
	union
	{
		pq_int128	i128;
		int64		i64;
		int32		i32;
		double		f64;
		float		f32;
		PqBytes		bytes;		/* bytes in group_cxt */
	}			v;
} AggAcc;

/* Hash table of groups, keyed by the serialized grouping values. */
typedef struct GroupKey
{
	const char *data;
	uint32		len;
} GroupKey;

typedef struct GroupEntry
{
	GroupKey	key;			/* data in group_cxt */
	uint32		hash;
	uint32		group;
	char		status;
} GroupEntry;

#define SH_PREFIX			groupmap
#define SH_ELEMENT_TYPE		GroupEntry
#define SH_KEY_TYPE			GroupKey
#define SH_KEY				key
#define SH_HASH_KEY(tb, k)	hash_bytes((const unsigned char *) (k).data, (int) (k).len)
#define SH_EQUAL(tb, a, b)	((a).len == (b).len && memcmp((a).data, (b).data, (a).len) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_SCOPE			static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct PtrCacheEntry
{
	const uint8 *ptr;
	uint32		len;
	uint32		group;
} PtrCacheEntry;

struct LakeAggregate
{
	LakeScan   *scan;			/* borrowed */
	const LakeScanSpec *spec;	/* borrowed */
	int			nitems;
	LakeAggItem *items;
	int		   *item_acc;		/* [nitems] accumulator index, or -1 */
	int		   *item_key;		/* [nitems] key index, or -1 */
	int			nkeys;
	int		   *key_cols;		/* [nkeys] lake columns */
	int			nacc;
	int		   *acc_col;		/* [nacc] lake column, -1 for count(*) */
	AggOp	   *acc_op;			/* [nacc] */
	MemoryContext cxt;			/* lifetime of the aggregation */
	MemoryContext group_cxt;	/* groups, keys, hash table; reset on rescan */

	groupmap_hash *map;			/* in group_cxt */
	uint32		ngroups;
	uint32		maxgroups;
	AggAcc	   *accs;			/* [maxgroups * nacc], group_cxt */
	Datum	   *keyvals;		/* [maxgroups * nkeys], group_cxt */
	bool	   *keynulls;
	uint32	   *gids;			/* per batch row */
	uint32		gids_size;
	char	   *kbuf[2];		/* serialized keys: current row, previous */
	uint32		kbuf_size;
	int			kcur;			/* kbuf index of the current row */
	bool		have_prev;		/* kbuf[1 - kcur] holds prev_len bytes */
	uint32		prev_len;
	uint32		prev_group;
	uint32		key_fixed;		/* bytes of a key without string payloads */
	bool		has_bytes_key;
	size_t	   *key_size;		/* [nkeys] value bytes, 0 = string */
	PtrCacheEntry ptr_cache[AGG_PTR_CACHE];
	bool		use_ptr_cache;	/* one grouping column of strings */
	/* strings of at most 8 bytes, by value (len 0: empty slot) */
	struct
	{
		uint64		word;
		uint32		len;
		uint32		group;
	}			short_cache[AGG_SHORT_CACHE];

	bool		done;			/* every row consumed */
	uint32		next_out;
};

static bool
is_bytes_type(PqType t)
{
	return t == PQ_STRING || t == PQ_BYTES || t == PQ_JSON || t == PQ_UUID;
}

bool
LakeAggregateSupports(LakeAggKind kind, const LakeTypeInfo *ti)
{
	switch (kind)
	{
		case LAKE_AGG_COUNT_STAR:
		case LAKE_AGG_COUNT:
			return true;
		case LAKE_AGG_GROUP:
			/* values equal exactly when their bytes are equal */
			switch (ti->pqtype)
			{
				case PQ_BOOL:
				case PQ_INT16:
				case PQ_INT32:
				case PQ_INT64:
				case PQ_DATE:
				case PQ_TIMESTAMP:
				case PQ_TIMESTAMPTZ:
				case PQ_DECIMAL:
				case PQ_UUID:
				case PQ_BYTES:
					return true;
				case PQ_STRING:
					/* char(n) compares without its trailing blanks */
					return ti->typid == TEXTOID || ti->typid == VARCHAROID;
				default:
					return false;
			}
		case LAKE_AGG_SUM:
		case LAKE_AGG_AVG:
			switch (ti->pqtype)
			{
				case PQ_INT16:
				case PQ_INT32:
				case PQ_INT64:
				case PQ_FLOAT:
				case PQ_DOUBLE:
					return true;
				case PQ_DECIMAL:
					return ti->precision <= 18;
				default:
					return false;
			}
		case LAKE_AGG_MIN:
		case LAKE_AGG_MAX:
			switch (ti->pqtype)
			{
				case PQ_INT16:
				case PQ_INT32:
				case PQ_INT64:
				case PQ_FLOAT:
				case PQ_DOUBLE:
				case PQ_DECIMAL:
				case PQ_DATE:
				case PQ_TIMESTAMP:
				case PQ_TIMESTAMPTZ:
					return true;
				case PQ_STRING:
					/* the caller checks for the C collation */
					return ti->typid == TEXTOID;
				default:
					return false;
			}
	}
	return false;
}

static AggOp
choose_op(LakeAggKind kind, const LakeTypeInfo *ti)
{
	bool		is_min = (kind == LAKE_AGG_MIN);

	switch (kind)
	{
		case LAKE_AGG_COUNT_STAR:
			return OP_COUNT_STAR;
		case LAKE_AGG_COUNT:
			return OP_COUNT;
		case LAKE_AGG_SUM:
		case LAKE_AGG_AVG:
			switch (ti->pqtype)
			{
				case PQ_INT16:
				case PQ_INT32:
					return OP_SUM_I32;
				case PQ_INT64:
				case PQ_DECIMAL:
					return OP_SUM_I64;
				case PQ_FLOAT:
					return kind == LAKE_AGG_SUM ? OP_SUM_F32 : OP_AVG_F32;
				case PQ_DOUBLE:
					return kind == LAKE_AGG_SUM ? OP_SUM_F64 : OP_AVG_F64;
				default:
					break;
			}
			break;
		case LAKE_AGG_MIN:
		case LAKE_AGG_MAX:
			switch (ti->pqtype)
			{
				case PQ_INT16:
				case PQ_INT32:
				case PQ_DATE:
					return is_min ? OP_MIN_I32 : OP_MAX_I32;
				case PQ_INT64:
				case PQ_TIMESTAMP:
				case PQ_TIMESTAMPTZ:
					return is_min ? OP_MIN_I64 : OP_MAX_I64;
				case PQ_DECIMAL:
					if (ti->precision <= 18)
						return is_min ? OP_MIN_I64 : OP_MAX_I64;
					return is_min ? OP_MIN_I128 : OP_MAX_I128;
				case PQ_FLOAT:
					return is_min ? OP_MIN_F32 : OP_MAX_F32;
				case PQ_DOUBLE:
					return is_min ? OP_MIN_F64 : OP_MAX_F64;
				case PQ_STRING:
					return is_min ? OP_MIN_BYTES : OP_MAX_BYTES;
				default:
					break;
			}
			break;
		case LAKE_AGG_GROUP:
			break;
	}
	elog(ERROR, "unsupported lake aggregate %d over type %d", (int) kind, (int) ti->pqtype);
	return OP_COUNT_STAR;		/* keep compiler quiet */
}

/* ---------------------------------------------------------------------
 * Groups
 * ---------------------------------------------------------------------
 */
static void
reset_groups(LakeAggregate *agg)
{
	MemoryContextReset(agg->group_cxt);
	agg->map = groupmap_create(agg->group_cxt, 256, NULL);
	agg->maxgroups = 64;
	agg->ngroups = 0;
	agg->accs = MemoryContextAllocZero(agg->group_cxt,
									   sizeof(AggAcc) * agg->maxgroups * Max(agg->nacc, 1));
	agg->keyvals = MemoryContextAlloc(agg->group_cxt,
									  sizeof(Datum) * agg->maxgroups * Max(agg->nkeys, 1));
	agg->keynulls = MemoryContextAlloc(agg->group_cxt,
									   sizeof(bool) * agg->maxgroups * Max(agg->nkeys, 1));
	agg->done = false;
	agg->next_out = 0;
	agg->have_prev = false;
	memset(agg->short_cache, 0, sizeof(agg->short_cache));
	if (agg->nkeys == 0)
		agg->ngroups = 1;		/* the one group of a plain aggregate */
}

/* A new group whose key is row r of the batch. */
static uint32
new_group(LakeAggregate *agg, const PqColumnVector *cols, const bool *absent, uint32 r)
{
	MemoryContext old;
	uint32		g;

	if (agg->ngroups >= PG_UINT32_MAX - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many groups in a lake aggregate")));
	if (agg->ngroups == agg->maxgroups)
	{
		uint32		newmax = agg->maxgroups * 2;

		agg->accs = repalloc_huge(agg->accs, sizeof(AggAcc) * newmax * Max(agg->nacc, 1));
		memset(agg->accs + (size_t) agg->maxgroups * Max(agg->nacc, 1), 0,
			   sizeof(AggAcc) * (newmax - agg->maxgroups) * Max(agg->nacc, 1));
		agg->keyvals = repalloc_huge(agg->keyvals, sizeof(Datum) * newmax * Max(agg->nkeys, 1));
		agg->keynulls = repalloc_huge(agg->keynulls, sizeof(bool) * newmax * Max(agg->nkeys, 1));
		agg->maxgroups = newmax;
	}
	g = agg->ngroups++;
	old = MemoryContextSwitchTo(agg->group_cxt);
	for (int k = 0; k < agg->nkeys; k++)
	{
		int			col = agg->key_cols[k];
		size_t		at = (size_t) g * agg->nkeys + k;

		if (absent && absent[col])
		{
			agg->keyvals[at] = (Datum) 0;
			agg->keynulls[at] = true;
			continue;
		}
		LakeVectorToDatums(&agg->spec->types[col], &cols[col], r, 1,
						   &agg->keyvals[at], &agg->keynulls[at]);
	}
	MemoryContextSwitchTo(old);
	return g;
}

/*
 * Serialize the key of row r into kbuf[kcur]: per column a NULL flag, then
 * the value's bytes (strings: length, then bytes).  Returns its length.
 */
static inline uint32
serialize_key(LakeAggregate *agg, const PqColumnVector *cols, const bool *absent, uint32 r)
{
	char	   *p;

	if (agg->has_bytes_key)
	{
		uint32		need = agg->key_fixed;

		for (int k = 0; k < agg->nkeys; k++)
		{
			int			col = agg->key_cols[k];

			/* the value slot of a NULL is unspecified */
			if (agg->key_size[k] == 0 && !(absent && absent[col]) &&
				!(cols[col].nulls && cols[col].nulls[r]))
				need += cols[col].v.bytes[r].len;
		}
		if (need > agg->kbuf_size)
		{
			uint32		size = Max(need, agg->kbuf_size * 2);

			agg->kbuf[0] = repalloc(agg->kbuf[0], size);
			agg->kbuf[1] = repalloc(agg->kbuf[1], size);
			agg->kbuf_size = size;
		}
	}
	p = agg->kbuf[agg->kcur];
	for (int k = 0; k < agg->nkeys; k++)
	{
		int			col = agg->key_cols[k];
		const PqColumnVector *vec = &cols[col];
		size_t		sz = agg->key_size[k];

		if ((absent && absent[col]) || (vec->nulls && vec->nulls[r]))
		{
			*p++ = 0;
			continue;
		}
		*p++ = 1;
		if (sz == 0)
		{
			const PqBytes *b = &vec->v.bytes[r];

			memcpy(p, &b->len, sizeof(uint32));
			memcpy(p + sizeof(uint32), b->ptr, b->len);
			p += sizeof(uint32) + b->len;
		}
		else if (sz == 4)
		{
			memcpy(p, vec->v.b + (size_t) r * 4, 4);
			p += 4;
		}
		else if (sz == 8)
		{
			memcpy(p, vec->v.b + (size_t) r * 8, 8);
			p += 8;
		}
		else
		{
			memcpy(p, vec->v.b + (size_t) r * sz, sz);
			p += sz;
		}
	}
	return (uint32) (p - agg->kbuf[agg->kcur]);
}

/*
 * The group of row r: serialize its key, find or add it.  Rows come
 * clustered more often than not (files sorted by key, ingest order): a key
 * equal to the previous row's is the previous row's group.
 */
static uint32
lookup_group(LakeAggregate *agg, const PqColumnVector *cols, const bool *absent, uint32 r)
{
	GroupKey	key;
	GroupEntry *e;
	bool		found;

	key.len = serialize_key(agg, cols, absent, r);
	key.data = agg->kbuf[agg->kcur];
	if (agg->have_prev && key.len == agg->prev_len &&
		memcmp(key.data, agg->kbuf[1 - agg->kcur], key.len) == 0)
		return agg->prev_group;

	e = groupmap_insert_hash(agg->map, key,
							 hash_bytes((const unsigned char *) key.data, (int) key.len),
							 &found);
	if (!found)
	{
		char	   *copy = MemoryContextAlloc(agg->group_cxt, Max(key.len, 1));

		memcpy(copy, key.data, key.len);
		e->key.data = copy;
		e->key.len = key.len;
		e->group = new_group(agg, cols, absent, r);
	}
	agg->have_prev = true;
	agg->prev_len = key.len;
	agg->prev_group = e->group;
	agg->kcur = 1 - agg->kcur;
	return e->group;
}

/* Map the rows of a batch to groups (gids[i] for row first + i). */
static void
assign_groups(LakeAggregate *agg, const PqColumnVector *cols, const bool *absent,
			  const uint8 *skip, uint32 first, uint32 n)
{
	uint32	   *gids = agg->gids;

	if (agg->use_ptr_cache)
	{
		int			col = agg->key_cols[0];
		const PqColumnVector *vec = &cols[col];

		if (absent && absent[col])
		{
			for (uint32 i = 0; i < n; i++)
				gids[i] = lookup_group(agg, cols, absent, first + i);
			return;
		}

		/*
		 * Dictionary-encoded strings share their bytes within a batch: the
		 * same pointer and length is the same value, no hashing needed.
		 */
		memset(agg->ptr_cache, 0, sizeof(agg->ptr_cache));
		for (uint32 i = 0; i < n; i++)
		{
			uint32		r = first + i;
			const PqBytes *b;
			PtrCacheEntry *ce;

			if (skip && skip[i])
				continue;
			if (vec->nulls && vec->nulls[r])
			{
				gids[i] = lookup_group(agg, cols, absent, r);
				continue;
			}
			b = &vec->v.bytes[r];
			ce = &agg->ptr_cache[(((uintptr_t) b->ptr >> 3) ^ b->len) % AGG_PTR_CACHE];
			if (ce->ptr == b->ptr && ce->len == b->len && ce->ptr != NULL)
			{
				gids[i] = ce->group;
				continue;
			}
			if (b->len >= 1 && b->len <= 8)
			{
				/*
				 * Short strings not sharing bytes (plain-encoded pages,
				 * merged rows): their bytes are the cache key.
				 */
				uint64		w = 0;
				uint32		slot;

				memcpy(&w, b->ptr, b->len);
				slot = (uint32) (((w ^ b->len) * UINT64CONST(0x9E3779B97F4A7C15)) >> 58) %
					AGG_SHORT_CACHE;
				if (agg->short_cache[slot].len == b->len && agg->short_cache[slot].word == w)
					gids[i] = agg->short_cache[slot].group;
				else
				{
					gids[i] = lookup_group(agg, cols, absent, r);
					agg->short_cache[slot].word = w;
					agg->short_cache[slot].len = b->len;
					agg->short_cache[slot].group = gids[i];
				}
			}
			else
				gids[i] = lookup_group(agg, cols, absent, r);
			ce->ptr = b->ptr;
			ce->len = b->len;
			ce->group = gids[i];
		}
		return;
	}
	for (uint32 i = 0; i < n; i++)
	{
		if (skip && skip[i])
			continue;
		gids[i] = lookup_group(agg, cols, absent, first + i);
	}
}

/* ---------------------------------------------------------------------
 * Accumulation
 * ---------------------------------------------------------------------
 */

/*
 * Loop over the visible, non-NULL rows of a vector; acc is the row's
 * accumulator, r its index into the vector.
 */
#define FOR_EACH_INPUT(BODY) \
	do { \
		for (uint32 i = 0; i < n; i++) \
		{ \
			uint32		r = first + i; \
			AggAcc	   *acc; \
			if ((skip && skip[i]) || (nulls && nulls[r])) \
				continue; \
			acc = &accs[(gids ? (size_t) gids[i] * stride : 0) + a]; \
			{ \
				BODY; \
			} \
		} \
	} while (0)

/* PostgreSQL's float comparisons: NaN above everything, equal to NaN */
static inline bool
float_less(double x, double y)
{
	if (isnan(x))
		return false;
	if (isnan(y))
		return true;
	return x < y;
}

/*
 * float8_accum's step (N, Sx, Sxx): avg needs only N and Sx, but Sxx is
 * kept so that inputs PostgreSQL rejects as an overflow are rejected here.
 */
static inline void
float_accum(AggAcc *acc, double x)
{
	double		old_n = (double) acc->count;
	double		old_sx = acc->v.f64;
	double		n = old_n + 1.0;
	double		sx = old_sx + x;

	if (old_n > 0.0)
	{
		double		tmp = x * n - sx;
		double		sxx = acc->sxx + tmp * tmp / (n * old_n);

		if (isinf(sx) || isinf(sxx))
		{
			if (!isinf(old_sx) && !isinf(x))
				float_overflow_error();
			sxx = get_float8_nan();
		}
		acc->sxx = sxx;
	}
	else if (isnan(x) || isinf(x))
		acc->sxx = get_float8_nan();
	acc->count++;
	acc->v.f64 = sx;
}

static void
store_bytes(LakeAggregate *agg, AggAcc *acc, const PqBytes *b)
{
	uint8	   *copy = MemoryContextAlloc(agg->group_cxt, Max(b->len, 1));

	memcpy(copy, b->ptr, b->len);
	if (acc->count > 1 && acc->v.bytes.ptr)
		pfree((void *) acc->v.bytes.ptr);
	acc->v.bytes.ptr = copy;
	acc->v.bytes.len = b->len;
}

static int
bytes_cmp(const PqBytes *x, const PqBytes *y)
{
	int			c = memcmp(x->ptr, y->ptr, Min(x->len, y->len));

	if (c != 0 || x->len == y->len)
		return c;
	return x->len < y->len ? -1 : 1;
}

static void
accumulate(LakeAggregate *agg, int a, const PqColumnVector *vec, const uint8 *skip,
		   uint32 first, uint32 n)
{
	const uint32 *gids = agg->nkeys > 0 ? agg->gids : NULL;
	AggAcc	   *accs = agg->accs;
	size_t		stride = agg->nacc;
	const uint8 *nulls = vec ? vec->nulls : NULL;

	switch (agg->acc_op[a])
	{
		case OP_COUNT_STAR:
			nulls = NULL;
			if (gids == NULL)
			{
				uint32		visible = n;

				if (skip)
					for (uint32 i = 0; i < n; i++)
						visible -= (skip[i] != 0);
				accs[a].count += visible;
				break;
			}
			FOR_EACH_INPUT(acc->count++);
			break;
		case OP_COUNT:
			FOR_EACH_INPUT(acc->count++);
			break;
		case OP_SUM_I32:
			FOR_EACH_INPUT(acc->count++; acc->v.i128 += vec->v.i32[r]);
			break;
		case OP_SUM_I64:
			FOR_EACH_INPUT(acc->count++; acc->v.i128 += vec->v.i64[r]);
			break;
		case OP_SUM_F32:
			/* float4pl: an infinite sum of finite values is an overflow */
			FOR_EACH_INPUT(
						   float x = vec->v.f32[r];
						   float sum = acc->v.f32 + x;

						   if (unlikely(isinf(sum)) && !isinf(acc->v.f32) && !isinf(x))
						   float_overflow_error();
						   acc->count++;
						   acc->v.f32 = sum);
			break;
		case OP_SUM_F64:
			FOR_EACH_INPUT(
						   double x = vec->v.f64[r];
						   double sum = acc->v.f64 + x;

						   if (unlikely(isinf(sum)) && !isinf(acc->v.f64) && !isinf(x))
						   float_overflow_error();
						   acc->count++;
						   acc->v.f64 = sum);
			break;
		case OP_AVG_F32:
			FOR_EACH_INPUT(float_accum(acc, (double) vec->v.f32[r]));
			break;
		case OP_AVG_F64:
			FOR_EACH_INPUT(float_accum(acc, vec->v.f64[r]));
			break;
		case OP_MIN_I32:
			FOR_EACH_INPUT(
						   int32 x = vec->v.i32[r];

						   if (acc->count++ == 0 || x < acc->v.i32)
						   acc->v.i32 = x);
			break;
		case OP_MAX_I32:
			FOR_EACH_INPUT(
						   int32 x = vec->v.i32[r];

						   if (acc->count++ == 0 || x > acc->v.i32)
						   acc->v.i32 = x);
			break;
		case OP_MIN_I64:
			FOR_EACH_INPUT(
						   int64 x = vec->v.i64[r];

						   if (acc->count++ == 0 || x < acc->v.i64)
						   acc->v.i64 = x);
			break;
		case OP_MAX_I64:
			FOR_EACH_INPUT(
						   int64 x = vec->v.i64[r];

						   if (acc->count++ == 0 || x > acc->v.i64)
						   acc->v.i64 = x);
			break;
		case OP_MIN_I128:
			FOR_EACH_INPUT(
						   pq_int128 x = vec->v.i128[r];

						   if (acc->count++ == 0 || x < acc->v.i128)
						   acc->v.i128 = x);
			break;
		case OP_MAX_I128:
			FOR_EACH_INPUT(
						   pq_int128 x = vec->v.i128[r];

						   if (acc->count++ == 0 || x > acc->v.i128)
						   acc->v.i128 = x);
			break;

			/*
			 * float4smaller/float8larger keep the state only when it is
			 * strictly better: on ties (0 and -0) the newer value wins.
			 */
		case OP_MIN_F32:
			FOR_EACH_INPUT(
						   float x = vec->v.f32[r];

						   if (acc->count++ == 0 || !float_less(acc->v.f32, x))
						   acc->v.f32 = x);
			break;
		case OP_MAX_F32:
			FOR_EACH_INPUT(
						   float x = vec->v.f32[r];

						   if (acc->count++ == 0 || !float_less(x, acc->v.f32))
						   acc->v.f32 = x);
			break;
		case OP_MIN_F64:
			FOR_EACH_INPUT(
						   double x = vec->v.f64[r];

						   if (acc->count++ == 0 || !float_less(acc->v.f64, x))
						   acc->v.f64 = x);
			break;
		case OP_MAX_F64:
			FOR_EACH_INPUT(
						   double x = vec->v.f64[r];

						   if (acc->count++ == 0 || !float_less(x, acc->v.f64))
						   acc->v.f64 = x);
			break;
		case OP_MIN_BYTES:
			FOR_EACH_INPUT(
						   const PqBytes *x = &vec->v.bytes[r];

						   if (acc->count++ == 0 || bytes_cmp(x, &acc->v.bytes) < 0)
						   store_bytes(agg, acc, x));
			break;
		case OP_MAX_BYTES:
			FOR_EACH_INPUT(
						   const PqBytes *x = &vec->v.bytes[r];

						   if (acc->count++ == 0 || bytes_cmp(x, &acc->v.bytes) > 0)
						   store_bytes(agg, acc, x));
			break;
	}
}

/* Rows [first, first + n) of the vectors; skip[i] hides row first + i. */
static void
process_batch(LakeAggregate *agg, const PqColumnVector *cols, const bool *absent,
			  const uint8 *skip, uint32 first, uint32 n)
{
	if (n == 0)
		return;
	if (agg->nkeys > 0)
	{
		if (n > agg->gids_size)
		{
			agg->gids = repalloc_huge(agg->gids, sizeof(uint32) * n);
			agg->gids_size = n;
		}
		assign_groups(agg, cols, absent, skip, first, n);
	}
	for (int a = 0; a < agg->nacc; a++)
	{
		int			col = agg->acc_col[a];

		if (col < 0)
			accumulate(agg, a, NULL, skip, first, n);
		else if (!(absent && absent[col]))
			accumulate(agg, a, &cols[col], skip, first, n);
		/* an absent column is all NULL: nothing to add */
	}
}

static void
run(LakeAggregate *agg)
{
	MemoryContext old = MemoryContextSwitchTo(agg->cxt);
	LakeScanBatch batch;

	while (LakeScanNextBatch(agg->scan, &batch))
		process_batch(agg, batch.columns, batch.absent, batch.skip,
					  batch.first, batch.nrows);
	agg->done = true;
	MemoryContextSwitchTo(old);
}

/* ---------------------------------------------------------------------
 * Results
 * ---------------------------------------------------------------------
 */
static Datum
numeric_from_unscaled(pq_int128 v, int scale)
{
	LakeTypeInfo ti;
	PqValue		pv;

	memset(&ti, 0, sizeof(ti));
	memset(&pv, 0, sizeof(pv));
	ti.typid = NUMERICOID;
	ti.typmod = -1;
	ti.pqtype = PQ_DECIMAL;
	ti.precision = 38;
	ti.scale = scale;
	pv.type = PQ_DECIMAL;
	pv.precision = 38;
	pv.scale = scale;
	pv.v.i128 = v;
	return LakeValueToDatum(&ti, &pv);
}

static Datum
finalize(LakeAggregate *agg, const LakeAggItem *item, const AggAcc *acc, bool *isnull)
{
	const LakeTypeInfo *ti = item->column >= 0 ? &agg->spec->types[item->column] : NULL;
	int			scale = (ti && ti->pqtype == PQ_DECIMAL) ? ti->scale : 0;

	*isnull = false;
	if (item->kind == LAKE_AGG_COUNT || item->kind == LAKE_AGG_COUNT_STAR)
		return Int64GetDatum(acc->count);
	if (acc->count == 0)
	{
		*isnull = true;
		return (Datum) 0;
	}
	switch (item->kind)
	{
		case LAKE_AGG_SUM:
			switch (ti->pqtype)
			{
				case PQ_INT16:
				case PQ_INT32:
					if (acc->v.i128 < PG_INT64_MIN || acc->v.i128 > PG_INT64_MAX)
						ereport(ERROR,
								(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
								 errmsg("bigint out of range")));
					return Int64GetDatum((int64) acc->v.i128);
				case PQ_FLOAT:
					return Float4GetDatum(acc->v.f32);
				case PQ_DOUBLE:
					return Float8GetDatum(acc->v.f64);
				default:		/* int8, numeric */
					return numeric_from_unscaled(acc->v.i128, scale);
			}
		case LAKE_AGG_AVG:
			if (ti->pqtype == PQ_FLOAT || ti->pqtype == PQ_DOUBLE)
				return Float8GetDatum(acc->v.f64 / (double) acc->count);
			/* as int8_avg, numeric_poly_avg and numeric_avg do */
			return DirectFunctionCall2(numeric_div,
									   numeric_from_unscaled(acc->v.i128, scale),
									   NumericGetDatum(int64_to_numeric(acc->count)));
		case LAKE_AGG_MIN:
		case LAKE_AGG_MAX:
			{
				PqColumnVector vec;
				Datum		d;
				bool		dnull;

				memset(&vec, 0, sizeof(vec));
				vec.type = ti->pqtype;
				vec.count = 1;
				vec.v.b = (uint8_t *) &acc->v;
				LakeVectorToDatums(ti, &vec, 0, 1, &d, &dnull);
				return d;
			}
		default:
			break;
	}
	elog(ERROR, "unexpected lake aggregate kind %d", (int) item->kind);
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Entry points
 * ---------------------------------------------------------------------
 */
LakeAggregate *
LakeAggregateBegin(LakeScan *scan, const LakeScanSpec *spec, int nitems,
				   const LakeAggItem *items, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "lake_fdw aggregate",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	LakeAggregate *agg = palloc0(sizeof(LakeAggregate));

	agg->scan = scan;
	agg->spec = spec;
	agg->cxt = cxt;
	agg->group_cxt = AllocSetContextCreate(cxt, "lake_fdw aggregate groups",
										   ALLOCSET_DEFAULT_SIZES);
	agg->nitems = nitems;
	agg->items = palloc(sizeof(LakeAggItem) * Max(nitems, 1));
	memcpy(agg->items, items, sizeof(LakeAggItem) * nitems);
	agg->item_acc = palloc(sizeof(int) * Max(nitems, 1));
	agg->item_key = palloc(sizeof(int) * Max(nitems, 1));
	agg->key_cols = palloc(sizeof(int) * Max(nitems, 1));
	agg->acc_col = palloc(sizeof(int) * Max(nitems, 1));
	agg->acc_op = palloc(sizeof(AggOp) * Max(nitems, 1));
	for (int i = 0; i < nitems; i++)
	{
		const LakeAggItem *it = &items[i];

		agg->item_acc[i] = agg->item_key[i] = -1;
		Assert(it->column < 0 || spec->wanted[it->column]);
		if (it->kind == LAKE_AGG_GROUP)
		{
			/* the same column twice is one key */
			for (int k = 0; k < agg->nkeys; k++)
				if (agg->key_cols[k] == it->column)
					agg->item_key[i] = k;
			if (agg->item_key[i] < 0)
			{
				agg->item_key[i] = agg->nkeys;
				agg->key_cols[agg->nkeys++] = it->column;
			}
			continue;
		}
		agg->item_acc[i] = agg->nacc;
		agg->acc_col[agg->nacc] = it->column;
		agg->acc_op[agg->nacc] = choose_op(it->kind,
										   it->column >= 0 ? &spec->types[it->column] : NULL);
		agg->nacc++;
	}
	agg->use_ptr_cache = agg->nkeys == 1 &&
		is_bytes_type(spec->types[agg->key_cols[0]].pqtype);
	agg->gids_size = 8192;
	agg->gids = palloc(sizeof(uint32) * agg->gids_size);
	agg->key_size = palloc(sizeof(size_t) * Max(agg->nkeys, 1));
	for (int k = 0; k < agg->nkeys; k++)
	{
		const LakeTypeInfo *ti = &spec->types[agg->key_cols[k]];

		agg->key_size[k] = is_bytes_type(ti->pqtype) ? 0 : LakeTypeValueSize(ti);
		agg->key_fixed += 1 + (agg->key_size[k] == 0 ? sizeof(uint32) : agg->key_size[k]);
		agg->has_bytes_key |= (agg->key_size[k] == 0);
	}
	agg->kbuf_size = Max(agg->key_fixed, 64);
	agg->kbuf[0] = palloc(agg->kbuf_size);
	agg->kbuf[1] = palloc(agg->kbuf_size);

	reset_groups(agg);
	MemoryContextSwitchTo(old);
	return agg;
}

bool
LakeAggregateNext(LakeAggregate *agg, Datum *values, bool *isnull)
{
	uint32		g;

	if (!agg->done)
		run(agg);
	if (agg->next_out >= agg->ngroups)
		return false;
	g = agg->next_out++;
	for (int i = 0; i < agg->nitems; i++)
	{
		if (agg->item_key[i] >= 0)
		{
			size_t		at = (size_t) g * agg->nkeys + agg->item_key[i];

			values[i] = agg->keyvals[at];
			isnull[i] = agg->keynulls[at];
			continue;
		}
		values[i] = finalize(agg, &agg->items[i],
							 &agg->accs[(size_t) g * agg->nacc + agg->item_acc[i]],
							 &isnull[i]);
	}
	return true;
}

void
LakeAggregateRescan(LakeAggregate *agg)
{
	LakeScanRescan(agg->scan);
	reset_groups(agg);
}

void
LakeAggregateEnd(LakeAggregate *agg)
{
	MemoryContextDelete(agg->cxt);
}
