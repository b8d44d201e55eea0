/*-------------------------------------------------------------------------
 * merge_engine.c
 *	  Folds the versions of one primary key into the row readers see: the
 *	  merge engines and the per-column merge ops (see merge_engine.h).
 *
 * The state holds one row as one-row column vectors in the scan layer's
 * value representation; string bytes are copied into the state's context,
 * which is reset per key.  With a sequence_column, versions are first
 * collected, then ordered by that column (ties and NULLs by commit order),
 * and folded; a DELETE still removes every version committed before it.
 *
 * Arithmetic follows PostgreSQL's: an overflow is an ERROR
 * (numeric_value_out_of_range) naming the column, never a wrap.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "common/int128.h"
#include "miscadmin.h"
#include "mergetree/merge_engine.h"
#include "utils/memutils.h"

#define SLOT_BYTES	sizeof(pq_int128)

/* one collected version (sequence_column tables) */
typedef struct Version
{
	LakeRecordKind kind;
	PqBytes		ops;
	PqColumnVector *cols;		/* one-row vectors */
	bool		seq_null;
	int64		order;			/* arrival order */
} Version;

struct LakeMergeState
{
	const LakeMergeConfig *cfg;
	bool	   *need;			/* [ncolumns] columns folded */
	MemoryContext cxt;			/* reset per key */
	bool		present;
	PqColumnVector *row;		/* [ncolumns] the folded row */
	uint8	   *store;			/* value slots of row */
	uint8	   *nulls;
	/* sequence_column: versions of the current key */
	Version    *versions;
	int			nversions;
	int			maxversions;
};

/* ---------------------------------------------------------------------
 * Configuration
 * ---------------------------------------------------------------------
 */
char
LakeMergeAggregateOp(const char *aggregate)
{
	static const struct
	{
		const char *name;
		char		op;
	}			map[] =
	{
		{"sum", LAKE_OP_SUM},
		{"min", LAKE_OP_MIN},
		{"max", LAKE_OP_MAX},
		{"product", LAKE_OP_PRODUCT},
		{"last_value", LAKE_OP_REPLACE},
		{"last_non_null_value", LAKE_OP_NEW_NONNULL},
		{"first_value", LAKE_OP_KEEP},
		{"first_non_null_value", LAKE_OP_OLD_NONNULL},
		{"bool_and", LAKE_OP_BOOL_AND},
		{"bool_or", LAKE_OP_BOOL_OR},
		{"listagg", LAKE_OP_LISTAGG},
	};

	for (int i = 0; i < lengthof(map); i++)
		if (strcmp(map[i].name, aggregate) == 0)
			return map[i].op;
	return 0;
}

const char *
LakeMergeOpName(char op)
{
	switch (op)
	{
		case LAKE_OP_REPLACE:
			return "replace";
		case LAKE_OP_KEEP:
		case LAKE_OP_NONE:
			return "keep";
		case LAKE_OP_NEW_NONNULL:
			return "coalesce(new, old)";
		case LAKE_OP_OLD_NONNULL:
			return "coalesce(old, new)";
		case LAKE_OP_ADD:
			return "add";
		case LAKE_OP_SUM:
			return "sum";
		case LAKE_OP_PRODUCT:
			return "product";
		case LAKE_OP_MAX:
			return "greatest";
		case LAKE_OP_MIN:
			return "least";
		case LAKE_OP_BOOL_AND:
			return "bool_and";
		case LAKE_OP_BOOL_OR:
			return "bool_or";
		case LAKE_OP_LISTAGG:
			return "listagg";
	}
	return "?";
}

static bool
is_numeric_type(PqType t)
{
	return t == PQ_INT16 || t == PQ_INT32 || t == PQ_INT64 || t == PQ_FLOAT ||
		t == PQ_DOUBLE || t == PQ_DECIMAL;
}

bool
LakeMergeOpSuitsType(char op, const LakeTypeInfo *ti)
{
	switch (op)
	{
		case LAKE_OP_ADD:
		case LAKE_OP_SUM:
		case LAKE_OP_PRODUCT:
			return is_numeric_type(ti->pqtype);
		case LAKE_OP_BOOL_AND:
		case LAKE_OP_BOOL_OR:
			return ti->pqtype == PQ_BOOL;
		case LAKE_OP_LISTAGG:
			return ti->pqtype == PQ_STRING;
		case LAKE_OP_MAX:
		case LAKE_OP_MIN:
			return ti->pqtype != PQ_JSON;
		default:
			return true;
	}
}

LakeMergeConfig *
LakeMergeConfigBuild(const char *engine, int ncolumns, const char *const *names,
					 const LakeTypeInfo *types, const int32 *column_ids,
					 const char *const *aggregates, int nkey, const int *key_cols,
					 int sequence_col)
{
	LakeMergeConfig *cfg = palloc0(sizeof(LakeMergeConfig));
	char		dflt;

	if (strcmp(engine, "deduplicate") == 0)
		dflt = LAKE_OP_REPLACE;
	else if (strcmp(engine, "partial_update") == 0)
		dflt = LAKE_OP_NEW_NONNULL;
	else if (strcmp(engine, "aggregation") == 0)
		dflt = LAKE_OP_NEW_NONNULL; /* Paimon's default: last_non_null_value */
	else if (strcmp(engine, "first_row") == 0)
		dflt = LAKE_OP_KEEP;
	else
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("unknown merge engine \"%s\"", engine),
				 errhint("Valid engines: deduplicate, partial_update, aggregation, first_row.")));

	cfg->ncolumns = ncolumns;
	cfg->types = types;
	cfg->names = names;
	cfg->engine = pstrdup(engine);
	cfg->sequence_col = sequence_col;
	cfg->column_ids = palloc(sizeof(int32) * Max(ncolumns, 1));
	cfg->engine_ops = palloc(Max(ncolumns, 1));
	for (int i = 0; i < ncolumns; i++)
	{
		char		op = dflt;

		cfg->column_ids[i] = column_ids[i];
		if (aggregates && aggregates[i] && strcmp(engine, "aggregation") == 0)
		{
			op = LakeMergeAggregateOp(aggregates[i]);
			if (op == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("unknown aggregate \"%s\" for column \"%s\"",
								aggregates[i], names[i])));
			if (!LakeMergeOpSuitsType(op, &types[i]))
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("aggregate \"%s\" cannot merge column \"%s\" of its type",
								aggregates[i], names[i]),
						 errhint("sum and product take numbers, bool_and and bool_or booleans, listagg text.")));
		}
		cfg->engine_ops[i] = op;
	}
	for (int k = 0; k < nkey; k++)
		cfg->engine_ops[key_cols[k]] = LAKE_OP_NONE;
	cfg->engine_replaces = strcmp(engine, "deduplicate") == 0;
	return cfg;
}

/* ---------------------------------------------------------------------
 * State
 * ---------------------------------------------------------------------
 */
static bool
is_bytes_type(PqType t)
{
	return t == PQ_STRING || t == PQ_BYTES || t == PQ_JSON || t == PQ_UUID;
}

static void
init_row_vectors(const LakeMergeConfig *cfg, PqColumnVector *vec, uint8 *store, uint8 *nulls)
{
	for (int i = 0; i < cfg->ncolumns; i++)
	{
		vec[i].type = cfg->types[i].pqtype;
		vec[i].count = 1;
		vec[i].nulls = &nulls[i];
		vec[i].v.b = store + SLOT_BYTES * i;
		nulls[i] = 1;
	}
}

LakeMergeState *
LakeMergeStateCreate(const LakeMergeConfig *cfg, const bool *need, MemoryContext parent)
{
	LakeMergeState *st = MemoryContextAllocZero(parent, sizeof(LakeMergeState));
	int			n = Max(cfg->ncolumns, 1);

	st->cfg = cfg;
	st->need = MemoryContextAlloc(parent, sizeof(bool) * n);
	for (int i = 0; i < cfg->ncolumns; i++)
		st->need[i] = need[i] || i == cfg->sequence_col;
	st->cxt = AllocSetContextCreate(parent, "lake_fdw merge key", ALLOCSET_SMALL_SIZES);
	st->row = MemoryContextAllocZero(parent, sizeof(PqColumnVector) * n);
	st->store = MemoryContextAllocZero(parent, SLOT_BYTES * n);
	st->nulls = MemoryContextAllocZero(parent, n);
	init_row_vectors(cfg, st->row, st->store, st->nulls);
	return st;
}

void
LakeMergeStateReset(LakeMergeState *st)
{
	MemoryContextReset(st->cxt);
	st->present = false;
	st->versions = NULL;
	st->nversions = st->maxversions = 0;
}

/* Copy value row r of src (NULL when absent) into one-row dst, bytes into cxt. */
static void
copy_value(const LakeTypeInfo *ti, const PqColumnVector *src, bool absent, uint32 r,
		   PqColumnVector *dst, MemoryContext cxt)
{
	size_t		sz = LakeTypeValueSize(ti);

	if (absent || (src->nulls && src->nulls[r]))
	{
		dst->nulls[0] = 1;
		return;
	}
	dst->nulls[0] = 0;
	memcpy(dst->v.b, src->v.b + (size_t) r * sz, sz);
	if (is_bytes_type(ti->pqtype))
	{
		PqBytes    *b = dst->v.bytes;
		uint8	   *copy = MemoryContextAlloc(cxt, Max(b->len, 1));

		memcpy(copy, b->ptr, b->len);
		b->ptr = copy;
	}
}

static pg_attribute_noreturn() void
overflow(const LakeMergeConfig *cfg, int col)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range while merging column \"%s\" of a lake table",
					cfg->names[col]),
			 errdetail("The merged versions of a key add or multiply beyond the column's type.")));
}

static pq_int128
pow10_128(int n)
{
	pq_int128	p = 1;

	while (n-- > 0)
		p *= 10;
	return p;
}

/* |v| must stay below 10^precision */
static void
check_decimal(const LakeMergeConfig *cfg, int col, pq_int128 v)
{
	pq_int128	lim = pow10_128(cfg->types[col].precision);

	if (v >= lim || v <= -lim)
		overflow(cfg, col);
}

/* unscaled decimals: a * b / 10^scale, rounded half away from zero */
static pq_int128
decimal_multiply(const LakeMergeConfig *cfg, int col, pq_int128 a, pq_int128 b)
{
	pq_int128	r,
				div = pow10_128(cfg->types[col].scale),
				rem;
	bool		neg;

	if (__builtin_mul_overflow(a, b, &r))
		overflow(cfg, col);
	neg = r < 0;
	if (neg)
		r = -r;
	rem = r % div;
	r /= div;
	if (rem * 2 >= div)
		r++;
	return neg ? -r : r;
}

/*
 * old = old + new, or old * new (both non-NULL), in the column's type:
 * an overflow is an ERROR as in PostgreSQL.
 */
static void
arith_values(const LakeMergeConfig *cfg, int col, uint8 *old, const uint8 *new, bool multiply)
{
	const LakeTypeInfo *ti = &cfg->types[col];

	switch (ti->pqtype)
	{
		case PQ_INT16:
		case PQ_INT32:
			{
				int32		a,
							b,
							r;

				memcpy(&a, old, 4);
				memcpy(&b, new, 4);
				if ((multiply ? pg_mul_s32_overflow(a, b, &r) : pg_add_s32_overflow(a, b, &r)) ||
					(ti->pqtype == PQ_INT16 && (r < PG_INT16_MIN || r > PG_INT16_MAX)))
					overflow(cfg, col);
				memcpy(old, &r, 4);
				break;
			}
		case PQ_INT64:
			{
				int64		a,
							b,
							r;

				memcpy(&a, old, 8);
				memcpy(&b, new, 8);
				if (multiply ? pg_mul_s64_overflow(a, b, &r) : pg_add_s64_overflow(a, b, &r))
					overflow(cfg, col);
				memcpy(old, &r, 8);
				break;
			}
		case PQ_FLOAT:
			{
				float		a,
							b;

				memcpy(&a, old, 4);
				memcpy(&b, new, 4);
				if (multiply)
					a *= b;
				else
				{
					a += b;
					if (isinf(a) && !isinf(b))
						overflow(cfg, col);
				}
				memcpy(old, &a, 4);
				break;
			}
		case PQ_DOUBLE:
			{
				double		a,
							b;

				memcpy(&a, old, 8);
				memcpy(&b, new, 8);
				if (multiply)
					a *= b;
				else
				{
					a += b;
					if (isinf(a) && !isinf(b))
						overflow(cfg, col);
				}
				memcpy(old, &a, 8);
				break;
			}
		case PQ_DECIMAL:
			{
				pq_int128	a,
							b,
							r;

				if (ti->precision <= 18)
				{
					int64		x,
								y;

					memcpy(&x, old, 8);
					memcpy(&y, new, 8);
					a = x;
					b = y;
				}
				else
				{
					memcpy(&a, old, 16);
					memcpy(&b, new, 16);
				}
				/* sums of values below 10^38 < 2^127 / 2 cannot overflow */
				r = multiply ? decimal_multiply(cfg, col, a, b) : a + b;
				check_decimal(cfg, col, r);
				if (ti->precision <= 18)
				{
					int64		x = (int64) r;

					memcpy(old, &x, 8);
				}
				else
					memcpy(old, &r, 16);
				break;
			}
		default:
			elog(ERROR, "lake_fdw: %s on a non-numeric column", multiply ? "product" : "add");
	}
}

/* Merge one column: old (row slot of the state) with new (row r of src). */
static void
merge_column(LakeMergeState *st, int col, char op, const PqColumnVector *src,
			 bool absent, uint32 r)
{
	const LakeMergeConfig *cfg = st->cfg;
	const LakeTypeInfo *ti = &cfg->types[col];
	PqColumnVector *dst = &st->row[col];
	size_t		sz = LakeTypeValueSize(ti);
	bool		new_null = absent || (src->nulls && src->nulls[r]);
	bool		old_null = dst->nulls[0] != 0;
	const uint8 *newv = new_null ? NULL : src->v.b + (size_t) r * sz;

	switch (op)
	{
		case LAKE_OP_KEEP:
		case LAKE_OP_NONE:
			return;
		case LAKE_OP_REPLACE:
			copy_value(ti, src, absent, r, dst, st->cxt);
			return;
		case LAKE_OP_NEW_NONNULL:
			if (!new_null)
				copy_value(ti, src, absent, r, dst, st->cxt);
			return;
		case LAKE_OP_OLD_NONNULL:
			if (old_null)
				copy_value(ti, src, absent, r, dst, st->cxt);
			return;
		case LAKE_OP_ADD:
			if (old_null)
				return;
			if (new_null)
			{
				dst->nulls[0] = 1;
				return;
			}
			arith_values(cfg, col, dst->v.b, newv, false);
			return;
		default:
			break;
	}

	/* aggregates that ignore NULLs */
	if (new_null)
		return;
	if (old_null)
	{
		copy_value(ti, src, absent, r, dst, st->cxt);
		return;
	}
	switch (op)
	{
		case LAKE_OP_SUM:
			arith_values(cfg, col, dst->v.b, newv, false);
			break;
		case LAKE_OP_PRODUCT:
			arith_values(cfg, col, dst->v.b, newv, true);
			break;
		case LAKE_OP_MAX:
			if (LakeValueCompareRaw(ti, newv, dst->v.b) > 0)
				copy_value(ti, src, absent, r, dst, st->cxt);
			break;
		case LAKE_OP_MIN:
			if (LakeValueCompareRaw(ti, newv, dst->v.b) < 0)
				copy_value(ti, src, absent, r, dst, st->cxt);
			break;
		case LAKE_OP_BOOL_AND:
			dst->v.b[0] = dst->v.b[0] && newv[0];
			break;
		case LAKE_OP_BOOL_OR:
			dst->v.b[0] = dst->v.b[0] || newv[0];
			break;
		case LAKE_OP_LISTAGG:
			{
				PqBytes    *o = dst->v.bytes;
				const PqBytes *n = (const PqBytes *) newv;
				uint8	   *joined = MemoryContextAlloc(st->cxt, o->len + 1 + n->len + 1);

				memcpy(joined, o->ptr, o->len);
				joined[o->len] = ',';
				memcpy(joined + o->len + 1, n->ptr, n->len);
				o->ptr = joined;
				o->len = o->len + 1 + n->len;
				break;
			}
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("unknown merge op '%c' for column \"%s\" of a lake table",
							op, cfg->names[col])));
	}
}

/* The op of column col in an ops string (by column id). */
static char
ops_letter(const LakeMergeConfig *cfg, const PqBytes *ops, int col)
{
	int32		id = cfg->column_ids[col];

	if (ops == NULL || id < 0 || (uint32) id >= ops->len)
		return LAKE_OP_KEEP;
	return (char) ops->ptr[id];
}

static void
fold(LakeMergeState *st, LakeRecordKind kind, const PqBytes *ops,
	 const PqColumnVector *cols, const bool *absent, uint32 row)
{
	const LakeMergeConfig *cfg = st->cfg;

	if (kind == LAKE_REC_DELETE)
	{
		st->present = false;
		return;
	}
	if (!st->present || kind == LAKE_REC_SET ||
		(kind == LAKE_REC_ENGINE && cfg->engine_replaces))
	{
		for (int i = 0; i < cfg->ncolumns; i++)
			if (st->need[i])
				copy_value(&cfg->types[i], &cols[i], absent && absent[i], row,
						   &st->row[i], st->cxt);
		st->present = true;
		return;
	}
	if (kind != LAKE_REC_ENGINE && kind != LAKE_REC_OPS)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("lake data file holds a record of unknown kind %d", (int) kind)));
	for (int i = 0; i < cfg->ncolumns; i++)
	{
		char		op;

		if (!st->need[i])
			continue;
		op = kind == LAKE_REC_ENGINE ? cfg->engine_ops[i] : ops_letter(cfg, ops, i);
		merge_column(st, i, op, &cols[i], absent && absent[i], row);
	}
}

static void
collect(LakeMergeState *st, LakeRecordKind kind, const PqBytes *ops,
		const PqColumnVector *cols, const bool *absent, uint32 row)
{
	const LakeMergeConfig *cfg = st->cfg;
	MemoryContext old = MemoryContextSwitchTo(st->cxt);
	Version    *v;
	int			n = Max(cfg->ncolumns, 1);
	uint8	   *store;
	uint8	   *nulls;

	if (st->nversions == st->maxversions)
	{
		st->maxversions = st->maxversions ? st->maxversions * 2 : 8;
		st->versions = st->versions ?
			repalloc(st->versions, sizeof(Version) * st->maxversions) :
			palloc(sizeof(Version) * st->maxversions);
	}
	v = &st->versions[st->nversions];
	v->kind = kind;
	v->order = st->nversions++;
	v->ops.len = 0;
	v->ops.ptr = NULL;
	if (ops)
	{
		uint8	   *copy = palloc(Max(ops->len, 1));

		memcpy(copy, ops->ptr, ops->len);
		v->ops.ptr = copy;
		v->ops.len = ops->len;
	}
	v->cols = palloc0(sizeof(PqColumnVector) * n);
	store = palloc0(SLOT_BYTES * n);
	nulls = palloc0(n);
	init_row_vectors(cfg, v->cols, store, nulls);
	for (int i = 0; i < cfg->ncolumns; i++)
		if (st->need[i])
			copy_value(&cfg->types[i], &cols[i], absent && absent[i], row, &v->cols[i], st->cxt);
	v->seq_null = v->cols[cfg->sequence_col].nulls[0] != 0;
	MemoryContextSwitchTo(old);
}

void
LakeMergeStateAdd(LakeMergeState *st, LakeRecordKind kind, const PqBytes *ops,
				  const PqColumnVector *cols, const bool *absent, uint32 row)
{
	if (st->cfg->sequence_col >= 0)
		collect(st, kind, ops, cols, absent, row);
	else
		fold(st, kind, ops, cols, absent, row);
}

static const LakeMergeConfig *sort_cfg;

/* sequence_column order: NULLs first, then by value; ties by arrival */
static int
version_cmp(const void *pa, const void *pb)
{
	const Version *a = pa;
	const Version *b = pb;
	int			col = sort_cfg->sequence_col;
	int			c = 0;

	if (a->seq_null != b->seq_null)
		c = a->seq_null ? -1 : 1;
	else if (!a->seq_null)
		c = LakeValueCompareRaw(&sort_cfg->types[col], a->cols[col].v.b, b->cols[col].v.b);
	if (c != 0)
		return c;
	return a->order < b->order ? -1 : a->order > b->order;
}

bool
LakeMergeStateFinish(LakeMergeState *st)
{
	int			first = 0;

	if (st->cfg->sequence_col < 0)
		return st->present;

	/* a DELETE removes every version committed before it */
	for (int i = 0; i < st->nversions; i++)
		if (st->versions[i].kind == LAKE_REC_DELETE)
			first = i + 1;
	sort_cfg = st->cfg;
	qsort(st->versions + first, st->nversions - first, sizeof(Version), version_cmp);
	st->present = false;
	for (int i = first; i < st->nversions; i++)
	{
		Version    *v = &st->versions[i];

		fold(st, v->kind, v->kind == LAKE_REC_OPS ? &v->ops : NULL, v->cols, NULL, 0);
	}
	return st->present;
}

const PqColumnVector *
LakeMergeStateColumns(LakeMergeState *st)
{
	return st->row;
}

/*
 * LakeChangeKindName
 *		The text of a change kind, as changelog scans return it.
 */
const char *
LakeChangeKindName(LakeChangeKind kind)
{
	static const char *const names[LAKE_CHANGE_NKINDS] = {"+I", "-U", "+U", "-D"};

	if ((int) kind < 0 || (int) kind >= LAKE_CHANGE_NKINDS)
		elog(ERROR, "lake_fdw: unknown change kind %d", (int) kind);
	return names[kind];
}

/*
 * LakeChangeKindOfRecord
 *		Changelog 'none' and 'input': a written record as a change.  An
 *		ENGINE record (INSERT) is +I, SET (UPDATE, lookup-path upserts) and
 *		OPS (blind upserts: its values are the operands) are +U, a
 *		tombstone is -D (key only).
 */
LakeChangeKind
LakeChangeKindOfRecord(LakeRecordKind kind)
{
	switch (kind)
	{
		case LAKE_REC_ENGINE:
			return LAKE_CHANGE_INSERT;
		case LAKE_REC_SET:
		case LAKE_REC_OPS:
			return LAKE_CHANGE_UPDATE_AFTER;
		case LAKE_REC_DELETE:
			return LAKE_CHANGE_DELETE;
	}
	return LAKE_CHANGE_INSERT;
}
