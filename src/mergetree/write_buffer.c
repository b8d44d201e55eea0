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
#include "mergetree/write_buffer.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define ARENA_CHUNK_BYTES	(1024 * 1024)
#define FLUSH_GATHER_ROWS	65536

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
	ArenaChunk *arena;			/* newest first */
	Size		arena_bytes;	/* allocated */
	Size		arena_used;		/* handed out */
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
	for (int i = 0; i < spec->ncolumns; i++)
		buf->valsize[i] = LakeTypeValueSize(&spec->types[i]);
	return buf;
}

static void
grow(LakeWriteBuffer *buf)
{
	int64		newcap = buf->capacity ? buf->capacity * 2 : 1024;

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
	char	   *dst;

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
	return dst;
}

int64
LakeWriteBufferAppend(LakeWriteBuffer *buf, const Datum *values, const bool *isnull)
{
	int64		row = buf->nrows;

	if (row == buf->capacity)
		grow(buf);
	for (int i = 0; i < buf->spec.ncolumns; i++)
	{
		char	   *dst = buf->values[i] + row * buf->valsize[i];

		if (isnull[i])
		{
			if (buf->spec.not_null[i])
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
			LakeDatumToValue(&buf->spec.types[i], values[i], dst, arena_copy, buf);
		}
	}
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
	Size		per_row = 0;

	for (int i = 0; i < buf->spec.ncolumns; i++)
		per_row += buf->valsize[i] + 1;
	/* the arrays stay allocated between flushes: count what is in use */
	return per_row * buf->nrows + buf->arena_used;
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

/* FNV-1a 64 over the key columns' canonical bytes (documented in FORMAT.md) */
static uint64
hash_key(LakeWriteBuffer *buf, int64 row)
{
	uint64		h = UINT64CONST(14695981039346656037);

	for (int k = 0; k < buf->spec.nkey; k++)
	{
		int			c = buf->spec.key_cols[k];
		const char *v = buf->values[c] + row * buf->valsize[c];
		const uint8 *p;
		size_t		len;

		if (buf->valsize[c] == sizeof(PqBytes) &&
			buf->spec.types[c].pqtype != PQ_DECIMAL)
		{
			p = ((const PqBytes *) v)->ptr;
			len = ((const PqBytes *) v)->len;
		}
		else
		{
			p = (const uint8 *) v;
			len = buf->valsize[c];
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
	StringInfoData s;

	initStringInfo(&s);
	for (int k = 0; k < buf->spec.npartition; k++)
	{
		int			c = buf->spec.partition_cols[k];

		if (k > 0)
			appendStringInfoChar(&s, '/');
		appendStringInfo(&s, "%s=", buf->spec.names[c]);
		if (buf->nulls[c][row])
			appendStringInfoString(&s, "__null__");
		else
		{
			PqColumnVector vec;
			Datum		d;
			bool		isnull;

			LakeWriteBufferColumn(buf, c, &vec);
			LakeVectorToDatums(&buf->spec.types[c], &vec, (uint32) row, 1, &d, &isnull);
			append_escaped(&s, LakeValueCanonicalText(&buf->spec.types[c], d));
		}
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
	bool		any_null = false;

	for (uint32 i = 0; i < n; i++)
	{
		int64		r = refs[i].row;

		nulls[i] = buf->nulls[c][r];
		any_null |= nulls[i] != 0;
		memcpy(values + i * sz, buf->values[c] + r * sz, sz);
	}
	vec->type = buf->spec.types[c].pqtype;
	vec->count = n;
	vec->nulls = any_null ? nulls : NULL;
	vec->v.b = (uint8_t *) values;
}

/* Write one partition/bucket group as a data file. */
static LakeDataFile *
write_group(LakeWriteBuffer *buf, const RowRef *refs, int64 n,
			const char *partition, int32 bucket)
{
	const LakeFlushSpec *spec = &buf->spec;
	int			ncols = spec->ncolumns + 1;
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

	/*
	 * Rows in arrival order (unpartitioned append tables) have consecutive
	 * sequences: the file then stores only the first, in its footer.
	 * Primary-key files always carry the column, so that every file of such
	 * a table has the same columns for engines that merge them.
	 */
	implicit_seq = spec->nkey == 0;
	for (int64 i = 1; i < n && implicit_seq; i++)
		implicit_seq = refs[i].row == refs[0].row + i;

	for (int i = 0; i < spec->ncolumns; i++)
	{
		cols[i].name = spec->names[i];
		cols[i].type = spec->types[i].pqtype;
		cols[i].nullable = !spec->not_null[i];
		cols[i].precision = spec->types[i].precision;
		cols[i].scale = spec->types[i].scale;
		cols[i].bloom_filter = spec->bloom ? spec->bloom[i] : false;
		nullbufs[i] = palloc(FLUSH_GATHER_ROWS);
		valbufs[i] = palloc(FLUSH_GATHER_ROWS * buf->valsize[i]);
	}
	cols[spec->ncolumns].name = LAKE_SEQ_COLUMN;
	cols[spec->ncolumns].type = PQ_INT64;
	cols[spec->ncolumns].nullable = false;
	seqs = palloc(sizeof(int64) * FLUSH_GATHER_ROWS);
	schema.ncolumns = implicit_seq ? spec->ncolumns : ncols;
	schema.columns = cols;

	ParquetWriterOptionsInit(&wopts);
	wopts.codec = (PqCodec) spec->codec;
	wopts.compression_level = spec->compression_level;
	if (spec->row_group_rows > 0)
		wopts.row_group_rows = spec->row_group_rows;
	wopts.created_by = "lake_fdw 1.0";

	if (partition[0])
		reldir = psprintf("%s/data/%s/bucket-%d", spec->table_dir_rel, partition, bucket);
	else
		reldir = psprintf("%s/data/bucket-%d", spec->table_dir_rel, bucket);
	LakeMakeDirs(spec->root, reldir);
	relfile = LakeNewFileName("data", ".parquet");
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
	for (int64 done = 0; done < n; done += FLUSH_GATHER_ROWS)
	{
		uint32		chunk = (uint32) Min(n - done, FLUSH_GATHER_ROWS);

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < spec->ncolumns; i++)
			gather_column(buf, i, refs + done, chunk, &vecs[i], nullbufs[i], valbufs[i]);
		for (uint32 i = 0; i < chunk; i++)
		{
			seqs[i] = buf->first_seq + refs[done + i].row;
			min_seq = Min(min_seq, seqs[i]);
			max_seq = Max(max_seq, seqs[i]);
		}
		vecs[spec->ncolumns].type = PQ_INT64;
		vecs[spec->ncolumns].count = chunk;
		vecs[spec->ncolumns].nulls = NULL;
		vecs[spec->ncolumns].v.i64 = seqs;
		/* with implicit sequences the last vector is simply not passed */
		if (ParquetWriterWrite(w, vecs, chunk, &err) != PQ_OK)
			LakeReportParquetError(&err, path);
	}
	if (ParquetWriterFinish(w, &err) != PQ_OK)
		LakeReportParquetError(&err, path);
	LakeOutFileFinish(sctx.out);

	file = palloc0(sizeof(LakeDataFile));
	file->path = psprintf("%s/%s", reldir + strlen(spec->table_dir_rel) + 1, relfile);
	file->kind = LAKE_FILE_DATA;
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

	if (n == 0)
		return NIL;

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
		refs[r].bucket = spec->nkey > 0 ? (int32) (hash_key(buf, r) % (uint64) spec->buckets) : 0;
		refs[r].row = r;
	}
	/* append tables keep arrival order within a partition */
	sctx.buf = buf;
	if (spec->npartition > 0 || spec->nkey > 0)
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
