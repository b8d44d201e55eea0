/*-------------------------------------------------------------------------
 * test_roundtrip.c
 *	  Writer -> reader round trips of every type and null pattern, over
 *	  codecs, dictionary on/off, several pages and row groups; plus
 *	  dictionary fallback, projection I/O, row-range page skipping,
 *	  row selection (late materialisation) against the full decode,
 *	  key seek against a linear search, statistics edge cases, page
 *	  index, bloom filters, key/value
 *	  metadata, batch buffer reuse and allocator balance.
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "pq_test.h"
#include "format/parquet/pq_metadata.h"
#include "format/parquet/pq_codec.h"

#define MAXCOLS 32

/* expected data of one column */
typedef struct Col
{
	PqColumnSpec spec;
	PqColumnVector vec;
	uint8_t    *nulls;
} Col;

typedef struct Table
{
	int			ncols;
	Col			cols[MAXCOLS];
	uint32_t	nrows;
	uint8_t    *arena;
	size_t		arena_len;
	size_t		arena_cap;
} Table;

static const uint8_t *
arena_put(Table *t, const void *p, size_t n)
{
	uint8_t    *d;

	if (t->arena_len + n > t->arena_cap)
	{
		/* never realloc: earlier pointers must stay valid */
		REQUIRE(0 && "arena too small");
	}
	d = t->arena + t->arena_len;
	memcpy(d, p, n);
	t->arena_len += n;
	return d;
}

enum
{
	NULLS_NONE, NULLS_ALL, NULLS_ALTERNATE, NULLS_RANDOM, NULLS_RUNS
};

static bool
is_null_at(int pattern, uint32_t i)
{
	switch (pattern)
	{
		case NULLS_ALL:
			return true;
		case NULLS_ALTERNATE:
			return i % 2 == 1;
		case NULLS_RANDOM:
			return rng() % 3 == 0;
		case NULLS_RUNS:
			return (i / 777) % 2 == 1;
		default:
			return false;
	}
}

/* value generators with edge cases sprinkled in */
static void
gen_value(Table *t, Col *c, uint32_t i, int card)
{
	PqColumnVector *v = &c->vec;
	uint64_t	x = card ? rng() % (uint64_t) card : rng();

	switch (c->spec.type)
	{
		case PQ_BOOL:
			v->v.b[i] = (uint8_t) (x & 1);
			break;
		case PQ_INT16:
			{
				static const int32_t edge[] = {-32768, 32767, 0, -1};

				v->v.i32[i] = i < 4 ? edge[i] : (int16_t) x;
				break;
			}
		case PQ_INT32:
		case PQ_DATE:
			{
				static const int32_t edge[] = {INT32_MIN, INT32_MAX, 0, -1};

				v->v.i32[i] = i < 4 ? edge[i] : (int32_t) x;
				break;
			}
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			{
				static const int64_t edge[] = {INT64_MIN, INT64_MAX, 0, -1};

				v->v.i64[i] = i < 4 ? edge[i] : (int64_t) x;
				break;
			}
		case PQ_FLOAT:
			{
				float		edge[] = {-0.0f, 0.0f, NAN, INFINITY, -INFINITY, 1e-40f};

				v->v.f32[i] = i < 6 ? edge[i] : (float) ((int64_t) x % 100000) / 7.0f;
				break;
			}
		case PQ_DOUBLE:
			{
				double		edge[] = {-0.0, 0.0, NAN, INFINITY, -INFINITY, 5e-324};

				v->v.f64[i] = i < 6 ? edge[i] : (double) (int64_t) x / 3.0;
				break;
			}
		case PQ_DECIMAL:
			if (c->spec.precision <= 9)
				v->v.i64[i] = (int64_t) (x % 1999999999ULL) - 999999999;
			else if (c->spec.precision <= 18)
				v->v.i64[i] = (int64_t) (x % 1999999999999999999ULL) - 999999999999999999LL;
			else
			{
				/* up to 38 digits, both signs */
				pq_int128	max38 = 0;

				for (int k = 0; k < 38; k++)
					max38 = max38 * 10 + 9;
				if (i == 0)
					v->v.i128[i] = max38;
				else if (i == 1)
					v->v.i128[i] = -max38;
				else
				{
					pq_int128	y = (pq_int128) (((unsigned __int128) rng() << 63) | rng());

					if (card)
						y = (pq_int128) x * 1000003;
					y %= max38;
					v->v.i128[i] = y;
				}
			}
			break;
		case PQ_STRING:
		case PQ_BYTES:
		case PQ_JSON:
			{
				char		buf[256];
				int			n;

				if (i == 0)
					n = 0;		/* empty */
				else if (i == 1 && c->spec.type == PQ_BYTES)
				{
					buf[0] = '\xff';
					buf[1] = '\0';
					buf[2] = 'z';
					n = 3;
				}
				else if (c->spec.type == PQ_JSON)
					n = snprintf(buf, sizeof(buf), "{\"k\": %llu}", (unsigned long long) x);
				else
					n = snprintf(buf, sizeof(buf), "s%llu-%s", (unsigned long long) x,
								 (x % 7 == 0) ? "a much longer string value to vary the lengths quite a bit" : "");
				v->v.bytes[i].ptr = arena_put(t, buf, n);
				v->v.bytes[i].len = (uint32_t) n;
				break;
			}
		case PQ_UUID:
			{
				uint8_t		u[16];

				for (int k = 0; k < 16; k++)
					u[k] = (uint8_t) (k == 0 && i == 0 ? 0xff : (card ? x >> (k % 8) : rng()));
				v->v.bytes[i].ptr = arena_put(t, u, 16);
				v->v.bytes[i].len = 16;
				break;
			}
	}
}

static void
table_init(Table *t, uint32_t nrows, size_t arena)
{
	memset(t, 0, sizeof(*t));
	t->nrows = nrows;
	t->arena = malloc(arena);
	t->arena_cap = arena;
	REQUIRE(t->arena);
}

static Col *
table_add(Table *t, const char *name, PqType type, bool nullable, int prec,
		  int scale, int null_pattern, int card)
{
	Col		   *c = &t->cols[t->ncols++];
	size_t		slot;

	REQUIRE(t->ncols <= MAXCOLS);
	memset(c, 0, sizeof(*c));
	c->spec.name = name;
	c->spec.type = type;
	c->spec.nullable = nullable;
	c->spec.precision = prec;
	c->spec.scale = scale;
	slot = type == PQ_BOOL ? 1 :
		(type == PQ_INT16 || type == PQ_INT32 || type == PQ_DATE || type == PQ_FLOAT) ? 4 :
		(type == PQ_DECIMAL && prec > 18) ? 16 :
		(type == PQ_STRING || type == PQ_BYTES || type == PQ_JSON || type == PQ_UUID) ? sizeof(PqBytes) : 8;
	c->vec.type = type;
	c->vec.count = t->nrows;
	c->vec.v.b = calloc(t->nrows ? t->nrows : 1, slot);
	REQUIRE(c->vec.v.b);
	if (nullable && null_pattern != NULLS_NONE)
	{
		c->nulls = calloc(t->nrows ? t->nrows : 1, 1);
		for (uint32_t i = 0; i < t->nrows; i++)
			c->nulls[i] = is_null_at(null_pattern, i);
		c->vec.nulls = c->nulls;
	}
	for (uint32_t i = 0; i < t->nrows; i++)
		if (!c->nulls || !c->nulls[i])
			gen_value(t, c, i, card);
	return c;
}

static void
table_free(Table *t)
{
	for (int i = 0; i < t->ncols; i++)
	{
		free(t->cols[i].vec.v.b);
		free(t->cols[i].nulls);
	}
	free(t->arena);
}

static PqSchema
table_schema(Table *t, PqColumnSpec *specs)
{
	PqSchema	s;

	for (int i = 0; i < t->ncols; i++)
		specs[i] = t->cols[i].spec;
	s.ncolumns = t->ncols;
	s.columns = specs;
	return s;
}

/* write the table in uneven batches */
static void
write_table(Table *t, const PqWriterOptions *o, MemFile *f, PqWriter **keep)
{
	PqColumnSpec specs[MAXCOLS];
	PqSchema	s = table_schema(t, specs);
	PqError		err;
	PqSink		sink;
	PqWriter   *w;
	uint32_t	done = 0;

	memset(f, 0, sizeof(*f));
	sink = mem_sink(f);
	w = ParquetWriterCreate(&s, o, &sink, &CountingAllocator, &err);
	REQUIRE(w);
	while (done < t->nrows)
	{
		uint32_t	n = 1 + (uint32_t) (rng() % 5000);
		PqColumnVector v[MAXCOLS];
		PqStatus	st;

		if (n > t->nrows - done)
			n = t->nrows - done;
		for (int i = 0; i < t->ncols; i++)
		{
			size_t		slot;
			Col		   *c = &t->cols[i];

			v[i] = c->vec;
			slot = c->spec.type == PQ_BOOL ? 1 :
				(c->spec.type == PQ_INT16 || c->spec.type == PQ_INT32 ||
				 c->spec.type == PQ_DATE || c->spec.type == PQ_FLOAT) ? 4 :
				(c->spec.type == PQ_DECIMAL && c->spec.precision > 18) ? 16 :
				(c->spec.type == PQ_STRING || c->spec.type == PQ_BYTES ||
				 c->spec.type == PQ_JSON || c->spec.type == PQ_UUID) ? sizeof(PqBytes) : 8;
			v[i].v.b = c->vec.v.b + slot * done;
			v[i].nulls = c->nulls ? c->nulls + done : NULL;
			v[i].count = n;
		}
		st = ParquetWriterWrite(w, v, n, &err);
		CHECK_OK(st, err);
		REQUIRE(st == PQ_OK);
		done += n;
	}
	REQUIRE(ParquetWriterFinish(w, &err) == PQ_OK);
	CHECK(ParquetWriterFileSize(w) == f->len);
	CHECK(ParquetWriterNumRows(w) == t->nrows);
	if (keep)
		*keep = w;
	else
		ParquetWriterFree(w);
}

static bool
value_equal(const Col *c, uint32_t i, const PqColumnVector *got, uint32_t j)
{
	const PqColumnVector *e = &c->vec;

	switch (c->spec.type)
	{
		case PQ_BOOL:
			return e->v.b[i] == got->v.b[j];
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			return e->v.i32[i] == got->v.i32[j];
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			return e->v.i64[i] == got->v.i64[j];
		case PQ_FLOAT:
			return memcmp(&e->v.f32[i], &got->v.f32[j], 4) == 0;	/* bits: -0.0, NaN */
		case PQ_DOUBLE:
			return memcmp(&e->v.f64[i], &got->v.f64[j], 8) == 0;
		case PQ_DECIMAL:
			if (c->spec.precision <= 18)
				return e->v.i64[i] == got->v.i64[j];
			return e->v.i128[i] == got->v.i128[j];
		default:
			return e->v.bytes[i].len == got->v.bytes[j].len &&
				(e->v.bytes[i].len == 0 ||
				 memcmp(e->v.bytes[i].ptr, got->v.bytes[j].ptr, e->v.bytes[i].len) == 0);
	}
}

/*
 * Read selected columns (sel[k] = file column) of every row group (or of
 * rg only, restricted to ranges) and compare with the table.  Returns
 * rows checked.
 */
static int64_t
verify(Table *t, MemFile *f, const int *sel, int nsel, int only_rg,
	   const PqRowRange *ranges, int nranges, uint32_t batch, uint64_t *bytes)
{
	PqSource	src = mem_source(f);
	PqError		err;
	PqReader   *r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "mem", &err);
	int64_t		base = 0;
	int64_t		checked = 0;
	int			all[MAXCOLS];
	int			mismatches = 0;

	CHECK_MSG(r != NULL, "open: %s", err.message);
	if (!r)
		return -1;
	if (!sel)
	{
		for (int i = 0; i < t->ncols; i++)
			all[i] = i;
		sel = all;
		nsel = t->ncols;
	}
	CHECK(ParquetReaderNumColumns(r) == t->ncols);
	CHECK(ParquetReaderNumRows(r) == t->nrows);
	CHECK_OK(ParquetReaderSelectColumns(r, sel, nsel, &err), err);
	for (int g = 0; g < ParquetReaderNumRowGroups(r); g++)
	{
		int64_t		rg_rows = ParquetReaderRowGroupNumRows(r, g);
		PqStatus	st;
		int			ri = 0;
		int64_t		row;

		if (only_rg >= 0 && g != only_rg)
		{
			base += rg_rows;
			continue;
		}
		st = ParquetReaderStartRowGroup(r, g, ranges, nranges, &err);
		CHECK_OK(st, err);
		row = ranges ? ranges[0].first : 0;
		for (;;)
		{
			PqColumnVector out[MAXCOLS];
			uint32_t	n;

			st = ParquetReaderReadBatch(r, batch, out, &n, &err);
			if (st == PQ_END)
				break;
			CHECK_OK(st, err);
			if (st != PQ_OK)
				break;
			for (uint32_t j = 0; j < n; j++)
			{
				/* the row index this output row must be */
				if (ranges)
				{
					while (ri < nranges && row >= ranges[ri].first + ranges[ri].count)
					{
						ri++;
						if (ri < nranges)
							row = ranges[ri].first;
					}
				}
				for (int k = 0; k < nsel; k++)
				{
					const Col  *c = &t->cols[sel[k]];
					uint32_t	i = (uint32_t) (base + row);
					bool		enull = c->nulls && c->nulls[i];
					bool		gnull = out[k].nulls && out[k].nulls[j];

					CHECK(out[k].type == c->spec.type);
					if (enull != gnull || (!enull && !value_equal(c, i, &out[k], j)))
					{
						if (mismatches++ < 5)
							CHECK_MSG(0, "column %s row %u (rg %d) differs (null %d/%d)",
									  c->spec.name, i, g, enull, gnull);
					}
				}
				row++;
				checked++;
			}
		}
		base += rg_rows;
	}
	if (bytes)
		*bytes = ParquetReaderBytesRead(r);
	ParquetReaderClose(r);
	return checked;
}

static const PqType all_types[] = {
	PQ_BOOL, PQ_INT16, PQ_INT32, PQ_INT64, PQ_FLOAT, PQ_DOUBLE, PQ_DECIMAL,
	PQ_STRING, PQ_BYTES, PQ_DATE, PQ_TIMESTAMP, PQ_TIMESTAMPTZ, PQ_UUID, PQ_JSON
};
static const char *const names[] = {
	"c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11",
	"c12", "c13", "c14", "c15", "c16", "c17", "c18", "c19", "c20", "c21",
	"c22", "c23", "c24", "c25", "c26", "c27", "c28", "c29", "c30", "c31"
};

static void
test_all_types(void)
{
	PqCodec		codecs[] = {PQ_CODEC_ZSTD, PQ_CODEC_LZ4_RAW, PQ_CODEC_UNCOMPRESSED,
	PQ_CODEC_SNAPPY, PQ_CODEC_GZIP};

	for (int config = 0; config < 10; config++)
	{
		Table		t;
		MemFile		f;
		PqWriterOptions o;
		int			pattern = config % 5;
		uint32_t	nrows = config == 9 ? 0 : 20000 + (uint32_t) (rng() % 5000);

		table_init(&t, nrows, 64 * 1024 * 1024);
		for (size_t k = 0; k < sizeof(all_types) / sizeof(all_types[0]); k++)
		{
			PqType		ty = all_types[k];
			int			card = (config & 1) ? 50 : 0;	/* low cardinality -> dictionary */

			if (ty == PQ_DECIMAL)
			{
				table_add(&t, names[t.ncols], ty, true, 5, 2, pattern, card);
				table_add(&t, names[t.ncols], ty, false, 18, 3, NULLS_NONE, card);
				table_add(&t, names[t.ncols], ty, true, 38, 10, pattern, card);
			}
			else
			{
				table_add(&t, names[t.ncols], ty, true, 0, 0, pattern, card);
				table_add(&t, names[t.ncols], ty, false, 0, 0, NULLS_NONE, card);
			}
		}
		ParquetWriterOptionsInit(&o);
		o.codec = codecs[config % 5];
		o.dictionary = config < 6;
		o.page_rows = 1000 + 1000 * (config % 3);
		o.row_group_rows = 7000 + 3000 * (config % 4);
		if (config == 4)
			o.page_bytes = 4096;
		write_table(&t, &o, &f, NULL);
		CHECK_MSG(verify(&t, &f, NULL, 0, -1, NULL, 0, 1024 + config * 517, NULL) == nrows,
				  "config %d", config);
		free(f.data);
		table_free(&t);
	}
	CHECK_MSG(pq_live_allocs == 0, "%ld allocations leaked", pq_live_allocs);
}

/* parse our own footer with the internal API to inspect chunk metadata */
static void
parse_footer(MemFile *f, PqMetaFile *meta)
{
	uint32_t	flen;
	PqError		err;

	memcpy(&flen, f->data + f->len - 8, 4);
	REQUIRE(PqMetaFileParse(f->data + f->len - 8 - flen, flen, f->len - 8 - flen,
							10000, &ParquetMallocAllocator, meta, &err) == PQ_OK);
}

static void
test_dictionary_fallback(void)
{
	Table		t;
	MemFile		f;
	PqWriterOptions o;
	PqMetaFile	meta;

	table_init(&t, 50000, 16 * 1024 * 1024);
	table_add(&t, "low", PQ_STRING, true, 0, 0, NULLS_RANDOM, 20);
	table_add(&t, "high", PQ_STRING, false, 0, 0, NULLS_NONE, 0);
	/* cardinality that grows: dictionary first, then too big */
	{
		Col		   *c = table_add(&t, "grow", PQ_STRING, false, 0, 0, NULLS_NONE, 10);

		for (uint32_t i = 0; i < t.nrows; i++)
		{
			char		buf[64];
			int			n = snprintf(buf, sizeof(buf), "value-%u",
									 i < 20000 ? i % 10 : i);

			c->vec.v.bytes[i].ptr = arena_put(&t, buf, n);
			c->vec.v.bytes[i].len = (uint32_t) n;
		}
	}
	ParquetWriterOptionsInit(&o);
	o.dictionary_max_bytes = 64 * 1024;
	o.page_rows = 5000;
	o.row_group_rows = 50000;
	write_table(&t, &o, &f, NULL);
	CHECK(verify(&t, &f, NULL, 0, -1, NULL, 0, 4096, NULL) == 50000);
	parse_footer(&f, &meta);
	{
		PqMetaColumn *low = &meta.rowgroups[0].columns[0];
		PqMetaColumn *high = &meta.rowgroups[0].columns[1];
		PqMetaColumn *grow = &meta.rowgroups[0].columns[2];

		CHECK(low->encodings_mask & (1u << 8));		/* RLE_DICTIONARY */
		CHECK(low->encodings_mask & (1u << 3));		/* RLE levels */
		CHECK(low->dictionary_page_offset > 0);
		CHECK(!(high->encodings_mask & (1u << 8)));	/* dictionary abandoned */
		CHECK(high->dictionary_page_offset < 0);
		CHECK(grow->encodings_mask & (1u << 8));	/* dictionary, then ... */
		CHECK(grow->encodings_mask & (1u << 0));	/* ... PLAIN fallback */
		CHECK(grow->dictionary_page_offset > 0);
	}
	PqMetaFileFree(&meta, &ParquetMallocAllocator);
	free(f.data);
	table_free(&t);
}

static void
test_projection_and_ranges(void)
{
	Table		t;
	MemFile		f;
	PqWriterOptions o;
	uint64_t	all_bytes,
				one_bytes,
				range_bytes,
				seq_bytes;
	int			one[] = {7};
	int			two[] = {3, 1};

	table_init(&t, 100000, 32 * 1024 * 1024);
	for (int i = 0; i < 20; i++)
		table_add(&t, names[i], i % 3 == 0 ? PQ_STRING : PQ_INT64, true, 0, 0,
				  i % 2 ? NULLS_RANDOM : NULLS_NONE, 0);
	ParquetWriterOptionsInit(&o);
	o.page_rows = 1000;
	o.row_group_rows = 60000;
	write_table(&t, &o, &f, NULL);
	CHECK(verify(&t, &f, NULL, 0, -1, NULL, 0, 10000, &all_bytes) == 100000);
	CHECK(verify(&t, &f, one, 1, -1, NULL, 0, 10000, &one_bytes) == 100000);
	CHECK(verify(&t, &f, two, 2, -1, NULL, 0, 777, NULL) == 100000);
	CHECK_MSG(one_bytes * 10 < all_bytes, "projection read %llu of %llu bytes",
			  (unsigned long long) one_bytes, (unsigned long long) all_bytes);

	/* row ranges: a few rows in the middle of row group 0 */
	{
		PqRowRange rr[] = {{30500, 10}, {30990, 20}, {59990, 100}};

		/* rows 30500..30509, 30990..31009, 59990..59999 (clipped) */
		CHECK(verify(&t, &f, one, 1, 0, rr, 3, 7, &range_bytes) == 10 + 20 + 10);
		CHECK_MSG(range_bytes * 5 < one_bytes, "ranges read %llu, full column %llu",
				  (unsigned long long) range_bytes, (unsigned long long) one_bytes);
	}
	/* same without a page index: sequential skipping, same rows */
	free(f.data);
	o.page_index = false;
	write_table(&t, &o, &f, NULL);
	{
		PqRowRange rr[] = {{0, 1}, {30500, 10}, {30990, 20}, {59000, 1000}};

		CHECK(verify(&t, &f, NULL, 0, 0, rr, 4, 333, &seq_bytes) == 1 + 10 + 20 + 1000);
	}
	free(f.data);
	table_free(&t);
	CHECK_MSG(pq_live_allocs == 0, "%ld allocations leaked", pq_live_allocs);
}

/*
 * Late materialisation against the full decode (the table, which verify()
 * shows the full decode reproduces): per batch, ReadBatchColumns of a few
 * "filter" columns over the row ranges, then ReadRows of the other columns
 * at a subset of the batch's rows (single rows, runs, page boundaries,
 * every row, none).  Returns rows checked.
 */
static int64_t
verify_row_selection(Table *t, MemFile *f, const bool *filter_col,
					 const PqRowRange *ranges, int nranges, uint32_t batch, int mode)
{
	PqSource	src = mem_source(f);
	PqError		err;
	PqReader   *r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "mem", &err);
	int64_t		base = 0;
	int64_t		checked = 0;
	int			all[MAXCOLS];
	bool		want_f[MAXCOLS],
				want_o[MAXCOLS];
	int			mismatches = 0;
	int64_t    *rows = malloc(sizeof(int64_t) * batch);
	int64_t    *keep = malloc(sizeof(int64_t) * batch);
	uint32_t   *pos = malloc(sizeof(uint32_t) * batch);

	REQUIRE(rows && keep && pos);
	CHECK_MSG(r != NULL, "open: %s", err.message);
	if (!r)
		return -1;
	for (int i = 0; i < t->ncols; i++)
	{
		all[i] = i;
		want_f[i] = filter_col[i];
		want_o[i] = !filter_col[i];
	}
	CHECK_OK(ParquetReaderSelectColumns(r, all, t->ncols, &err), err);
	for (int g = 0; g < ParquetReaderNumRowGroups(r); g++)
	{
		int64_t		rg_rows = ParquetReaderRowGroupNumRows(r, g);
		PqStatus	st = ParquetReaderStartRowGroup(r, g, ranges, nranges, &err);

		CHECK_OK(st, err);
		for (;;)
		{
			PqColumnVector out[MAXCOLS];
			uint32_t	n,
						k = 0;

			memset(out, 0, sizeof(out));
			st = ParquetReaderReadBatchColumns(r, batch, want_f, out, &n, rows, &err);
			if (st == PQ_END)
				break;
			CHECK_OK(st, err);
			if (st != PQ_OK)
				break;
			for (uint32_t j = 0; j < n; j++)
			{
				bool		take;

				CHECK(j == 0 || rows[j] > rows[j - 1]);
				switch (mode)
				{
					case 0:		/* a random few */
						take = rng() % 97 == 0;
						break;
					case 1:		/* every row */
						take = true;
						break;
					case 2:		/* runs of 40 rows out of 100 */
						take = rows[j] % 100 < 40;
						break;
					case 3:		/* around page boundaries (pages of 1000 rows) */
						take = rows[j] % 1000 == 0 || rows[j] % 1000 == 999 || rows[j] % 1000 == 1;
						break;
					default:	/* none */
						take = false;
						break;
				}
				if (take)
				{
					keep[k] = rows[j];
					pos[k++] = j;
				}
			}
			/* the filter columns, at every row of the batch */
			for (uint32_t j = 0; j < n; j++)
				for (int c = 0; c < t->ncols; c++)
				{
					const Col  *col = &t->cols[c];
					uint32_t	i = (uint32_t) (base + rows[j]);
					bool		enull,
								gnull;

					if (!filter_col[c])
						continue;
					enull = col->nulls && col->nulls[i];
					gnull = out[c].nulls && out[c].nulls[j];
					if (out[c].count != n || enull != gnull ||
						(!enull && !value_equal(col, i, &out[c], j)))
						if (mismatches++ < 5)
							CHECK_MSG(0, "filter column %s row %u differs", col->spec.name, i);
				}
			st = ParquetReaderReadRows(r, keep, k, want_o, out, &err);
			CHECK_OK(st, err);
			if (st != PQ_OK)
				break;
			for (uint32_t j = 0; j < k; j++)
			{
				for (int c = 0; c < t->ncols; c++)
				{
					const Col  *col = &t->cols[c];
					uint32_t	i = (uint32_t) (base + keep[j]);
					bool		enull,
								gnull;

					if (filter_col[c])
						continue;
					enull = col->nulls && col->nulls[i];
					gnull = out[c].nulls && out[c].nulls[j];
					if (out[c].count != k || enull != gnull ||
						(!enull && !value_equal(col, i, &out[c], j)))
						if (mismatches++ < 5)
							CHECK_MSG(0, "selected column %s row %u differs (null %d/%d)",
									  col->spec.name, i, enull, gnull);
				}
				/* filter columns still valid after ReadRows */
				for (int c = 0; c < t->ncols; c++)
					if (filter_col[c] && !(t->cols[c].nulls && t->cols[c].nulls[base + keep[j]]) &&
						!value_equal(&t->cols[c], (uint32_t) (base + keep[j]), &out[c], pos[j]))
						if (mismatches++ < 5)
							CHECK_MSG(0, "filter column %s changed by ReadRows", t->cols[c].spec.name);
				checked++;
			}
			/* a row the columns passed already, or rows out of order: refused */
			if (k > 0)
			{
				int64_t		back[2] = {keep[k - 1], keep[k - 1]};

				if (keep[k - 1] > 0)
				{
					back[0] = keep[k - 1] - 1;
					CHECK(ParquetReaderReadRows(r, back, 1, want_o, out, &err) == PQ_ERR_ARG);
				}
				back[0] = keep[k - 1] + 1;
				if (back[0] < rg_rows)
					CHECK(ParquetReaderReadRows(r, back, 2, want_o, out, &err) == PQ_ERR_ARG);
			}
		}
		base += rg_rows;
	}
	ParquetReaderClose(r);
	free(rows);
	free(keep);
	free(pos);
	return checked;
}

static void
test_row_selection(void)
{
	PqCodec		codecs[] = {PQ_CODEC_ZSTD, PQ_CODEC_UNCOMPRESSED, PQ_CODEC_LZ4_RAW};
	int64_t		total = 0;

	for (int config = 0; config < 12; config++)
	{
		Table		t;
		MemFile		f;
		PqWriterOptions o;
		bool		filter_col[MAXCOLS];
		int			pattern = config % 5;
		uint32_t	nrows = 9000 + (uint32_t) (rng() % 3000);
		PqRowRange	rr[] = {{0, 1}, {999, 1002}, {4321, 1}, {5000, 2500}, {8500, 100000}};

		table_init(&t, nrows, 64 * 1024 * 1024);
		for (size_t k = 0; k < sizeof(all_types) / sizeof(all_types[0]); k++)
		{
			PqType		ty = all_types[k];
			int			card = (config & 1) ? 40 : 0;	/* low cardinality -> dictionary */

			if (ty == PQ_DECIMAL)
			{
				table_add(&t, names[t.ncols], ty, true, 9, 2, pattern, card);
				table_add(&t, names[t.ncols], ty, true, 30, 4, pattern, card);
			}
			else
			{
				table_add(&t, names[t.ncols], ty, true, 0, 0, pattern, card);
				table_add(&t, names[t.ncols], ty, false, 0, 0, NULLS_NONE, card);
			}
		}
		for (int c = 0; c < t.ncols; c++)
			filter_col[c] = (c + config) % 7 == 0;
		ParquetWriterOptionsInit(&o);
		o.codec = codecs[config % 3];
		o.dictionary = config % 4 != 3;
		o.page_rows = 1000;
		o.row_group_rows = 4000 + 2000 * (config % 3);
		o.page_index = config % 6 != 5;
		write_table(&t, &o, &f, NULL);
		for (int mode = 0; mode < 5; mode++)
		{
			int64_t		got;

			got = verify_row_selection(&t, &f, filter_col, NULL, 0,
									   mode == 1 ? 8192 : 700 + 311 * mode, mode);
			CHECK(got >= 0);
			if (mode == 1)
				CHECK_MSG(got == nrows, "config %d: %lld of %u rows", config, (long long) got, nrows);
			total += got;
			got = verify_row_selection(&t, &f, filter_col, rr, 5, 1000, mode);
			CHECK(got >= 0);
		}
		free(f.data);
		table_free(&t);
	}
	CHECK(total > 12 * 9000);
	CHECK_MSG(pq_live_allocs == 0, "%ld allocations leaked", pq_live_allocs);
}

/* ReadRows of rows (of row group 0) against the table; false on a mismatch */
static bool
read_rows_match(Table *t, PqReader *r, const int64_t *rows, uint32_t n, const char *what)
{
	PqColumnVector out[MAXCOLS];
	bool		want[MAXCOLS];
	PqError		err;
	PqStatus	st;
	bool		ok = true;

	for (int c = 0; c < t->ncols; c++)
		want[c] = true;
	memset(out, 0, sizeof(out));
	st = ParquetReaderReadRows(r, rows, n, want, out, &err);
	CHECK_OK(st, err);
	if (st != PQ_OK)
		return false;
	for (uint32_t j = 0; j < n; j++)
		for (int c = 0; c < t->ncols; c++)
		{
			const Col  *col = &t->cols[c];
			uint32_t	i = (uint32_t) rows[j];
			bool		enull = col->nulls && col->nulls[i];
			bool		gnull = out[c].nulls && out[c].nulls[j];

			if (out[c].count != n || enull != gnull ||
				(!enull && !value_equal(col, i, &out[c], j)))
			{
				CHECK_MSG(0, "%s: column %s row %u differs (null %d/%d)",
						  what, col->spec.name, i, enull, gnull);
				ok = false;
			}
		}
	return ok;
}

/*
 * ReadRows of PLAIN pages, of which a zstd page decompresses only the
 * frames holding the rows wanted (the writer cuts such a page into a few
 * independent frames; a required column), or up to them (NULL-able
 * columns; old files, whose zstd pages are one frame of blocks): every
 * codec, zstd written both ways; the row first, in the middle, last of its
 * page and of a frame (pages of 1000 rows: frames of 256 int64 or 512 int32
 * rows); NULLs before it; two rows of one page in one call; a later call
 * further in the same page (decoded again, whole, when outside what was
 * decoded); with and without an offset index.  Then ReadBatch over row
 * ranges whose last one ends inside a page (decompressed up to there).
 */
static void
test_partial_decompress(void)
{
	/* the last: zstd pages as one frame of blocks (old files) */
	PqCodec		codecs[] = {PQ_CODEC_ZSTD, PQ_CODEC_UNCOMPRESSED, PQ_CODEC_LZ4_RAW,
	PQ_CODEC_SNAPPY, PQ_CODEC_GZIP, PQ_CODEC_ZSTD};
	const size_t ncodecs = sizeof(codecs) / sizeof(codecs[0]);
	/* {first call's rows (-1: none)}, {second call's rows}; pages of 1000 rows */
	static const int64_t picks[][4] = {
		{0, -1, -1, -1}, {1, -1, -1, -1}, {500, -1, -1, -1}, {998, -1, -1, -1},
		{999, -1, -1, -1}, {0, -1, 999, -1}, {10, -1, 600, -1}, {10, 11, 12, -1},
		{1600, -1, -1, -1}, {1554, -1, 1990, -1}, {2500, 2501, 2999, -1},
		{2000, 2999, -1, -1}, {3999, -1, -1, -1}, {4000, -1, 4001, 4999},
		{700, 1300, 1301, 3500}, {255, -1, -1, -1}, {256, -1, -1, -1},
		{511, 512, -1, -1}, {767, -1, 768, -1}, {1256, -1, 1257, 1900},
		{3300, -1, 3100 + 211, 3700}, {2768, -1, 2999, -1}, {1024, -1, 1100, -1}
	};
	uint64_t	begun0,
				done0,
				begun,
				done,
				frames0;

	for (size_t ci = 0; ci < ncodecs; ci++)
		for (int pi = 0; pi < 2; pi++)
		{
			Table		t;
			MemFile		f;
			PqWriterOptions o;
			int			all[MAXCOLS];

			table_init(&t, 5000, 16 * 1024 * 1024);
			table_add(&t, "i64n", PQ_INT64, true, 0, 0, NULLS_RANDOM, 0);
			table_add(&t, "i64", PQ_INT64, false, 0, 0, NULLS_NONE, 0);
			table_add(&t, "f64runs", PQ_DOUBLE, true, 0, 0, NULLS_RUNS, 0);
			table_add(&t, "i32alt", PQ_INT32, true, 0, 0, NULLS_ALTERNATE, 0);
			table_add(&t, "f32", PQ_FLOAT, false, 0, 0, NULLS_NONE, 0);
			table_add(&t, "ts", PQ_TIMESTAMPTZ, true, 0, 0, NULLS_NONE, 0);
			table_add(&t, "s", PQ_STRING, true, 0, 0, NULLS_RANDOM, 0);
			for (int c = 0; c < t.ncols; c++)
				all[c] = c;
			ParquetWriterOptionsInit(&o);
			o.codec = codecs[ci];
			o.dictionary = false;
			o.page_rows = 1000;
			o.row_group_rows = 5000;
			o.page_index = pi == 0;
			PqCodecZstdOneFrame(ci == ncodecs - 1);
			write_table(&t, &o, &f, NULL);
			PqCodecZstdOneFrame(false);
			PqCodecPrefixCounts(&begun0, &done0);
			frames0 = PqCodecFramesDecoded();
			for (size_t k = 0; k < sizeof(picks) / sizeof(picks[0]); k++)
			{
				PqSource	src = mem_source(&f);
				PqError		err;
				PqReader   *r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "mem", &err);
				int64_t		rows[2];
				uint32_t	n;
				char		what[64];

				REQUIRE(r);
				CHECK_OK(ParquetReaderSelectColumns(r, all, t.ncols, &err), err);
				CHECK_OK(ParquetReaderStartRowGroup(r, 0, NULL, 0, &err), err);
				for (int call = 0; call < 2; call++)
				{
					n = 0;
					for (int j = 0; j < 2; j++)
						if (picks[k][call * 2 + j] >= 0)
							rows[n++] = picks[k][call * 2 + j];
					snprintf(what, sizeof(what), "codec %d%s, index %d, pick %zu, call %d",
							 (int) codecs[ci], ci == ncodecs - 1 ? " (one frame)" : "",
							 pi == 0, k, call);
					if (n > 0)
						read_rows_match(&t, r, rows, n, what);
				}
				ParquetReaderClose(r);
			}
			/* ReadBatch over row ranges whose last one ends inside a page */
			{
				PqRowRange	r1[] = {{0, 1}};
				PqRowRange	r2[] = {{10, 5}, {1500, 1}};
				PqRowRange	r3[] = {{998, 3}, {2000, 999}};
				PqRowRange	r4[] = {{3000, 1}, {3999, 1}, {4500, 250}};

				CHECK(verify(&t, &f, NULL, 0, 0, r1, 1, 100, NULL) == 1);
				CHECK(verify(&t, &f, NULL, 0, 0, r2, 2, 3, NULL) == 6);
				CHECK(verify(&t, &f, NULL, 0, 0, r3, 2, 500, NULL) == 1002);
				CHECK(verify(&t, &f, NULL, 0, 0, r4, 3, 64, NULL) == 252);
			}
			PqCodecPrefixCounts(&begun, &done);
			if (codecs[ci] == PQ_CODEC_ZSTD)
				CHECK_MSG(begun > begun0 && done < begun - begun0 + done0,
						  "zstd: %llu prefix decompressions, %llu to the end",
						  (unsigned long long) (begun - begun0),
						  (unsigned long long) (done - done0));
			else
				CHECK(begun == begun0);
			/* only the new zstd pages have frames to decompress apart */
			CHECK_MSG((PqCodecFramesDecoded() > frames0) == (ci == 0),
					  "codec %zu: %llu frames decompressed apart", ci,
					  (unsigned long long) (PqCodecFramesDecoded() - frames0));
			free(f.data);
			table_free(&t);
		}
	CHECK_MSG(pq_live_allocs == 0, "%ld allocations leaked", pq_live_allocs);
}

/*
 * One point lookup the way a lake scan does it, on a reader kept across
 * lookups (Release, Attach): the row range of the page of column 0 holding
 * row, ReadBatchColumns of column 0 over it, then ReadRows of the other
 * columns at row.  Checks every value; returns the bytes read.
 */
static uint64_t
lookup_row(Table *t, PqReader *r, PqSource *src, int64_t row, int64_t rg_rows,
		   const char *what)
{
	PqColumnVector out[MAXCOLS];
	bool		want_k[MAXCOLS],
				want_o[MAXCOLS];
	int			all[MAXCOLS];
	int64_t		got[8192];
	int64_t		rel = row % rg_rows;
	int			g = (int) (row / rg_rows);
	PqRowRange	rr;
	PqError		err;
	uint32_t	n = 0;
	int64_t		at = -1;

	ParquetReaderRelease(r);
	CHECK_OK(ParquetReaderAttach(r, src, &err), err);
	for (int c = 0; c < t->ncols; c++)
	{
		all[c] = c;
		want_k[c] = c == 0;
		want_o[c] = c != 0;
	}
	CHECK_OK(ParquetReaderSelectColumns(r, all, t->ncols, &err), err);
	rr.first = rel / 1000 * 1000;
	rr.count = rg_rows - rr.first < 1000 ? rg_rows - rr.first : 1000;
	CHECK_OK(ParquetReaderStartRowGroup(r, g, &rr, 1, &err), err);
	CHECK_OK(ParquetReaderReadBatchColumns(r, 8192, want_k, out, &n, got, &err), err);
	CHECK_MSG(n == (uint32_t) rr.count, "%s: %u rows in the range, expected %lld",
			  what, n, (long long) rr.count);
	for (uint32_t j = 0; j < n; j++)
		if (out[0].v.i64[j] == t->cols[0].vec.v.i64[row])
			at = got[j];
	CHECK_MSG(at == rel, "%s: key of row %lld found at %lld", what, (long long) row,
			  (long long) at);
	if (at != rel)
		return 0;
	CHECK_OK(ParquetReaderReadRows(r, &rel, 1, want_o, out, &err), err);
	for (int c = 1; c < t->ncols; c++)
	{
		const Col  *col = &t->cols[c];
		bool		enull = col->nulls && col->nulls[row];
		bool		gnull = out[c].nulls && out[c].nulls[0];

		CHECK_MSG(out[c].count == 1 && enull == gnull &&
				  (enull || value_equal(col, (uint32_t) row, &out[c], 0)),
				  "%s: column %s row %lld differs (null %d/%d)", what,
				  col->spec.name, (long long) row, enull, gnull);
	}
	return ParquetReaderBytesRead(r);
}

/*
 * Point lookups through the offset index on a reader kept across them:
 * every codec, with and without dictionaries, one or two row groups; the
 * row first, in the middle, last of its page and of its row group, NULLs
 * before it.  A small column chunk (SMALL_CHUNK_BYTES) is read whole at
 * the second lookup that touches it and kept: looking the same rows up
 * again reads only the pages of the large chunks (none when every chunk
 * is small).  A damaged page header is an error read from the file (first
 * lookup) and from the kept chunk (second).
 */
static void
test_point_lookups(void)
{
	PqCodec		codecs[] = {PQ_CODEC_ZSTD, PQ_CODEC_UNCOMPRESSED, PQ_CODEC_LZ4_RAW,
	PQ_CODEC_SNAPPY, PQ_CODEC_GZIP};
	static const int64_t picks[] = {0, 1, 500, 999, 1000, 1733, 2499, 2500, 2501,
	3999, 4000, 4998, 4999};

	for (size_t ci = 0; ci < sizeof(codecs) / sizeof(codecs[0]); ci++)
		for (int dict = 0; dict < 2; dict++)
			for (int rgs = 1; rgs <= 2; rgs++)
			{
				Table		t;
				MemFile		f;
				PqWriterOptions o;
				PqSource	src;
				PqError		err;
				PqReader   *r;
				int64_t		rg_rows = 5000 / rgs;
				uint64_t	bytes[2] = {0, 0};
				bool		all_small = true;
				char		what[96];

				table_init(&t, 5000, 16 * 1024 * 1024);
				table_add(&t, "key", PQ_INT64, false, 0, 0, NULLS_NONE, 0);
				for (uint32_t i = 0; i < t.nrows; i++)
					t.cols[0].vec.v.i64[i] = (int64_t) i * 7 - 1000;
				table_add(&t, "i64n", PQ_INT64, true, 0, 0, NULLS_RANDOM, 0);
				table_add(&t, "i32alt", PQ_INT32, true, 0, 0, NULLS_ALTERNATE, 0);
				table_add(&t, "f64runs", PQ_DOUBLE, true, 0, 0, NULLS_RUNS, 0);
				table_add(&t, "s", PQ_STRING, true, 0, 0, NULLS_RANDOM, 5);
				table_add(&t, "d", PQ_DATE, false, 0, 0, NULLS_NONE, 3);
				/* 80 kB of random bytes: a large chunk in one row group */
				table_add(&t, "u", PQ_UUID, false, 0, 0, NULLS_NONE, 0);
				ParquetWriterOptionsInit(&o);
				o.codec = codecs[ci];
				o.dictionary = dict == 1;
				o.page_rows = 1000;
				o.row_group_rows = (uint32_t) rg_rows;
				o.page_index = true;
				write_table(&t, &o, &f, NULL);
				src = mem_source(&f);
				r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "mem", &err);
				REQUIRE(r);
				for (int g = 0; g < rgs; g++)
					for (int c = 0; c < t.ncols; c++)
					{
						const PqPageIndex *pi;

						CHECK_OK(ParquetReaderPageIndex(r, g, c, &pi, &err), err);
						/* the data pages' extent; a dictionary page adds little */
						if (pi->pages[pi->npages - 1].offset + pi->pages[pi->npages - 1].compressed_size -
							pi->pages[0].offset > 60 * 1024)
							all_small = false;
					}
				for (int pass = 0; pass < 2; pass++)
					for (size_t k = 0; k < sizeof(picks) / sizeof(picks[0]); k++)
					{
						snprintf(what, sizeof(what), "codec %d, dictionary %d, %d row groups, pass %d, row %lld",
								 (int) codecs[ci], dict, rgs, pass, (long long) picks[k]);
						bytes[pass] += lookup_row(&t, r, &src, picks[k], rg_rows, what);
					}
				snprintf(what, sizeof(what), "codec %d, dictionary %d, %d row groups",
						 (int) codecs[ci], dict, rgs);
				CHECK_MSG(bytes[1] < bytes[0] && (!all_small || bytes[1] == 0),
						  "%s: %llu bytes read by the first lookups, %llu by the same again (every chunk small: %d)",
						  what, (unsigned long long) bytes[0], (unsigned long long) bytes[1],
						  all_small);
				ParquetReaderClose(r);

				/*
				 * A damaged page header in a small chunk: an error naming the
				 * column at the first lookup (its page read from the file),
				 * and at the second (the chunk, kept by the read of another
				 * page of it in between).
				 */
				if (rgs == 2)
				{
					const PqPageIndex *pi;
					PqColumnVector out[MAXCOLS];
					bool		want[MAXCOLS] = {false};
					int			all[MAXCOLS];
					int64_t		got[8192];
					uint32_t	n;
					PqRowRange	rr = {1000, 1000};

					r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "mem", &err);
					REQUIRE(r);
					CHECK_OK(ParquetReaderPageIndex(r, 1, 2, &pi, &err), err);
					memset(f.data + pi->pages[1].offset, 0xff, 4);
					for (int c = 0; c < t.ncols; c++)
						all[c] = c;
					want[2] = true;
					for (int k = 0; k < 2; k++)
					{
						PqStatus	st;

						ParquetReaderRelease(r);
						CHECK_OK(ParquetReaderAttach(r, &src, &err), err);
						CHECK_OK(ParquetReaderSelectColumns(r, all, t.ncols, &err), err);
						CHECK_OK(ParquetReaderStartRowGroup(r, 1, &rr, 1, &err), err);
						memset(&err, 0, sizeof(err));
						st = ParquetReaderReadBatchColumns(r, 8192, want, out, &n, got, &err);
						CHECK_MSG(st == PQ_ERR_CORRUPT && strstr(err.message, "i32alt") != NULL,
								  "%s, lookup %d: damaged page header read with status %s: %s",
								  what, k, ParquetStatusName(st), err.message);
						/* the other pages of the chunk still read */
						rr.first = 0;
						CHECK_OK(ParquetReaderStartRowGroup(r, 1, &rr, 1, &err), err);
						CHECK_OK(ParquetReaderReadBatchColumns(r, 8192, want, out, &n, got, &err), err);
						rr.first = 1000;
					}
					ParquetReaderClose(r);
				}
				free(f.data);
				table_free(&t);
			}
	CHECK_MSG(pq_live_allocs == 0, "%ld allocations leaked", pq_live_allocs);
}

/*
 * ParquetReaderSeekSorted against a linear search: an ascending INT64 key
 * with unevenly spread values (runs of equal keys, long jumps, so that an
 * interpolated first probe often misses its frame), pages of 1,024 rows,
 * over codecs (zstd in frames), searched with and without the page index
 * loaded first (its min/max guide the first probe), over the whole row
 * group and over the page holding the key.  Every key present, every gap,
 * below the minimum and above the maximum.  PQ_END (the seek declines: a
 * run of equal keys reaching a page's end, a key past the first page of a
 * row group read in order) is allowed; any other answer must be the
 * linear one.
 */
static void
test_key_seek(void)
{
	PqCodec		codecs[] = {PQ_CODEC_ZSTD, PQ_CODEC_UNCOMPRESSED, PQ_CODEC_LZ4_RAW};
	int			checked = 0,
				declined_page = 0;

	for (size_t ci = 0; ci < sizeof(codecs) / sizeof(codecs[0]); ci++)
	{
		Table		t;
		MemFile		f;
		PqWriterOptions o;
		PqSource	src;
		PqError		err;
		const int64_t *key;
		int64_t		v = -5000;

		table_init(&t, 6000, 1024 * 1024);
		table_add(&t, "key", PQ_INT64, false, 0, 0, NULLS_NONE, 0);
		table_add(&t, "x", PQ_INT32, false, 0, 0, NULLS_NONE, 0);
		for (uint32_t i = 0; i < t.nrows; i++)
		{
			/* mostly steps of 2, a run of 5 equal keys every 211 rows, jumps */
			if (i % 211 < 4)
				v += 0;
			else if (i % 997 == 0)
				v += 1000000;
			else if (i % 50 == 0)
				v += 37;
			else
				v += 2;
			t.cols[0].vec.v.i64[i] = v;
		}
		key = t.cols[0].vec.v.i64;
		ParquetWriterOptionsInit(&o);
		o.codec = codecs[ci];
		o.dictionary = false;
		o.page_rows = 1024;
		o.row_group_rows = 6000;
		o.page_index = true;
		write_table(&t, &o, &f, NULL);
		src = mem_source(&f);
		for (int with_index = 0; with_index < 2; with_index++)
			for (int per_page = 0; per_page < 2; per_page++)
			{
				PqReader   *r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "mem", &err);
				const PqPageIndex *pi = NULL;
				int			sel0 = 0;

				REQUIRE(r);
				CHECK_OK(ParquetReaderSelectColumns(r, &sel0, 1, &err), err);
				if (with_index)
					CHECK_OK(ParquetReaderPageIndex(r, 0, 0, &pi, &err), err);
				for (int64_t k = key[0] - 3; k <= key[t.nrows - 1] + 3; k++)
				{
					PqValue		kv;
					PqRowRange	rr = {0, t.nrows};
					int64_t		first,
								count,
								want_first = t.nrows,
								want_count = 0;
					PqStatus	st;

					/* only keys near a value: the jumps are a million wide */
					if (k > key[0] && k < key[t.nrows - 1])
					{
						uint32_t	lo = 0,
									hi = t.nrows;

						while (lo < hi)
						{
							uint32_t	mid = lo + (hi - lo) / 2;

							if (key[mid] < k)
								lo = mid + 1;
							else
								hi = mid;
						}
						if ((lo < t.nrows && key[lo] - k > 3) && (lo == 0 || k - key[lo - 1] > 3))
							continue;
					}
					for (uint32_t i = 0; i < t.nrows; i++)
						if (key[i] == k)
						{
							if (want_count == 0)
								want_first = i;
							want_count++;
						}
					if (per_page)
					{
						/* the rows of the page that would hold k (1,024 per page) */
						int64_t		at = want_count > 0 ? want_first : 0;

						if (want_count == 0)
							while (at < t.nrows && key[at] < k)
								at++;
						if (at >= t.nrows)
							at = t.nrows - 1;
						rr.first = at / 1024 * 1024;
						rr.count = t.nrows - rr.first < 1024 ? t.nrows - rr.first : 1024;
						if (want_count > 0 && want_first + want_count > rr.first + rr.count)
							continue;	/* a run crossing pages: not one page's */
					}
					CHECK_OK(ParquetReaderStartRowGroup(r, 0, &rr, 1, &err), err);
					memset(&kv, 0, sizeof(kv));
					kv.type = PQ_INT64;
					kv.v.i64 = k;
					memset(&err, 0, sizeof(err));
					st = ParquetReaderSeekSorted(r, 0, &kv, &first, &count, &err);
					if (st == PQ_END)
					{
						/* over the whole row group the pages are read in order */
						declined_page += per_page;
						continue;
					}
					CHECK_OK(st, err);
					CHECK_MSG(count == want_count && (count == 0 || first == want_first),
							  "codec %d, page index %d, per page %d, key %lld: seek says rows %lld+%lld, linear search %lld+%lld",
							  (int) codecs[ci], with_index, per_page, (long long) k,
							  (long long) first, (long long) count,
							  (long long) want_first, (long long) want_count);
					checked++;
				}
				ParquetReaderClose(r);
			}
		free(f.data);
		table_free(&t);
	}
	CHECK_MSG(checked > 10000 && declined_page < checked / 20,
			  "key seek: %d keys checked, %d declined within a page", checked, declined_page);
	CHECK_MSG(pq_live_allocs == 0, "%ld allocations leaked", pq_live_allocs);
}

/*
 * ParquetReaderPagesInRanges against a count over the page index: random
 * sorted ranges (empty, past the end, several in one page, spanning pages),
 * pages of 700 rows in two row groups; PQ_END without an offset index.
 */
static void
test_pages_in_ranges(void)
{
	for (int pi_on = 0; pi_on < 2; pi_on++)
	{
		Table		t;
		MemFile		f;
		PqWriterOptions o;
		PqSource	src;
		PqError		err;
		PqReader   *r;

		table_init(&t, 9000, 4 * 1024 * 1024);
		table_add(&t, "a", PQ_INT64, true, 0, 0, NULLS_RANDOM, 0);
		table_add(&t, "b", PQ_STRING, false, 0, 0, NULLS_NONE, 7);
		ParquetWriterOptionsInit(&o);
		o.page_rows = 700;
		o.row_group_rows = 5000;
		o.page_index = pi_on == 1;
		write_table(&t, &o, &f, NULL);
		src = mem_source(&f);
		r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "mem", &err);
		REQUIRE(r);
		for (int g = 0; g < 2; g++)
			for (int c = 0; c < 2; c++)
			{
				const PqPageIndex *pi = NULL;
				int64_t		rows = ParquetReaderRowGroupNumRows(r, g);
				int			np,
							nr;
				PqStatus	st = ParquetReaderPagesInRanges(r, g, c, NULL, 0, &np, &nr, &err);

				if (!pi_on)
				{
					CHECK(st == PQ_END);
					continue;
				}
				CHECK_OK(st, err);
				CHECK_OK(ParquetReaderPageIndex(r, g, c, &pi, &err), err);
				CHECK(np == pi->npages && nr == pi->npages);
				for (int trial = 0; trial < 300; trial++)
				{
					PqRowRange	rr[6];
					int			n = (int) (rng() % 6);
					int64_t		at = (int64_t) (rng() % 800);
					int			expect = 0;

					for (int k = 0; k < n; k++)
					{
						rr[k].first = at;
						rr[k].count = (int64_t) (rng() % 4 == 0 ? rng() % 2000 : rng() % 3);
						at = rr[k].first + rr[k].count + (int64_t) (rng() % 1500);
					}
					for (int p = 0; p < pi->npages; p++)
					{
						int64_t		a = pi->pages[p].first_row,
									b = a + pi->pages[p].num_rows;
						bool		hit = false;

						for (int k = 0; k < n; k++)
							if (rr[k].count > 0 && rr[k].first < b &&
								rr[k].first + rr[k].count > a && rr[k].first < rows)
								hit = true;
						expect += hit;
					}
					CHECK_OK(ParquetReaderPagesInRanges(r, g, c, rr, n, &np, &nr, &err), err);
					CHECK_MSG(np == pi->npages && nr == expect,
							  "row group %d column %d trial %d: %d of %d pages, expected %d",
							  g, c, trial, nr, np, expect);
				}
			}
		ParquetReaderClose(r);
		free(f.data);
		table_free(&t);
	}
	CHECK_MSG(pq_live_allocs == 0, "%ld allocations leaked", pq_live_allocs);
}

/* write one column of given values and return the reader's chunk stats */
static void
write_single(PqColumnSpec *spec, const PqColumnVector *v, uint32_t n,
			 MemFile *f, PqWriterOptions *opts)
{
	PqSchema	s = {1, spec};
	PqError		err;
	PqSink		sink;
	PqWriter   *w;
	PqWriterOptions o;

	if (!opts)
	{
		ParquetWriterOptionsInit(&o);
		opts = &o;
	}
	memset(f, 0, sizeof(*f));
	sink = mem_sink(f);
	w = ParquetWriterCreate(&s, opts, &sink, &ParquetMallocAllocator, &err);
	REQUIRE(w);
	CHECK_OK(ParquetWriterWrite(w, v, n, &err), err);
	CHECK_OK(ParquetWriterFinish(w, &err), err);
	ParquetWriterFree(w);
}

static PqReader *
open_mem(MemFile *f, PqSource *src)
{
	PqError		err;
	PqReader   *r;

	*src = mem_source(f);
	r = ParquetReaderOpen(src, NULL, &ParquetMallocAllocator, "mem", &err);
	CHECK_MSG(r, "open: %s", err.message);
	REQUIRE(r);
	return r;
}

static void
test_statistics(void)
{
	PqColumnSpec spec = {"x", PQ_DOUBLE, true, 0, 0, false};
	PqColumnVector v;
	MemFile		f;
	PqSource	src;
	PqReader   *r;
	PqColumnStats st;
	PqError		err;

	/* doubles: NaN skipped, zero bounds signed */
	{
		double		d[] = {NAN, 0.0, 3.5, NAN, -0.0};
		uint8_t		nl[] = {0, 0, 0, 0, 1};

		v.type = PQ_DOUBLE;
		v.count = 5;
		v.nulls = nl;
		v.v.f64 = d;
		write_single(&spec, &v, 5, &f, NULL);
		r = open_mem(&f, &src);
		CHECK_OK(ParquetReaderChunkStats(r, 0, 0, &st, &err), err);
		CHECK(st.has_min_max && st.has_null_count && st.null_count == 1);
		CHECK(st.min.v.f64 == 0.0 && signbit(st.min.v.f64));	/* -0.0 */
		CHECK(st.max.v.f64 == 3.5);
		ParquetReaderClose(r);
		free(f.data);
	}
	/* max is a zero: written as +0.0 */
	{
		double		d[] = {-0.0, -2.0};

		v.type = PQ_DOUBLE;
		v.count = 2;
		v.nulls = NULL;
		v.v.f64 = d;
		write_single(&spec, &v, 2, &f, NULL);
		r = open_mem(&f, &src);
		CHECK_OK(ParquetReaderChunkStats(r, 0, 0, &st, &err), err);
		CHECK(st.has_min_max && st.min.v.f64 == -2.0);
		CHECK(st.max.v.f64 == 0.0 && !signbit(st.max.v.f64));
		ParquetReaderClose(r);
		free(f.data);
	}
	/* all NaN: no bounds; all NULL: no bounds */
	{
		double		d[] = {NAN, NAN, NAN};
		uint8_t		nl[] = {1, 1, 1};
		const PqPageIndex *pi;

		v.type = PQ_DOUBLE;
		v.count = 3;
		v.nulls = NULL;
		v.v.f64 = d;
		write_single(&spec, &v, 3, &f, NULL);
		r = open_mem(&f, &src);
		CHECK_OK(ParquetReaderChunkStats(r, 0, 0, &st, &err), err);
		CHECK(!st.has_min_max && st.null_count == 0);
		/* NaN-only page: no column index, offset index still there */
		CHECK(ParquetReaderPageIndex(r, 0, 0, &pi, &err) == PQ_OK);
		CHECK(pi->npages == 1 && !pi->pages[0].has_min_max && !pi->pages[0].null_page);
		ParquetReaderClose(r);
		free(f.data);
		v.nulls = nl;
		write_single(&spec, &v, 3, &f, NULL);
		r = open_mem(&f, &src);
		CHECK_OK(ParquetReaderChunkStats(r, 0, 0, &st, &err), err);
		CHECK(!st.has_min_max && st.null_count == 3);
		CHECK(ParquetReaderPageIndex(r, 0, 0, &pi, &err) == PQ_OK);
		CHECK(pi->npages == 1 && pi->pages[0].null_page && pi->pages[0].null_count == 3);
		ParquetReaderClose(r);
		free(f.data);
	}
	/* strings compare as unsigned bytes */
	{
		PqColumnSpec ss = {"s", PQ_STRING, false, 0, 0, false};
		PqBytes		b[] = {{(const uint8_t *) "a", 1}, {(const uint8_t *) "\xff", 1},
		{(const uint8_t *) "", 0}, {(const uint8_t *) "Z", 1}};
		PqWriter   *w;
		PqSchema	s = {1, &ss};
		PqSink		sink;
		const PqColumnStats *fs;

		v.type = PQ_STRING;
		v.count = 4;
		v.nulls = NULL;
		v.v.bytes = b;
		memset(&f, 0, sizeof(f));
		sink = mem_sink(&f);
		w = ParquetWriterCreate(&s, NULL, &sink, &ParquetMallocAllocator, &err);
		REQUIRE(w);
		CHECK_OK(ParquetWriterWrite(w, &v, 4, &err), err);
		CHECK_OK(ParquetWriterFinish(w, &err), err);
		fs = ParquetWriterFileStats(w, 0);
		CHECK(fs && fs->has_min_max && fs->min.v.bytes.len == 0);
		CHECK(fs && fs->max.v.bytes.len == 1 && fs->max.v.bytes.ptr[0] == 0xff);
		ParquetWriterFree(w);
		r = open_mem(&f, &src);
		CHECK_OK(ParquetReaderChunkStats(r, 0, 0, &st, &err), err);
		CHECK(st.has_min_max && st.min.v.bytes.len == 0);
		CHECK(st.max.v.bytes.len == 1 && st.max.v.bytes.ptr[0] == 0xff);
		ParquetReaderClose(r);
		free(f.data);
	}
	/* long strings: bounds are truncated but still bound every value */
	{
		PqColumnSpec ls = {"long", PQ_STRING, false, 0, 0, false};
		static uint8_t big[3][3000];
		PqBytes		b[3];
		const PqPageIndex *pi;
		PqValue		lo,
					hi;

		memset(big[0], 'b', sizeof(big[0]));
		memset(big[1], 'q', sizeof(big[1]));
		memset(big[2], 0xff, sizeof(big[2]));
		big[1][2999] = 'r';
		for (int i = 0; i < 3; i++)
		{
			b[i].ptr = big[i];
			b[i].len = sizeof(big[i]);
		}
		v.type = PQ_STRING;
		v.nulls = NULL;
		v.v.bytes = b;
		/* without the all-0xff value: max can be shortened */
		v.count = 2;
		write_single(&ls, &v, 2, &f, NULL);
		r = open_mem(&f, &src);
		CHECK_OK(ParquetReaderChunkStats(r, 0, 0, &st, &err), err);
		CHECK(st.has_min_max && st.min.v.bytes.len <= 1024 && st.max.v.bytes.len <= 1024);
		lo.type = hi.type = PQ_STRING;
		for (int i = 0; i < 2; i++)
		{
			lo.v.bytes = b[i];
			CHECK(ParquetValueCompare(&st.min, &lo) <= 0 && ParquetValueCompare(&st.max, &lo) >= 0);
		}
		CHECK_OK(ParquetReaderPageIndex(r, 0, 0, &pi, &err), err);
		CHECK(pi->pages[0].min.v.bytes.len <= 64 && pi->pages[0].max.v.bytes.len <= 64);
		hi.v.bytes = b[1];
		CHECK(ParquetValueCompare(&pi->pages[0].max, &hi) > 0);
		ParquetReaderClose(r);
		free(f.data);
		/* with an all-0xff maximum: kept whole */
		v.count = 3;
		write_single(&ls, &v, 3, &f, NULL);
		r = open_mem(&f, &src);
		CHECK_OK(ParquetReaderChunkStats(r, 0, 0, &st, &err), err);
		CHECK(st.has_min_max && st.max.v.bytes.len == 3000 && st.min.v.bytes.len <= 1024);
		ParquetReaderClose(r);
		free(f.data);
	}
	/* signed ints and 38-digit decimals */
	{
		PqColumnSpec is = {"i", PQ_INT32, false, 0, 0, false};
		int32_t		iv[] = {5, -7, 3, 2147483647, -2147483647 - 1};

		v.type = PQ_INT32;
		v.count = 5;
		v.nulls = NULL;
		v.v.i32 = iv;
		write_single(&is, &v, 5, &f, NULL);
		r = open_mem(&f, &src);
		CHECK_OK(ParquetReaderChunkStats(r, 0, 0, &st, &err), err);
		CHECK(st.has_min_max && st.min.v.i32 == INT32_MIN && st.max.v.i32 == INT32_MAX);
		ParquetReaderClose(r);
		free(f.data);
	}
	{
		PqColumnSpec ds = {"d", PQ_DECIMAL, false, 38, 3, false};
		pq_int128	dv[] = {-5, 7, -((pq_int128) 1 << 120), 0, ((pq_int128) 1 << 110)};

		v.type = PQ_DECIMAL;
		v.count = 5;
		v.nulls = NULL;
		v.v.i128 = dv;
		write_single(&ds, &v, 5, &f, NULL);
		r = open_mem(&f, &src);
		CHECK_OK(ParquetReaderChunkStats(r, 0, 0, &st, &err), err);
		CHECK(st.has_min_max && st.min.v.i128 == -((pq_int128) 1 << 120) &&
			  st.max.v.i128 == ((pq_int128) 1 << 110));
		CHECK(ParquetReaderColumn(r, 0)->precision == 38 && ParquetReaderColumn(r, 0)->scale == 3);
		CHECK(ParquetReaderColumn(r, 0)->physical_type == 7);
		ParquetReaderClose(r);
		free(f.data);
	}
}

static void
test_page_index(void)
{
	PqColumnSpec spec = {"k", PQ_INT64, true, 0, 0, false};
	int64_t    *vals = malloc(sizeof(int64_t) * 10000);
	uint8_t    *nl = calloc(10000, 1);
	PqColumnVector v = {PQ_INT64, 10000, nl, {.i64 = vals}};
	PqWriterOptions o;
	MemFile		f;
	PqSource	src;
	PqReader   *r;
	const PqPageIndex *pi;
	PqError		err;
	PqMetaFile	meta;
	PqMetaColumnIndex ci;

	for (int i = 0; i < 10000; i++)
	{
		vals[i] = i * 3;
		nl[i] = (i >= 2000 && i < 3000);	/* page 2 all NULL */
	}
	ParquetWriterOptionsInit(&o);
	o.page_rows = 1000;
	write_single(&spec, &v, 10000, &f, &o);
	r = open_mem(&f, &src);
	CHECK_OK(ParquetReaderPageIndex(r, 0, 0, &pi, &err), err);
	CHECK(pi->npages == 10);
	for (int p = 0; p < pi->npages && p < 10; p++)
	{
		const PqPageIndexEntry *e = &pi->pages[p];

		CHECK(e->first_row == p * 1000 && e->num_rows == 1000);
		CHECK(e->has_null_count && e->null_count == (p == 2 ? 1000 : 0));
		CHECK(e->null_page == (p == 2));
		if (p != 2)
			CHECK(e->has_min_max && e->min.v.i64 == p * 3000 && e->max.v.i64 == p * 3000 + 2997);
		CHECK(e->offset >= 4 && e->compressed_size > 0);
	}
	ParquetReaderClose(r);
	/* ascending boundary order, from the raw column index */
	parse_footer(&f, &meta);
	{
		PqMetaColumn *m = &meta.rowgroups[0].columns[0];

		CHECK(m->column_index_offset > 0 && m->offset_index_offset > 0);
		REQUIRE(PqColumnIndexParse(f.data + m->column_index_offset, m->column_index_length,
								   m->column_index_offset, &ParquetMallocAllocator, &ci, &err) == PQ_OK);
		CHECK(ci.boundary_order == 1);
		PqColumnIndexFree(&ci, &ParquetMallocAllocator);
	}
	PqMetaFileFree(&meta, &ParquetMallocAllocator);
	free(f.data);
	/* descending and unordered */
	for (int i = 0; i < 10000; i++)
	{
		vals[i] = 100000 - i;
		nl[i] = 0;
	}
	write_single(&spec, &v, 10000, &f, &o);
	parse_footer(&f, &meta);
	{
		PqMetaColumn *m = &meta.rowgroups[0].columns[0];

		REQUIRE(PqColumnIndexParse(f.data + m->column_index_offset, m->column_index_length,
								   m->column_index_offset, &ParquetMallocAllocator, &ci, &err) == PQ_OK);
		CHECK(ci.boundary_order == 2);
		PqColumnIndexFree(&ci, &ParquetMallocAllocator);
	}
	PqMetaFileFree(&meta, &ParquetMallocAllocator);
	free(f.data);
	for (int i = 0; i < 10000; i++)
		vals[i] = (int64_t) (rng() % 1000);
	write_single(&spec, &v, 10000, &f, &o);
	parse_footer(&f, &meta);
	{
		PqMetaColumn *m = &meta.rowgroups[0].columns[0];

		REQUIRE(PqColumnIndexParse(f.data + m->column_index_offset, m->column_index_length,
								   m->column_index_offset, &ParquetMallocAllocator, &ci, &err) == PQ_OK);
		CHECK(ci.boundary_order == 0);
		PqColumnIndexFree(&ci, &ParquetMallocAllocator);
	}
	PqMetaFileFree(&meta, &ParquetMallocAllocator);
	free(f.data);
	/* no page index written: PQ_END */
	o.page_index = false;
	write_single(&spec, &v, 10000, &f, &o);
	r = open_mem(&f, &src);
	CHECK(ParquetReaderPageIndex(r, 0, 0, &pi, &err) == PQ_END);
	ParquetReaderClose(r);
	free(f.data);
	free(vals);
	free(nl);
}

static void
test_bloom(void)
{
	Table		t;
	MemFile		f;
	PqWriterOptions o;
	PqSource	src;
	PqReader   *r;
	PqError		err;
	int			fp_int = 0,
				fp_str = 0;
	const int	N = 20000;

	table_init(&t, (uint32_t) N, 8 * 1024 * 1024);
	table_add(&t, "i", PQ_INT64, true, 0, 0, NULLS_RANDOM, 0)->spec.bloom_filter = true;
	table_add(&t, "s", PQ_STRING, false, 0, 0, NULLS_NONE, 0)->spec.bloom_filter = true;
	table_add(&t, "nb", PQ_INT32, false, 0, 0, NULLS_NONE, 0);
	ParquetWriterOptionsInit(&o);
	o.row_group_rows = (uint32_t) N;
	write_table(&t, &o, &f, NULL);
	r = open_mem(&f, &src);
	for (int i = 0; i < N; i++)
	{
		PqValue		v;
		bool		may;

		memset(&v, 0, sizeof(v));
		if (!t.cols[0].nulls[i])
		{
			v.type = PQ_INT64;
			v.v.i64 = t.cols[0].vec.v.i64[i];
			CHECK_OK(ParquetReaderBloomProbe(r, 0, 0, &v, &may, &err), err);
			CHECK_MSG(may, "false negative for int %lld", (long long) v.v.i64);
		}
		v.type = PQ_STRING;
		v.v.bytes = t.cols[1].vec.v.bytes[i];
		CHECK_OK(ParquetReaderBloomProbe(r, 0, 1, &v, &may, &err), err);
		CHECK_MSG(may, "false negative for string %u", i);
		/* the public hash agrees with what the writer stored */
		CHECK(ParquetBloomHash(&v) != 0);
	}
	for (int i = 0; i < N; i++)
	{
		PqValue		v;
		bool		may;
		char		buf[32];

		memset(&v, 0, sizeof(v));
		v.type = PQ_INT64;
		v.v.i64 = (int64_t) rng();	/* absent with overwhelming probability */
		CHECK_OK(ParquetReaderBloomProbe(r, 0, 0, &v, &may, &err), err);
		fp_int += may;
		v.type = PQ_STRING;
		v.v.bytes.len = (uint32_t) snprintf(buf, sizeof(buf), "absent-%d", i);
		v.v.bytes.ptr = (const uint8_t *) buf;
		CHECK_OK(ParquetReaderBloomProbe(r, 0, 1, &v, &may, &err), err);
		fp_str += may;
		/* a column without a bloom filter: might contain */
		v.type = PQ_INT32;
		v.v.i32 = i;
		CHECK_OK(ParquetReaderBloomProbe(r, 0, 2, &v, &may, &err), err);
		CHECK(may);
	}
	CHECK_MSG(fp_int < N * 3 / 100 && fp_str < N * 3 / 100,
			  "false positives: int %d, string %d of %d", fp_int, fp_str, N);
	CHECK(fp_int + fp_str > 0 || N < 1000);	/* an honest filter is not perfect */
	ParquetReaderClose(r);
	free(f.data);
	table_free(&t);
}

static void
test_key_value_and_reuse(void)
{
	PqColumnSpec spec = {"x", PQ_STRING, true, 0, 0, false};
	PqSchema	s = {1, &spec};
	MemFile		f;
	PqSink		sink;
	PqError		err;
	PqWriter   *w;
	PqSource	src;
	PqReader   *r;
	PqBytes		b[5000];
	uint8_t		nl[5000];
	PqColumnVector v = {PQ_STRING, 5000, nl, {.bytes = b}};
	void	   *first_vals = NULL;
	uint8_t    *first_nulls = NULL;
	PqWriterOptions o;

	for (int i = 0; i < 5000; i++)
	{
		b[i].ptr = (const uint8_t *) "abcdefghij" + (i % 10);
		b[i].len = (uint32_t) (10 - i % 10);
		nl[i] = (i % 13 == 0);
	}
	memset(&f, 0, sizeof(f));
	sink = mem_sink(&f);
	ParquetWriterOptionsInit(&o);
	o.page_rows = 300;
	o.dictionary = false;
	w = ParquetWriterCreate(&s, &o, &sink, &ParquetMallocAllocator, &err);
	REQUIRE(w);
	CHECK_OK(ParquetWriterSetKeyValue(w, "lake.schema", "{\"v\":1}", &err), err);
	CHECK_OK(ParquetWriterSetKeyValue(w, "other", "x", &err), err);
	CHECK_OK(ParquetWriterSetKeyValue(w, "other", "y", &err), err);
	CHECK_OK(ParquetWriterWrite(w, &v, 5000, &err), err);
	CHECK_OK(ParquetWriterFinish(w, &err), err);
	CHECK(ParquetWriterWrite(w, &v, 1, &err) == PQ_ERR_ARG);
	ParquetWriterFree(w);

	r = open_mem(&f, &src);
	CHECK(ParquetReaderKeyValue(r, "lake.schema") &&
		  strcmp(ParquetReaderKeyValue(r, "lake.schema"), "{\"v\":1}") == 0);
	CHECK(ParquetReaderKeyValue(r, "other") && strcmp(ParquetReaderKeyValue(r, "other"), "y") == 0);
	CHECK(ParquetReaderKeyValue(r, "missing") == NULL);
	CHECK(ParquetReaderFindColumn(r, "x") == 0 && ParquetReaderFindColumn(r, "y") == -1);
	CHECK_OK(ParquetReaderStartRowGroup(r, 0, NULL, 0, &err), err);
	for (int batch = 0;; batch++)
	{
		PqColumnVector out;
		uint32_t	n;
		PqStatus	st = ParquetReaderReadBatch(r, 1000, &out, &n, &err);

		if (st == PQ_END)
		{
			CHECK(batch == 5 && n == 0);
			break;
		}
		CHECK_OK(st, err);
		if (st != PQ_OK)
			break;
		if (batch == 0)
		{
			first_vals = out.v.bytes;
			first_nulls = out.nulls;
		}
		/* the same buffers every batch: no growth */
		CHECK(out.v.bytes == first_vals && out.nulls == first_nulls);
		for (uint32_t j = 0; j < n; j++)
		{
			int			i = batch * 1000 + (int) j;

			CHECK(out.nulls[j] == nl[i]);
			if (!nl[i])
				CHECK(out.v.bytes[j].len == b[i].len &&
					  memcmp(out.v.bytes[j].ptr, b[i].ptr, b[i].len) == 0);
		}
	}
	ParquetReaderClose(r);
	free(f.data);
}

static void
test_writer_errors(void)
{
	PqColumnSpec spec = {"x", PQ_INT32, false, 0, 0, false};
	PqSchema	s = {1, &spec};
	MemFile		f;
	PqSink		sink;
	PqError		err;
	PqWriter   *w;
	int32_t		vals[3] = {1, 2, 3};
	uint8_t		nl[3] = {0, 1, 0};
	PqColumnVector v = {PQ_INT32, 3, nl, {.i32 = vals}};
	PqColumnSpec dspec = {"d", PQ_DECIMAL, false, 40, 0, false};
	PqSchema	ds = {1, &dspec};

	memset(&f, 0, sizeof(f));
	sink = mem_sink(&f);
	w = ParquetWriterCreate(&s, NULL, &sink, &ParquetMallocAllocator, &err);
	REQUIRE(w);
	CHECK(ParquetWriterWrite(w, &v, 3, &err) == PQ_ERR_ARG);	/* NULL in NOT NULL */
	CHECK(strstr(err.message, "\"x\"") != NULL);
	ParquetWriterFree(w);
	free(f.data);
	CHECK(ParquetWriterCreate(&ds, NULL, &sink, &ParquetMallocAllocator, &err) == NULL &&
		  err.status == PQ_ERR_ARG);
	/* sink failure is reported, not ignored */
	memset(&f, 0, sizeof(f));
	f.fail_after = 2;
	sink = mem_sink(&f);
	w = ParquetWriterCreate(&s, NULL, &sink, &ParquetMallocAllocator, &err);
	REQUIRE(w);
	v.nulls = NULL;
	CHECK(ParquetWriterWrite(w, &v, 3, &err) == PQ_OK);
	CHECK(ParquetWriterFinish(w, &err) == PQ_ERR_IO);
	ParquetWriterFree(w);
	free(f.data);
}

int
main(void)
{
	test_all_types();
	test_dictionary_fallback();
	test_projection_and_ranges();
	test_row_selection();
	test_partial_decompress();
	test_point_lookups();
	test_key_seek();
	test_pages_in_ranges();
	test_statistics();
	test_page_index();
	test_bloom();
	test_key_value_and_reuse();
	test_writer_errors();
	return pq_test_done("test_roundtrip");
}
