/*-------------------------------------------------------------------------
 * write_buffer.c
 *	  A transaction's pending rows for one lake table, column-wise in
 *	  memory, and their flush into Parquet data files.
 *
 * Values are converted once, at append, into the arrays the Parquet writer
 * takes (int64s, PqBytes into an arena that never moves), so a flush is a
 * gather plus an encode.  A flush groups rows by partition (and, on
 * primary-key tables, by bucket, sorted by key then sequence) and writes
 * one file per group under data/<partition>/bucket-<b>/, each fsynced.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "io/io.h"
#include "lib/stringinfo.h"
#include "mergetree/merge_engine.h"
#include "mergetree/write_buffer.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define ARENA_CHUNK_BYTES	(1024 * 1024)
#define FLUSH_GATHER_ROWS	65536

/*
 * Data pages of primary-key files are small: a point lookup or a nested
 * loop probe picks the one page that can hold its key from the page index
 * and decodes only that page of each column it reads.  Append files keep
 * the writer's defaults (large pages scan faster).
 */
#define PK_PAGE_ROWS		1024
#define PK_PAGE_BYTES		(32 * 1024)

typedef struct ArenaChunk
{
	struct ArenaChunk *next;
	size_t		used;
	size_t		cap;
	char		data[FLEXIBLE_ARRAY_MEMBER];
} ArenaChunk;

struct LakeWriteBuffer
{
	MemoryContext cxt;			/* owns everything below */
	LakeFlushSpec spec;			/* borrowed pointers: live as long as the
								 * transaction state that made it */
	size_t	   *valsize;		/* per column */
	int64		nrows;
	int64		capacity;
	int64		first_seq;		/* sequence of row 0 */
	uint8	  **nulls;			/* per column [capacity] */
	char	  **values;			/* per column [capacity * valsize] */
	uint8	   *kinds;			/* [capacity] LakeRecordKind per row */
	int32	   *ops_index;		/* [capacity] index into ops, or -1 */
	char	  **ops;			/* distinct ops strings of OPS records */
	int			nops;
	int			maxops;
	ArenaChunk *arena;			/* newest first */
	Size		arena_bytes;	/* allocated */
	Size		arena_used;		/* handed out */
	Size		row_bytes;		/* fixed bytes per buffered row */
	/*
	 * Byte values: the column being appended, and each column's last value
	 * in the arena; a value equal to its column's last one shares its bytes
	 * (runs of one string cost no arena space, and the Parquet writer sees
	 * them as one value by pointer)
	 */
	int			cur_col;
	PqBytes    *last_bytes;		/* per column, ptr NULL: none yet */
};

/* ---------------------------------------------------------------------
 * Allocation glue for the Parquet layer
 * ---------------------------------------------------------------------
 */
static void *
palloc_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

static void
palloc_free(void *ctx, void *ptr)
{
	if (ptr)
		pfree(ptr);
}

void
LakeAllocatorInit(PqAllocator *alloc, MemoryContext cxt)
{
	alloc->alloc = palloc_alloc;
	alloc->free = palloc_free;
	alloc->ctx = cxt;
}

void
LakeReportParquetError(const PqError *err, const char *path)
{
	int			code;

	switch (err->status)
	{
		case PQ_ERR_NOMEM:
			code = ERRCODE_OUT_OF_MEMORY;
			break;
		case PQ_ERR_UNSUPPORTED:
			code = ERRCODE_FEATURE_NOT_SUPPORTED;
			break;
		case PQ_ERR_IO:
			code = ERRCODE_IO_ERROR;
			break;
		case PQ_ERR_ARG:
			code = ERRCODE_INTERNAL_ERROR;
			break;
		default:
			code = ERRCODE_DATA_CORRUPTED;
			break;
	}
	if (err->offset != UINT64_MAX)
		ereport(ERROR,
				(errcode(code),
				 errmsg("Parquet file \"%s\": %s", path, err->message),
				 errdetail("Status %s at file offset " UINT64_FORMAT ".",
						   ParquetStatusName(err->status), (uint64) err->offset)));
	ereport(ERROR,
			(errcode(code),
			 errmsg("Parquet file \"%s\": %s", path, err->message),
			 errdetail("Status %s.", ParquetStatusName(err->status))));
}

/* ---------------------------------------------------------------------
 * Buffer
 * ---------------------------------------------------------------------
 */
LakeWriteBuffer *
LakeWriteBufferCreate(MemoryContext parent, const LakeFlushSpec *spec)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "lake_fdw write buffer",
											  ALLOCSET_DEFAULT_SIZES);
	LakeWriteBuffer *buf = MemoryContextAllocZero(cxt, sizeof(LakeWriteBuffer));

	buf->cxt = cxt;
	buf->spec = *spec;
	buf->valsize = MemoryContextAlloc(cxt, sizeof(size_t) * spec->ncolumns);
	buf->nulls = MemoryContextAllocZero(cxt, sizeof(uint8 *) * spec->ncolumns);
	buf->values = MemoryContextAllocZero(cxt, sizeof(char *) * spec->ncolumns);
	buf->last_bytes = MemoryContextAllocZero(cxt, sizeof(PqBytes) * Max(spec->ncolumns, 1));
	buf->row_bytes = 1 + sizeof(int32);	/* kind, ops index */
	for (int i = 0; i < spec->ncolumns; i++)
	{
		buf->valsize[i] = LakeTypeValueSize(&spec->types[i]);
		buf->row_bytes += buf->valsize[i] + 1;
	}
	return buf;
}

static void
grow(LakeWriteBuffer *buf)
{
	int64		newcap = buf->capacity ? buf->capacity * 2 : 1024;

	if (buf->capacity == 0)
	{
		buf->kinds = MemoryContextAllocHuge(buf->cxt, newcap);
		buf->ops_index = MemoryContextAllocHuge(buf->cxt, newcap * sizeof(int32));
	}
	else
	{
		buf->kinds = repalloc_huge(buf->kinds, newcap);
		buf->ops_index = repalloc_huge(buf->ops_index, newcap * sizeof(int32));
	}
	for (int i = 0; i < buf->spec.ncolumns; i++)
	{
		if (buf->capacity == 0)
		{
			buf->nulls[i] = MemoryContextAllocHuge(buf->cxt, newcap);
			buf->values[i] = MemoryContextAllocHuge(buf->cxt, newcap * buf->valsize[i]);
		}
		else
		{
			buf->nulls[i] = repalloc_huge(buf->nulls[i], newcap);
			buf->values[i] = repalloc_huge(buf->values[i], newcap * buf->valsize[i]);
		}
	}
	buf->capacity = newcap;
}

static void *
arena_copy(void *arg, const void *src, size_t len)
{
	LakeWriteBuffer *buf = (LakeWriteBuffer *) arg;
	ArenaChunk *c = buf->arena;
	PqBytes    *last = &buf->last_bytes[buf->cur_col];
	char	   *dst;

	if (last->ptr != NULL && last->len == len && memcmp(last->ptr, src, len) == 0)
		return (void *) last->ptr;
	if (c == NULL || c->cap - c->used < len)
	{
		size_t		cap = Max(ARENA_CHUNK_BYTES, len);

		c = MemoryContextAllocHuge(buf->cxt, offsetof(ArenaChunk, data) + cap);
		c->cap = cap;
		c->used = 0;
		c->next = buf->arena;
		buf->arena = c;
		buf->arena_bytes += cap;
	}
	dst = c->data + c->used;
	if (len)
		memcpy(dst, src, len);
	c->used += len;
	buf->arena_used += len;
	last->ptr = (const uint8_t *) dst;
	last->len = (uint32_t) len;
	return dst;
}

int64
LakeWriteBufferAppend(LakeWriteBuffer *buf, const Datum *values, const bool *isnull)
{
	return LakeWriteBufferAppendRecord(buf, values, isnull, LAKE_REC_ENGINE, NULL);
}

static bool
is_key_column(const LakeFlushSpec *spec, int col)
{
	for (int k = 0; k < spec->nkey; k++)
		if (spec->key_cols[k] == col)
			return true;
	return false;
}

/* index of an ops string among the buffer's, adding it if new */
static int32
intern_ops(LakeWriteBuffer *buf, const char *ops)
{
	for (int i = buf->nops - 1; i >= 0; i--)
		if (buf->ops[i] == ops || strcmp(buf->ops[i], ops) == 0)
			return i;
	if (buf->nops == buf->maxops)
	{
		buf->maxops = buf->maxops ? buf->maxops * 2 : 8;
		buf->ops = buf->ops ?
			repalloc(buf->ops, sizeof(char *) * buf->maxops) :
			MemoryContextAlloc(buf->cxt, sizeof(char *) * buf->maxops);
	}
	buf->ops[buf->nops] = MemoryContextStrdup(buf->cxt, ops);
	return buf->nops++;
}

int64
LakeWriteBufferAppendRecord(LakeWriteBuffer *buf, const Datum *values, const bool *isnull,
							LakeRecordKind kind, const char *ops)
{
	int64		row = buf->nrows;

	Assert(kind == LAKE_REC_ENGINE || buf->spec.nkey > 0);
	Assert((kind == LAKE_REC_OPS) == (ops != NULL));
	if (row == buf->capacity)
		grow(buf);
	for (int i = 0; i < buf->spec.ncolumns; i++)
	{
		char	   *dst = buf->values[i] + row * buf->valsize[i];

		if (isnull[i])
		{
			/* a tombstone carries its key only */
			if (buf->spec.not_null[i] &&
				(kind != LAKE_REC_DELETE || is_key_column(&buf->spec, i)))
				ereport(ERROR,
						(errcode(ERRCODE_NOT_NULL_VIOLATION),
						 errmsg("null value in column \"%s\" of lake table \"%s\" violates not-null constraint",
								buf->spec.names[i], buf->spec.table_dir_rel)));
			buf->nulls[i][row] = 1;
			memset(dst, 0, buf->valsize[i]);
		}
		else
		{
			buf->nulls[i][row] = 0;
			/* the plain integer types inline; the rest convert */
			switch (buf->spec.types[i].pqtype)
			{
				case PQ_INT32:
					*(int32 *) dst = DatumGetInt32(values[i]);
					break;
				case PQ_INT64:
					*(int64 *) dst = DatumGetInt64(values[i]);
					break;
				default:
					buf->cur_col = i;
					LakeDatumToValue(&buf->spec.types[i], values[i], dst, arena_copy, buf);
					break;
			}
		}
	}
	buf->kinds[row] = (uint8) kind;
	buf->ops_index[row] = ops ? intern_ops(buf, ops) : -1;
	buf->nrows++;
	return buf->first_seq + row;
}

int64
LakeWriteBufferAppendChange(LakeWriteBuffer *buf, const Datum *values, const bool *isnull,
							LakeChangeKind kind)
{
	int64		row = buf->nrows;

	Assert(buf->spec.changelog);
	if (row == buf->capacity)
		grow(buf);
	for (int i = 0; i < buf->spec.ncolumns; i++)
	{
		char	   *dst = buf->values[i] + row * buf->valsize[i];

		if (isnull[i])
		{
			buf->nulls[i][row] = 1;
			memset(dst, 0, buf->valsize[i]);
		}
		else
		{
			buf->nulls[i][row] = 0;
			buf->cur_col = i;
			LakeDatumToValue(&buf->spec.types[i], values[i], dst, arena_copy, buf);
		}
	}
	buf->kinds[row] = (uint8) kind;
	buf->ops_index[row] = -1;
	buf->nrows++;
	return buf->first_seq + row;
}

void
LakeWriteBufferSetFirstSeq(LakeWriteBuffer *buf, int64 seq)
{
	Assert(buf->nrows == 0);
	buf->first_seq = seq;
}

int64
LakeWriteBufferRows(const LakeWriteBuffer *buf)
{
	return buf->nrows;
}

int64
LakeWriteBufferFirstSeq(const LakeWriteBuffer *buf)
{
	return buf->first_seq;
}

int64
LakeWriteBufferNextSeq(const LakeWriteBuffer *buf)
{
	return buf->first_seq + buf->nrows;
}

Size
LakeWriteBufferMemory(const LakeWriteBuffer *buf)
{
	/* the arrays stay allocated between flushes: count what is in use */
	return buf->row_bytes * buf->nrows + buf->arena_used;
}

void
LakeWriteBufferTruncate(LakeWriteBuffer *buf, int64 seq)
{
	if (seq < buf->first_seq)
		seq = buf->first_seq;
	if (seq - buf->first_seq < buf->nrows)
		buf->nrows = seq - buf->first_seq;
	/* the arena keeps the dropped bytes until the buffer is flushed */
}

void
LakeWriteBufferColumn(const LakeWriteBuffer *buf, int column, PqColumnVector *out)
{
	memset(out, 0, sizeof(*out));
	out->type = buf->spec.types[column].pqtype;
	out->count = (uint32_t) buf->nrows;
	out->nulls = buf->nulls[column];
	out->v.b = (uint8_t *) buf->values[column];
}

static void
reset_after_flush(LakeWriteBuffer *buf)
{
	ArenaChunk *c = buf->arena;

	while (c)
	{
		ArenaChunk *next = c->next;

		pfree(c);
		c = next;
	}
	buf->arena = NULL;
	buf->arena_bytes = 0;
	buf->arena_used = 0;
	memset(buf->last_bytes, 0, sizeof(PqBytes) * Max(buf->spec.ncolumns, 1));
	buf->first_seq += buf->nrows;
	buf->nrows = 0;
}

/* ---------------------------------------------------------------------
 * Statistics codec (manifest column bounds)
 * ---------------------------------------------------------------------
 */
#define STATS_MAX_BYTES 256

bytea *
LakeStatsEncode(const PqValue *value)
{
	const void *src;
	size_t		len;
	bytea	   *b;

	switch (value->type)
	{
		case PQ_BOOL:
			src = &value->v.b;
			len = 1;
			break;
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			src = &value->v.i32;
			len = 4;
			break;
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			src = &value->v.i64;
			len = 8;
			break;
		case PQ_FLOAT:
			src = &value->v.f32;
			len = 4;
			break;
		case PQ_DOUBLE:
			src = &value->v.f64;
			len = 8;
			break;
		case PQ_DECIMAL:
			if (value->precision <= 18)
			{
				src = &value->v.i64;
				len = 8;
			}
			else
			{
				src = &value->v.i128;
				len = 16;
			}
			break;
		default:
			if (value->v.bytes.len > STATS_MAX_BYTES)
				return NULL;	/* long strings: no bound kept */
			src = value->v.bytes.ptr;
			len = value->v.bytes.len;
			break;
	}
	b = palloc(VARHDRSZ + len);
	SET_VARSIZE(b, VARHDRSZ + len);
	if (len)
		memcpy(VARDATA(b), src, len);
	return b;
}

bool
LakeStatsDecode(const bytea *b, const LakeTypeInfo *ti, PqValue *out)
{
	size_t		len = VARSIZE_ANY_EXHDR(b);
	const char *p = VARDATA_ANY(b);
	size_t		want;

	memset(out, 0, sizeof(*out));
	out->type = ti->pqtype;
	out->precision = ti->precision;
	out->scale = ti->scale;
	switch (ti->pqtype)
	{
		case PQ_STRING:
		case PQ_BYTES:
		case PQ_JSON:
		case PQ_UUID:
			out->v.bytes.ptr = (const uint8_t *) p;
			out->v.bytes.len = len;
			return true;
		case PQ_BOOL:
			want = 1;
			break;
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
		case PQ_FLOAT:
			want = 4;
			break;
		case PQ_DECIMAL:
			want = ti->precision <= 18 ? 8 : 16;
			break;
		default:
			want = 8;
			break;
	}
	if (len != want)
		return false;			/* written under another type: ignore */
	memcpy(&out->v, p, len);
	return true;
}

/* ---------------------------------------------------------------------
 * Flush
 * ---------------------------------------------------------------------
 */
typedef struct RowRef
{
	int32		part;			/* partition group */
	int32		bucket;
	int64		row;			/* index in the buffer */
} RowRef;

typedef struct SortCtx
{
	LakeWriteBuffer *buf;
} SortCtx;

int
LakeValueCompareRaw(const LakeTypeInfo *ti, const void *pa, const void *pb)
{
	const char *a = pa;
	const char *b = pb;

	switch (ti->pqtype)
	{
		case PQ_BOOL:
			return (int) *(const uint8 *) a - (int) *(const uint8 *) b;
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			{
				int32		x = *(const int32 *) a,
							y = *(const int32 *) b;

				return x < y ? -1 : x > y;
			}
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			{
				int64		x = *(const int64 *) a,
							y = *(const int64 *) b;

				return x < y ? -1 : x > y;
			}
		case PQ_FLOAT:
			{
				float		x = *(const float *) a,
							y = *(const float *) b;

				return float4_cmp_internal(x, y);
			}
		case PQ_DOUBLE:
			{
				double		x = *(const double *) a,
							y = *(const double *) b;

				return float8_cmp_internal(x, y);
			}
		case PQ_DECIMAL:
			if (ti->precision <= 18)
			{
				int64		x = *(const int64 *) a,
							y = *(const int64 *) b;

				return x < y ? -1 : x > y;
			}
			else
			{
				pq_int128	x,
							y;

				memcpy(&x, a, sizeof(x));
				memcpy(&y, b, sizeof(y));
				return x < y ? -1 : x > y;
			}
		default:
			{
				const PqBytes *x = (const PqBytes *) a;
				const PqBytes *y = (const PqBytes *) b;
				int			c = memcmp(x->ptr, y->ptr, Min(x->len, y->len));

				if (c != 0)
					return c;
				return x->len < y->len ? -1 : x->len > y->len;
			}
	}
}

static int
rowref_cmp(const void *pa, const void *pb, void *arg)
{
	const RowRef *a = pa;
	const RowRef *b = pb;
	LakeWriteBuffer *buf = ((SortCtx *) arg)->buf;

	if (a->part != b->part)
		return a->part < b->part ? -1 : 1;
	if (a->bucket != b->bucket)
		return a->bucket < b->bucket ? -1 : 1;
	for (int k = 0; k < buf->spec.nkey; k++)
	{
		int			c = buf->spec.key_cols[k];
		size_t		sz = buf->valsize[c];
		int			r = LakeValueCompareRaw(&buf->spec.types[c],
									   buf->values[c] + a->row * sz,
									   buf->values[c] + b->row * sz);

		if (r != 0)
			return r;
	}
	return a->row < b->row ? -1 : a->row > b->row;
}

/*
 * FNV-1a 64 over the key columns' canonical bytes (documented in FORMAT.md);
 * raw[k] is key column k's value in vector slot representation.
 */
static uint64
hash_raw_key(const LakeFlushSpec *spec, const size_t *valsize, const char *const *raw)
{
	uint64		h = UINT64CONST(14695981039346656037);

	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];
		const char *v = raw[k];
		const uint8 *p;
		size_t		len;

		if (valsize[c] == sizeof(PqBytes) &&
			spec->types[c].pqtype != PQ_DECIMAL)
		{
			p = ((const PqBytes *) v)->ptr;
			len = ((const PqBytes *) v)->len;
		}
		else
		{
			p = (const uint8 *) v;
			len = valsize[c];
		}
		for (size_t i = 0; i < len; i++)
		{
			h ^= p[i];
			h *= UINT64CONST(1099511628211);
		}
		h ^= 0xff;				/* column separator */
		h *= UINT64CONST(1099511628211);
	}
	return h;
}

static uint64
hash_key(LakeWriteBuffer *buf, int64 row)
{
	const char *raw[INDEX_MAX_KEYS];

	for (int k = 0; k < buf->spec.nkey; k++)
	{
		int			c = buf->spec.key_cols[k];

		raw[k] = buf->values[c] + row * buf->valsize[c];
	}
	return hash_raw_key(&buf->spec, buf->valsize, raw);
}

static void *
palloc_copy(void *arg, const void *src, size_t len)
{
	void	   *dst = palloc(Max(len, 1));

	if (len)
		memcpy(dst, src, len);
	return dst;
}

int32
LakeKeyBucket(const LakeFlushSpec *spec, const Datum *values)
{
	const char *raw[INDEX_MAX_KEYS];
	size_t	   *valsize = palloc(sizeof(size_t) * Max(spec->ncolumns, 1));
	int32		bucket;

	for (int i = 0; i < spec->ncolumns; i++)
		valsize[i] = LakeTypeValueSize(&spec->types[i]);
	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];
		char	   *slot = palloc0(sizeof(pq_int128));

		LakeDatumToValue(&spec->types[c], values[c], slot, palloc_copy, NULL);
		raw[k] = slot;
	}
	bucket = (int32) (hash_raw_key(spec, valsize, raw) % (uint64) spec->buckets);
	pfree(valsize);
	return bucket;
}

/* Percent-encode a partition value for a path component. */
static void
append_escaped(StringInfo s, const char *v)
{
	for (const unsigned char *p = (const unsigned char *) v; *p; p++)
	{
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.')
			appendStringInfoChar(s, *p);
		else
			appendStringInfo(s, "%%%02X", *p);
	}
}

static char *
partition_string(LakeWriteBuffer *buf, int64 row)
{
	Datum	   *values = palloc0(sizeof(Datum) * Max(buf->spec.ncolumns, 1));
	bool	   *isnull = palloc0(sizeof(bool) * Max(buf->spec.ncolumns, 1));

	for (int k = 0; k < buf->spec.npartition; k++)
	{
		int			c = buf->spec.partition_cols[k];
		PqColumnVector vec;

		LakeWriteBufferColumn(buf, c, &vec);
		LakeVectorToDatums(&buf->spec.types[c], &vec, (uint32) row, 1, &values[c], &isnull[c]);
	}
	return LakeKeyPartition(&buf->spec, values, isnull);
}

/* "col=value/col2=value2": the partition directory of a row's values */
char *
LakeKeyPartition(const LakeFlushSpec *spec, const Datum *values, const bool *isnull)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int k = 0; k < spec->npartition; k++)
	{
		int			c = spec->partition_cols[k];

		if (k > 0)
			appendStringInfoChar(&s, '/');
		appendStringInfo(&s, "%s=", spec->names[c]);
		if (isnull[c])
			appendStringInfoString(&s, "__null__");
		else
			append_escaped(&s, LakeValueCanonicalText(&spec->types[c], values[c]));
	}
	return s.data;
}

/* "(v1,v2)": a row's primary key in text form, for lake_files */
static bytea *
key_text(LakeWriteBuffer *buf, int64 row)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoChar(&s, '(');
	for (int k = 0; k < buf->spec.nkey; k++)
	{
		int			c = buf->spec.key_cols[k];
		PqColumnVector vec;
		Datum		d;
		bool		isnull;

		if (k > 0)
			appendStringInfoChar(&s, ',');
		LakeWriteBufferColumn(buf, c, &vec);
		LakeVectorToDatums(&buf->spec.types[c], &vec, (uint32) row, 1, &d, &isnull);
		appendStringInfoString(&s, LakeValueCanonicalText(&buf->spec.types[c], d));
	}
	appendStringInfoChar(&s, ')');
	return (bytea *) cstring_to_text_with_len(s.data, s.len);
}

static bool
same_partition_values(LakeWriteBuffer *buf, int64 a, int64 b)
{
	for (int k = 0; k < buf->spec.npartition; k++)
	{
		int			c = buf->spec.partition_cols[k];
		size_t		sz = buf->valsize[c];

		if (buf->nulls[c][a] != buf->nulls[c][b])
			return false;
		if (!buf->nulls[c][a] &&
			LakeValueCompareRaw(&buf->spec.types[c], buf->values[c] + a * sz,
						   buf->values[c] + b * sz) != 0)
			return false;
	}
	return true;
}

typedef struct SinkCtx
{
	LakeOutFile *out;
} SinkCtx;

static PqStatus
sink_write(void *ctx, const void *data, size_t len)
{
	LakeOutFileWrite(((SinkCtx *) ctx)->out, data, len);
	return PQ_OK;
}

/* gather rows refs[0..n) of column c into vec (scratch arrays given) */
static void
gather_column(LakeWriteBuffer *buf, int c, const RowRef *refs, uint32 n,
			  PqColumnVector *vec, uint8 *nulls, char *values)
{
	size_t		sz = buf->valsize[c];
	const uint8 *cn = buf->nulls[c];
	const char *cv = buf->values[c];
	uint8		any_null = 0;

	for (uint32 i = 0; i < n; i++)
	{
		nulls[i] = cn[refs[i].row];
		any_null |= nulls[i];
	}
	/* typed copies: a memcpy call per value costs more than the value */
	switch (sz)
	{
		case 1:
			for (uint32 i = 0; i < n; i++)
				values[i] = cv[refs[i].row];
			break;
		case 4:
			for (uint32 i = 0; i < n; i++)
				((uint32 *) values)[i] = ((const uint32 *) cv)[refs[i].row];
			break;
		case 8:
			for (uint32 i = 0; i < n; i++)
				((uint64 *) values)[i] = ((const uint64 *) cv)[refs[i].row];
			break;
		case 16:				/* PqBytes, 128-bit decimals: two words */
			for (uint32 i = 0; i < n; i++)
			{
				((uint64 *) values)[2 * i] = ((const uint64 *) cv)[2 * refs[i].row];
				((uint64 *) values)[2 * i + 1] = ((const uint64 *) cv)[2 * refs[i].row + 1];
			}
			break;
		default:
			for (uint32 i = 0; i < n; i++)
				memcpy(values + i * sz, cv + refs[i].row * sz, sz);
			break;
	}
	vec->type = buf->spec.types[c].pqtype;
	vec->count = n;
	vec->nulls = any_null ? nulls : NULL;
	vec->v.b = (uint8_t *) values;
}

/* rows first .. first + n - 1 of column c as a vector, in place */
static void
point_column(LakeWriteBuffer *buf, int c, int64 first, uint32 n, PqColumnVector *vec)
{
	const uint8 *nulls = buf->nulls[c] + first;
	bool		any_null = false;

	for (uint32 i = 0; i < n && !any_null; i++)
		any_null = nulls[i] != 0;
	vec->type = buf->spec.types[c].pqtype;
	vec->count = n;
	vec->nulls = any_null ? (uint8 *) nulls : NULL;
	vec->v.b = (uint8_t *) buf->values[c] + first * buf->valsize[c];
}

/* The hidden record columns of a group's rows (primary-key tables). */
typedef struct RecordColumns
{
	bool		has_kind;		/* write _lake_kind */
	bool		has_ops;		/* write _lake_ops: some row is OPS */
	bool		has_delete;		/* some row is a tombstone */
	char		kinds_key[LAKE_REC_NKINDS + 1]; /* footer lake.kinds */
	int32	   *kind;			/* gather buffers */
	PqBytes    *ops;
	uint8	   *ops_nulls;
	PqBytes    *ops_values;		/* [buf->nops] the distinct ops strings */
} RecordColumns;

static void
record_columns_init(LakeWriteBuffer *buf, const RowRef *refs, int64 n, RecordColumns *rc)
{
	static const char letters[LAKE_REC_NKINDS] = {'E', 'S', 'D', 'O'};
	static const char change_letters[LAKE_CHANGE_NKINDS] = {'I', 'u', 'U', 'D'};
	bool		seen[LAKE_REC_NKINDS] = {false};
	int			k = 0;

	StaticAssertStmt(LAKE_REC_NKINDS == LAKE_CHANGE_NKINDS, "kind arrays");
	memset(rc, 0, sizeof(*rc));
	rc->has_kind = buf->spec.nkey > 0 || buf->spec.changelog;
	if (!rc->has_kind)
		return;
	for (int64 i = 0; i < n; i++)
		seen[buf->kinds[refs[i].row]] = true;
	for (int i = 0; i < LAKE_REC_NKINDS; i++)
		if (seen[i])
			rc->kinds_key[k++] = buf->spec.changelog ? change_letters[i] : letters[i];
	rc->kinds_key[k] = '\0';
	/* changelog files: kinds are changes, rows keep all their values */
	rc->has_ops = !buf->spec.changelog && seen[LAKE_REC_OPS];
	rc->has_delete = !buf->spec.changelog && seen[LAKE_REC_DELETE];
	rc->kind = palloc(sizeof(int32) * FLUSH_GATHER_ROWS);
	if (rc->has_ops)
	{
		rc->ops = palloc(sizeof(PqBytes) * FLUSH_GATHER_ROWS);
		rc->ops_nulls = palloc(FLUSH_GATHER_ROWS);
		rc->ops_values = palloc(sizeof(PqBytes) * Max(buf->nops, 1));
		for (int i = 0; i < buf->nops; i++)
		{
			rc->ops_values[i].ptr = (const uint8_t *) buf->ops[i];
			rc->ops_values[i].len = strlen(buf->ops[i]);
		}
	}
}

static void
record_columns_gather(LakeWriteBuffer *buf, RecordColumns *rc, const RowRef *refs,
					  uint32 n, PqColumnVector *kind_vec, PqColumnVector *ops_vec)
{
	for (uint32 i = 0; i < n; i++)
	{
		int64		r = refs[i].row;

		rc->kind[i] = buf->kinds[r];
		if (rc->has_ops)
		{
			int32		oi = buf->ops_index[r];
			static const PqBytes none = {(const uint8_t *) "", 0};

			/* one PqBytes per distinct string: the writer sees runs by pointer */
			rc->ops_nulls[i] = oi < 0;
			rc->ops[i] = oi < 0 ? none : rc->ops_values[oi];
		}
	}
	kind_vec->type = PQ_INT32;
	kind_vec->count = n;
	kind_vec->nulls = NULL;
	kind_vec->v.i32 = rc->kind;
	if (rc->has_ops)
	{
		ops_vec->type = PQ_STRING;
		ops_vec->count = n;
		ops_vec->nulls = rc->ops_nulls;
		ops_vec->v.bytes = rc->ops;
	}
}

/* Write one partition/bucket group as a data file. */
static LakeDataFile *
write_group(LakeWriteBuffer *buf, const RowRef *refs, int64 n,
			const char *partition, int32 bucket)
{
	const LakeFlushSpec *spec = &buf->spec;
	int			ncols = spec->ncolumns + 3;
	PqColumnSpec *cols = palloc0(sizeof(PqColumnSpec) * ncols);
	PqSchema	schema;
	PqWriterOptions wopts;
	PqError		err;
	PqWriter   *w;
	SinkCtx		sctx;
	PqSink		sink;
	PqAllocator alloc;
	char	   *reldir;
	char	   *relfile;
	char	   *path;
	PqColumnVector *vecs = palloc0(sizeof(PqColumnVector) * ncols);
	uint8	  **nullbufs = palloc(sizeof(uint8 *) * ncols);
	char	  **valbufs = palloc(sizeof(char *) * ncols);
	int64	   *seqs;
	LakeDataFile *file;
	int64		min_seq = PG_INT64_MAX,
				max_seq = PG_INT64_MIN;
	bool		implicit_seq;
	bool		contiguous;		/* rows refs[0].row, +1, ...: no gather */
	RecordColumns rc;
	int			nwritten;

	/*
	 * Rows in arrival order (unpartitioned append tables) have consecutive
	 * sequences: the file then stores only the first, in its footer.
	 * Primary-key files always carry the column, so that every file of such
	 * a table has the same columns for engines that merge them.
	 */
	contiguous = true;
	for (int64 i = 1; i < n && contiguous; i++)
		contiguous = refs[i].row == refs[0].row + i;
	implicit_seq = spec->nkey == 0 && !spec->changelog && contiguous;
	record_columns_init(buf, refs, n, &rc);

	for (int i = 0; i < spec->ncolumns; i++)
	{
		bool		is_key = false;

		for (int k = 0; k < spec->nkey; k++)
			is_key |= spec->key_cols[k] == i;
		cols[i].name = spec->names[i];
		cols[i].type = spec->types[i].pqtype;
		/* tombstones leave non-key columns NULL; a key column keeps its NOT NULL */
		cols[i].nullable = !spec->not_null[i] || (rc.has_delete && !is_key);
		cols[i].precision = spec->types[i].precision;
		cols[i].scale = spec->types[i].scale;
		cols[i].bloom_filter = spec->bloom && !spec->changelog ? spec->bloom[i] : false;
		nullbufs[i] = contiguous ? NULL : palloc(FLUSH_GATHER_ROWS);
		valbufs[i] = contiguous ? NULL : palloc(FLUSH_GATHER_ROWS * buf->valsize[i]);
	}
	nwritten = spec->ncolumns;
	if (!implicit_seq)
	{
		cols[nwritten].name = LAKE_SEQ_COLUMN;
		cols[nwritten].type = PQ_INT64;
		cols[nwritten].nullable = false;
		nwritten++;
	}
	if (rc.has_kind)
	{
		cols[nwritten].name = LAKE_KIND_COLUMN;
		cols[nwritten].type = PQ_INT32;
		cols[nwritten].nullable = false;
		nwritten++;
	}
	if (rc.has_ops)
	{
		cols[nwritten].name = LAKE_OPS_COLUMN;
		cols[nwritten].type = PQ_STRING;
		cols[nwritten].nullable = true;
		nwritten++;
	}
	seqs = palloc(sizeof(int64) * FLUSH_GATHER_ROWS);
	schema.ncolumns = nwritten;
	schema.columns = cols;

	ParquetWriterOptionsInit(&wopts);
	wopts.codec = (PqCodec) spec->codec;
	wopts.compression_level = spec->compression_level;
	if (spec->row_group_rows > 0)
		wopts.row_group_rows = spec->row_group_rows;
	if (spec->nkey > 0)
	{
		wopts.page_rows = PK_PAGE_ROWS;
		wopts.page_bytes = PK_PAGE_BYTES;
	}
	wopts.created_by = "lake_fdw 1.0";

	if (partition[0])
		reldir = psprintf("%s/data/%s/bucket-%d", spec->table_dir_rel, partition, bucket);
	else
		reldir = psprintf("%s/data/bucket-%d", spec->table_dir_rel, bucket);
	LakeMakeDirs(spec->root, reldir);
	relfile = LakeNewFileName(spec->changelog ? "changelog" : "data", ".parquet");
	path = psprintf("%s/%s/%s", spec->root, reldir, relfile);
	sctx.out = LakeOutFileCreate(path);
	sink.write = sink_write;
	sink.ctx = &sctx;

	LakeAllocatorInit(&alloc, CurrentMemoryContext);
	w = ParquetWriterCreate(&schema, &wopts, &sink, &alloc, &err);
	if (w == NULL)
		LakeReportParquetError(&err, path);
	ParquetWriterSetKeyValue(w, "lake.schema_id", psprintf(INT64_FORMAT, spec->schema_id), &err);
	if (implicit_seq)
		ParquetWriterSetKeyValue(w, LAKE_FIRST_SEQ_KEY,
								 psprintf(INT64_FORMAT, buf->first_seq + refs[0].row), &err);
	if (rc.has_kind)
		ParquetWriterSetKeyValue(w, spec->changelog ? LAKE_CHANGES_KEY : LAKE_KINDS_KEY,
								 rc.kinds_key, &err);
	for (int64 done = 0; done < n; done += FLUSH_GATHER_ROWS)
	{
		uint32		chunk = (uint32) Min(n - done, FLUSH_GATHER_ROWS);
		int			v = spec->ncolumns;

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < spec->ncolumns; i++)
		{
			if (contiguous)
				point_column(buf, i, refs[done].row, chunk, &vecs[i]);
			else
				gather_column(buf, i, refs + done, chunk, &vecs[i], nullbufs[i], valbufs[i]);
		}
		for (uint32 i = 0; i < chunk; i++)
		{
			seqs[i] = buf->first_seq + refs[done + i].row;
			min_seq = Min(min_seq, seqs[i]);
			max_seq = Max(max_seq, seqs[i]);
		}
		if (!implicit_seq)
		{
			vecs[v].type = PQ_INT64;
			vecs[v].count = chunk;
			vecs[v].nulls = NULL;
			vecs[v].v.i64 = seqs;
			v++;
		}
		if (rc.has_kind)
			record_columns_gather(buf, &rc, refs + done, chunk, &vecs[v], &vecs[v + 1]);
		if (ParquetWriterWrite(w, vecs, chunk, &err) != PQ_OK)
			LakeReportParquetError(&err, path);
	}
	if (ParquetWriterFinish(w, &err) != PQ_OK)
		LakeReportParquetError(&err, path);
	LakeOutFileFinish(sctx.out);

	file = palloc0(sizeof(LakeDataFile));
	file->path = psprintf("%s/%s", reldir + strlen(spec->table_dir_rel) + 1, relfile);
	file->kind = spec->changelog ? LAKE_FILE_CHANGELOG : LAKE_FILE_DATA;
	file->partition = pstrdup(partition);
	file->bucket = bucket;
	file->level = 0;
	file->row_count = n;
	file->file_size = (int64) ParquetWriterFileSize(w);
	file->schema_id = spec->schema_id;
	file->min_sequence = min_seq;
	file->max_sequence = max_seq;
	if (spec->nkey > 0)
	{
		/* rows are sorted by key: the first and last bound the file */
		file->min_key = key_text(buf, refs[0].row);
		file->max_key = key_text(buf, refs[n - 1].row);
	}
	file->created_at = GetCurrentTimestamp();
	file->nstats = spec->ncolumns;
	file->stats = palloc0(sizeof(LakeColumnStats) * spec->ncolumns);
	for (int i = 0; i < spec->ncolumns; i++)
	{
		const PqColumnStats *st = ParquetWriterFileStats(w, i);

		file->stats[i].column_id = spec->column_ids[i];
		file->stats[i].null_count = st && st->has_null_count ? st->null_count : -1;
		if (st && st->has_min_max)
		{
			file->stats[i].min = LakeStatsEncode(&st->min);
			file->stats[i].max = LakeStatsEncode(&st->max);
		}
	}
	ParquetWriterFree(w);
	return file;
}

List *
LakeWriteBufferFlush(LakeWriteBuffer *buf)
{
	const LakeFlushSpec *spec = &buf->spec;
	List	   *files = NIL;
	RowRef	   *refs;
	char	  **part_names = NULL;
	int			nparts = 0;
	int64		n = buf->nrows;
	int64		start;
	SortCtx		sctx;
	bool		sorted = true;

	if (n == 0)
		return NIL;

	sctx.buf = buf;
	refs = palloc_extended(sizeof(RowRef) * n, MCXT_ALLOC_HUGE);
	if (spec->npartition > 0)
		part_names = palloc(sizeof(char *) * 16);
	for (int64 r = 0; r < n; r++)
	{
		int			part = 0;

		if (spec->npartition > 0)
		{
			/* consecutive rows mostly share a partition: check the last one */
			if (r > 0 && same_partition_values(buf, r, refs[r - 1].row))
				part = refs[r - 1].part;
			else
			{
				char	   *name = partition_string(buf, r);

				for (part = 0; part < nparts; part++)
					if (strcmp(part_names[part], name) == 0)
						break;
				if (part == nparts)
				{
					if (nparts % 16 == 0 && nparts > 0)
						part_names = repalloc(part_names, sizeof(char *) * (nparts + 16));
					part_names[nparts++] = name;
				}
			}
		}
		refs[r].part = part;
		refs[r].bucket = spec->nkey > 0 && spec->buckets > 1 ?
			(int32) (hash_key(buf, r) % (uint64) spec->buckets) : 0;
		refs[r].row = r;
		/* rows arriving in order (one comparison each) need no sort */
		if (sorted && r > 0 && rowref_cmp(&refs[r - 1], &refs[r], &sctx) > 0)
			sorted = false;
	}
	/* append tables keep arrival order within a partition */
	if (!sorted && (spec->npartition > 0 || spec->nkey > 0))
		qsort_arg(refs, n, sizeof(RowRef), rowref_cmp, &sctx);

	start = 0;
	while (start < n)
	{
		int64		end = start + 1;

		while (end < n && refs[end].part == refs[start].part &&
			   refs[end].bucket == refs[start].bucket)
			end++;
		files = lappend(files,
						write_group(buf, refs + start, end - start,
									spec->npartition > 0 ? part_names[refs[start].part] : "",
									refs[start].bucket));
		start = end;
	}
	pfree(refs);
	reset_after_flush(buf);
	return files;
}
