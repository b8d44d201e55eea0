/*-------------------------------------------------------------------------
 * test_foreign.c
 *	  Reading forms lake_fdw's writer never produces, from hand-built
 *	  files: DATA_PAGE_V2 (compressed and not), BIT_PACKED definition
 *	  levels, RLE booleans, PLAIN_DICTIONARY, INT96, TIMESTAMP MILLIS/NANOS,
 *	  unsigned and 8-bit integers, DECIMAL on BYTE_ARRAY, and the refusal
 *	  of nested, repeated and TIME columns with a message naming them.
 *-------------------------------------------------------------------------
 */
#include "pq_test.h"
#include "format/parquet/pq_codec.h"
#include "format/parquet/pq_metadata.h"
#include "format/parquet/pq_rle.h"

#define MAXC 16

typedef struct Builder
{
	PqBuf		file;
	PqMetaSchema leaves[MAXC];
	PqMetaWriteColumn cols[MAXC];
	int			ncols;
	int64_t		nrows;
} Builder;

static void
b_init(Builder *b, int64_t nrows)
{
	memset(b, 0, sizeof(*b));
	PqBufInit(&b->file, &ParquetMallocAllocator);
	REQUIRE(pq_buf_append(&b->file, "PAR1", 4));
	b->nrows = nrows;
}

/* start a column; returns its index */
static int
b_column(Builder *b, const char *name, int ptype, int type_length, int repetition,
		 int converted, int lkind, int unit, bool utc, int codec)
{
	int			i = b->ncols++;
	PqMetaSchema *s = &b->leaves[i];
	PqMetaWriteColumn *c = &b->cols[i];

	memset(s, 0, sizeof(*s));
	s->has_type = true;
	s->type = ptype;
	s->type_length = type_length;
	s->has_repetition = true;
	s->repetition = repetition;
	s->name.ptr = (const uint8_t *) name;
	s->name.len = (uint32_t) strlen(name);
	s->converted_type = converted;
	s->logical.kind = lkind;
	s->logical.unit = unit;
	s->logical.adjusted_to_utc = utc;
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->type = ptype;
	c->codec = codec;
	c->encodings_mask = 1;
	c->num_values = b->nrows;
	c->dictionary_page_offset = -1;
	c->data_page_offset = -1;
	c->bloom_filter_offset = -1;
	c->offset_index_offset = -1;
	c->column_index_offset = -1;
	c->total_compressed_size = (int64_t) b->file.len;	/* start, fixed in b_page */
	return i;
}

static void
b_page(Builder *b, int col, PqPageHeader *h, const uint8_t *body, size_t len)
{
	PqMetaWriteColumn *c = &b->cols[col];
	int64_t		start = (int64_t) b->file.len;

	if (h->type == PQP_DICTIONARY_PAGE)
		c->dictionary_page_offset = start;
	else if (c->data_page_offset < 0)
		c->data_page_offset = start;
	if (c->dictionary_page_offset < 0 && c->data_page_offset == start)
		c->total_compressed_size = start;	/* chunk starts here */
	REQUIRE(PqPageHeaderWrite(&b->file, h));
	REQUIRE(pq_buf_append(&b->file, body, len));
	c->total_uncompressed_size += (int64_t) len;
}

static void
b_finish(Builder *b, MemFile *out)
{
	PqMetaWriteRowGroup rg;
	PqMetaWriteFile f;
	size_t		flen_at;
	uint8_t		tail[8];

	for (int i = 0; i < b->ncols; i++)
	{
		PqMetaWriteColumn *c = &b->cols[i];
		int64_t		start = c->dictionary_page_offset >= 0 ? c->dictionary_page_offset
			: c->data_page_offset;
		/* chunk end = the next chunk's start or the footer */
		int64_t		end = (int64_t) b->file.len;

		for (int j = i + 1; j < b->ncols; j++)
		{
			int64_t		s2 = b->cols[j].dictionary_page_offset >= 0 ?
				b->cols[j].dictionary_page_offset : b->cols[j].data_page_offset;

			if (s2 > start && s2 < end)
				end = s2;
		}
		c->total_compressed_size = end - start;
	}
	memset(&rg, 0, sizeof(rg));
	rg.columns = b->cols;
	rg.num_rows = b->nrows;
	memset(&f, 0, sizeof(f));
	f.ncolumns = b->ncols;
	f.leaves = b->leaves;
	f.num_rows = b->nrows;
	f.nrowgroups = b->ncols ? 1 : 0;
	f.rowgroups = &rg;
	f.created_by = "test_foreign";
	flen_at = b->file.len;
	REQUIRE(PqMetaFileWrite(&b->file, &f));
	pq_store_u32(tail, (uint32_t) (b->file.len - flen_at));
	memcpy(tail + 4, "PAR1", 4);
	REQUIRE(pq_buf_append(&b->file, tail, 8));
	memset(out, 0, sizeof(*out));
	out->data = b->file.data;
	out->len = b->file.len;
	out->cap = b->file.cap;
}

static void
put_levels_v1_rle(PqBuf *body, const uint32_t *lv, uint32_t n)
{
	size_t		at = body->len;

	REQUIRE(pq_buf_reserve(body, 4));
	body->len += 4;
	REQUIRE(PqRleEncode(body, lv, n, 1));
	pq_store_u32(body->data + at, (uint32_t) (body->len - at - 4));
}

static void
test_foreign_file(void)
{
	Builder		b;
	MemFile		f;
	PqPageHeader h;
	PqBuf		body;
	int			c;

	b_init(&b, 10);
	PqBufInit(&body, &ParquetMallocAllocator);

	/* A: INT32 OPTIONAL in two DATA_PAGE_V2 pages, ZSTD values */
	c = b_column(&b, "v2", PQT_INT32, 0, 1, -1, 0, 0, false, PQ_CODEC_ZSTD);
	for (int page = 0; page < 2; page++)
	{
		uint32_t	lv1[5] = {1, 0, 1, 1, 0},
					lv2[5] = {1, 1, 1, 0, 1};
		int32_t		v1[3] = {10, 30, 40},
					v2[4] = {60, 70, 80, 100};
		const uint32_t *lv = page ? lv2 : lv1;
		int			nv = page ? 4 : 3;
		uint8_t		comp[256];
		size_t		clen;
		PqError		err;
		size_t		deflen;

		body.len = 0;
		REQUIRE(PqRleEncode(&body, lv, 5, 1));
		deflen = body.len;
		memset(&h, 0, sizeof(h));
		h.type = PQP_DATA_PAGE_V2;
		h.num_values = 5;
		h.num_rows = 5;
		h.num_nulls = 5 - nv;
		h.def_len = (int32_t) deflen;
		h.encoding = PQE_PLAIN;
		h.is_compressed = (page == 0);
		if (page == 0)
		{
			REQUIRE(PqCodecCompress(PQ_CODEC_ZSTD, 1, v1, 12, comp, sizeof(comp), &clen, &err) == PQ_OK);
			REQUIRE(pq_buf_append(&body, comp, clen));
			h.uncompressed_size = (int32_t) (deflen + 12);
		}
		else
		{
			REQUIRE(pq_buf_append(&body, v2, 16));
			h.uncompressed_size = (int32_t) body.len;
		}
		h.compressed_size = (int32_t) body.len;
		b_page(&b, c, &h, body.data, body.len);
	}

	/* B: INT64 OPTIONAL, v1 page with BIT_PACKED (MSB first) levels */
	c = b_column(&b, "bp", PQT_INT64, 0, 1, -1, 0, 0, false, PQ_CODEC_UNCOMPRESSED);
	{
		int64_t		vals[7] = {1000, 2000, 3000, 4000, 5000, 6000, 7000};
		uint8_t		lv[2] = {0xD3, 0xC0};	/* 1,1,0,1,0,0,1,1 | 1,1 */

		body.len = 0;
		REQUIRE(pq_buf_append(&body, lv, 2));
		REQUIRE(pq_buf_append(&body, vals, sizeof(vals)));
		memset(&h, 0, sizeof(h));
		h.type = PQP_DATA_PAGE;
		h.num_values = 10;
		h.encoding = PQE_PLAIN;
		h.def_encoding = PQE_BIT_PACKED;
		h.rep_encoding = PQE_BIT_PACKED;
		h.uncompressed_size = h.compressed_size = (int32_t) body.len;
		b_page(&b, c, &h, body.data, body.len);
	}

	/* C: BOOLEAN REQUIRED, RLE-encoded values */
	c = b_column(&b, "brle", PQT_BOOLEAN, 0, 0, -1, 0, 0, false, PQ_CODEC_UNCOMPRESSED);
	{
		uint32_t	v[10] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 1};

		body.len = 0;
		put_levels_v1_rle(&body, v, 10);	/* same framing: length + hybrid */
		memset(&h, 0, sizeof(h));
		h.type = PQP_DATA_PAGE;
		h.num_values = 10;
		h.encoding = PQE_RLE;
		h.def_encoding = PQE_RLE;
		h.rep_encoding = PQE_RLE;
		h.uncompressed_size = h.compressed_size = (int32_t) body.len;
		b_page(&b, c, &h, body.data, body.len);
	}

	/* D: simple REQUIRED fixed-width columns, one PLAIN page each */
	{
		struct
		{
			const char *name;
			int			ptype;
			int			conv;
			int			lkind;
			int			unit;
			bool		utc;
			int			width;
		}			d[] = {
			{"ts_ms", PQT_INT64, -1, PQL_TIMESTAMP, PQU_MILLIS, true, 8},
			{"ts_ns", PQT_INT64, -1, PQL_TIMESTAMP, PQU_NANOS, false, 8},
			{"i96", PQT_INT96, -1, 0, 0, false, 12},
			{"u32", PQT_INT32, PQC_UINT_32, 0, 0, false, 4},
			{"u64", PQT_INT64, PQC_UINT_64, 0, 0, false, 8},
			{"i8", PQT_INT32, PQC_INT_8, 0, 0, false, 4},
			{"legacy_ts", PQT_INT64, PQC_TIMESTAMP_MILLIS, 0, 0, false, 8},
		};

		for (size_t k = 0; k < sizeof(d) / sizeof(d[0]); k++)
		{
			c = b_column(&b, d[k].name, d[k].ptype, 0, 0, d[k].conv, d[k].lkind,
						 d[k].unit, d[k].utc, PQ_CODEC_UNCOMPRESSED);
			body.len = 0;
			for (int i = 0; i < 10; i++)
			{
				uint8_t		v[12];

				memset(v, 0, sizeof(v));
				switch (k)
				{
					case 0:
					case 6:
						{
							int64_t		x = (int64_t) i * 1000 + 7;

							memcpy(v, &x, 8);
							break;
						}
					case 1:
						{
							int64_t		x = i == 0 ? -1500 : (int64_t) i * 1000000 + 999;

							memcpy(v, &x, 8);
							break;
						}
					case 2:
						{
							int64_t		nanos = (int64_t) i * 1000 + 5;
							int32_t		day = 2440588 + i;

							memcpy(v, &nanos, 8);
							memcpy(v + 8, &day, 4);
							break;
						}
					case 3:
						{
							uint32_t	x = i == 0 ? 0xFFFFFFFFu : (uint32_t) i;

							memcpy(v, &x, 4);
							break;
						}
					case 4:
						{
							uint64_t	x = i == 0 ? UINT64_MAX : (uint64_t) i;

							memcpy(v, &x, 8);
							break;
						}
					case 5:
						{
							int32_t		x = i == 0 ? -128 : 127 - i;

							memcpy(v, &x, 4);
							break;
						}
				}
				REQUIRE(pq_buf_append(&body, v, d[k].width));
			}
			memset(&h, 0, sizeof(h));
			h.type = PQP_DATA_PAGE;
			h.num_values = 10;
			h.encoding = PQE_PLAIN;
			h.def_encoding = PQE_RLE;
			h.rep_encoding = PQE_RLE;
			h.uncompressed_size = h.compressed_size = (int32_t) body.len;
			b_page(&b, c, &h, body.data, body.len);
		}
	}

	/* E: DECIMAL(20,2) on BYTE_ARRAY, minimal big-endian lengths */
	c = b_column(&b, "decba", PQT_BYTE_ARRAY, 0, 0, PQC_DECIMAL, PQL_DECIMAL, 0, false,
				 PQ_CODEC_UNCOMPRESSED);
	b.leaves[c].scale = 2;
	b.leaves[c].precision = 20;
	b.leaves[c].logical.scale = 2;
	b.leaves[c].logical.precision = 20;
	{
		static const uint8_t vals[10][9] = {
			{0x00}, {0xff}, {0x01, 0x00}, {0x80}, {0x7f, 0xff},
			{0xff, 0x00}, {0x01, 0, 0, 0, 0, 0, 0, 0, 0}, {0x05}, {0xfe}, {0x00, 0x80}
		};
		static const uint32_t lens[10] = {1, 1, 2, 1, 2, 2, 9, 1, 1, 2};

		body.len = 0;
		for (int i = 0; i < 10; i++)
		{
			uint8_t		l[4];

			pq_store_u32(l, lens[i]);
			REQUIRE(pq_buf_append(&body, l, 4));
			REQUIRE(pq_buf_append(&body, vals[i], lens[i]));
		}
		memset(&h, 0, sizeof(h));
		h.type = PQP_DATA_PAGE;
		h.num_values = 10;
		h.encoding = PQE_PLAIN;
		h.def_encoding = PQE_RLE;
		h.uncompressed_size = h.compressed_size = (int32_t) body.len;
		b_page(&b, c, &h, body.data, body.len);
	}

	/* F: INT32 with a PLAIN_DICTIONARY dictionary and data page */
	c = b_column(&b, "pd", PQT_INT32, 0, 0, -1, 0, 0, false, PQ_CODEC_UNCOMPRESSED);
	{
		int32_t		dict[3] = {100, 200, 300};
		uint32_t	idx[10] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 2};
		uint8_t		bw = 2;

		memset(&h, 0, sizeof(h));
		h.type = PQP_DICTIONARY_PAGE;
		h.num_values = 3;
		h.encoding = PQE_PLAIN_DICTIONARY;
		h.uncompressed_size = h.compressed_size = 12;
		b_page(&b, c, &h, (const uint8_t *) dict, 12);
		body.len = 0;
		REQUIRE(pq_buf_append(&body, &bw, 1));
		REQUIRE(PqRleEncode(&body, idx, 10, 2));
		memset(&h, 0, sizeof(h));
		h.type = PQP_DATA_PAGE;
		h.num_values = 10;
		h.encoding = PQE_PLAIN_DICTIONARY;
		h.def_encoding = PQE_RLE;
		h.uncompressed_size = h.compressed_size = (int32_t) body.len;
		b_page(&b, c, &h, body.data, body.len);
	}
	PqBufFree(&body);
	b_finish(&b, &f);

	/* read it back */
	{
		PqSource	src = mem_source(&f);
		PqError		err;
		PqReader   *r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "foreign", &err);
		PqColumnVector out[MAXC];
		uint32_t	n;
		int			k;

		CHECK_MSG(r, "open: %s", err.message);
		REQUIRE(r);
		CHECK(ParquetReaderNumColumns(r) == 12);
		CHECK(ParquetReaderColumn(r, 0)->type == PQ_INT32);
		CHECK(ParquetReaderColumn(r, 3)->type == PQ_TIMESTAMPTZ);
		CHECK(ParquetReaderColumn(r, 4)->type == PQ_TIMESTAMP);
		CHECK(ParquetReaderColumn(r, 5)->type == PQ_TIMESTAMP);
		CHECK(ParquetReaderColumn(r, 6)->type == PQ_INT64);
		CHECK(ParquetReaderColumn(r, 7)->type == PQ_DECIMAL &&
			  ParquetReaderColumn(r, 7)->precision == 20);
		CHECK(ParquetReaderColumn(r, 8)->type == PQ_INT16);
		CHECK(ParquetReaderColumn(r, 9)->type == PQ_TIMESTAMPTZ);
		CHECK(ParquetReaderColumn(r, 10)->type == PQ_DECIMAL &&
			  ParquetReaderColumn(r, 10)->scale == 2);
		CHECK_OK(ParquetReaderStartRowGroup(r, 0, NULL, 0, &err), err);
		CHECK_OK(ParquetReaderReadBatch(r, 100, out, &n, &err), err);
		REQUIRE(n == 10);
		{
			int32_t		e[10] = {10, 0, 30, 40, 0, 60, 70, 80, 0, 100};
			uint8_t		en[10] = {0, 1, 0, 0, 1, 0, 0, 0, 1, 0};

			for (int i = 0; i < 10; i++)
			{
				CHECK(out[0].nulls && out[0].nulls[i] == en[i]);
				if (!en[i])
					CHECK_MSG(out[0].v.i32[i] == e[i], "v2 row %d: %d", i, out[0].v.i32[i]);
			}
		}
		{
			uint8_t		en[10] = {0, 0, 1, 0, 1, 1, 0, 0, 0, 0};
			int			j = 0;

			for (int i = 0; i < 10; i++)
			{
				CHECK(out[1].nulls && out[1].nulls[i] == en[i]);
				if (!en[i])
					CHECK_MSG(out[1].v.i64[i] == 1000 * ++j, "bp row %d", i);
			}
		}
		for (int i = 0; i < 10; i++)
			CHECK(out[2].v.b[i] == (i == 8 ? 0 : 1));
		for (int i = 0; i < 10; i++)
		{
			CHECK(out[3].v.i64[i] == ((int64_t) i * 1000 + 7) * 1000);
			CHECK_MSG(out[4].v.i64[i] == (i == 0 ? -2 : (int64_t) i * 1000), "ns %d: %lld", i,
					  (long long) out[4].v.i64[i]);
			CHECK(out[5].v.i64[i] == (int64_t) i * 86400000000LL + i);
			CHECK(out[6].v.i64[i] == (i == 0 ? 4294967295LL : i));
			CHECK(out[7].v.i128[i] == (i == 0 ? (pq_int128) UINT64_MAX : i));
			CHECK(out[8].v.i32[i] == (i == 0 ? -128 : 127 - i));
			CHECK(out[9].v.i64[i] == ((int64_t) i * 1000 + 7) * 1000);
		}
		{
			pq_int128	e[10] = {0, -1, 256, -128, 32767, -256,
			(pq_int128) 1 << 64, 5, -2, 128};

			for (k = 0; k < 10; k++)
				CHECK_MSG(out[10].v.i128[k] == e[k], "decba %d", k);
		}
		{
			int32_t		e[10] = {100, 200, 300, 100, 200, 300, 100, 200, 300, 300};

			for (k = 0; k < 10; k++)
				CHECK(out[11 + 0].type == PQ_INT32 && out[11].v.i32[k] == e[k]);
		}
		CHECK(ParquetReaderReadBatch(r, 100, out, &n, &err) == PQ_END);
		/* row ranges without an offset index, across the two v2 pages */
		{
			PqRowRange rr[] = {{3, 4}};
			int			cols[] = {0};

			CHECK_OK(ParquetReaderSelectColumns(r, cols, 1, &err), err);
			CHECK_OK(ParquetReaderStartRowGroup(r, 0, rr, 1, &err), err);
			CHECK_OK(ParquetReaderReadBatch(r, 100, out, &n, &err), err);
			CHECK(n == 4 && out[0].v.i32[0] == 40 && out[0].nulls[1] == 1 &&
				  out[0].v.i32[2] == 60 && out[0].v.i32[3] == 70);
		}
		ParquetReaderClose(r);
	}
	free(f.data);
	CHECK_MSG(pq_live_allocs == 0, "%ld leaked", pq_live_allocs);
}

static void
expect_unsupported(Builder *b, const char *colname)
{
	MemFile		f;
	PqSource	src;
	PqError		err;
	PqReader   *r;

	b_finish(b, &f);
	src = mem_source(&f);
	r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "unsup", &err);
	CHECK(r == NULL);
	CHECK_MSG(err.status == PQ_ERR_UNSUPPORTED, "status %s: %s",
			  ParquetStatusName(err.status), err.message);
	CHECK_MSG(strstr(err.message, colname) != NULL, "message \"%s\" does not name %s",
			  err.message, colname);
	if (r)
		ParquetReaderClose(r);
	free(f.data);
}

static void
test_unsupported(void)
{
	Builder		b;

	/* repeated column */
	b_init(&b, 0);
	b_column(&b, "ok", PQT_INT32, 0, 0, -1, 0, 0, false, 0);
	b_column(&b, "tags", PQT_BYTE_ARRAY, 0, 2, -1, 0, 0, false, 0);
	b.ncols = 2;
	{
		/* no row groups: b_finish writes one only with columns; keep zero */
		MemFile		f;
		PqMetaWriteFile mf;
		PqSource	src;
		PqError		err;
		PqReader   *r;
		uint8_t		tail[8];
		size_t		at;

		memset(&mf, 0, sizeof(mf));
		mf.ncolumns = 2;
		mf.leaves = b.leaves;
		mf.created_by = "t";
		at = b.file.len;
		REQUIRE(PqMetaFileWrite(&b.file, &mf));
		pq_store_u32(tail, (uint32_t) (b.file.len - at));
		memcpy(tail + 4, "PAR1", 4);
		REQUIRE(pq_buf_append(&b.file, tail, 8));
		f.data = b.file.data;
		f.len = b.file.len;
		src = mem_source(&f);
		r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "rep", &err);
		CHECK(r == NULL && err.status == PQ_ERR_UNSUPPORTED && strstr(err.message, "tags"));
		free(f.data);
	}
	/* nested: a group element inside the root */
	b_init(&b, 0);
	b_column(&b, "grp", PQT_INT32, 0, 1, -1, 0, 0, false, 0);
	b.leaves[0].has_type = false;
	b.leaves[0].num_children = 1;
	b_column(&b, "leaf", PQT_INT32, 0, 1, -1, 0, 0, false, 0);
	b.ncols = 2;
	{
		MemFile		f;
		PqMetaWriteFile mf;
		PqSource	src;
		PqError		err;
		PqReader   *r;
		uint8_t		tail[8];
		size_t		at;

		memset(&mf, 0, sizeof(mf));
		mf.ncolumns = 2;
		mf.leaves = b.leaves;
		mf.created_by = "t";
		at = b.file.len;
		REQUIRE(PqMetaFileWrite(&b.file, &mf));
		pq_store_u32(tail, (uint32_t) (b.file.len - at));
		memcpy(tail + 4, "PAR1", 4);
		REQUIRE(pq_buf_append(&b.file, tail, 8));
		f.data = b.file.data;
		f.len = b.file.len;
		src = mem_source(&f);
		r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "nested", &err);
		CHECK(r == NULL && err.status == PQ_ERR_UNSUPPORTED && strstr(err.message, "grp"));
		free(f.data);
	}
	/* TIME */
	b_init(&b, 0);
	b_column(&b, "t_of_day", PQT_INT64, 0, 0, PQC_TIME_MICROS, 0, 0, false, 0);
	b.cols[0].data_page_offset = 4;
	b.cols[0].total_compressed_size = 1;
	expect_unsupported(&b, "t_of_day");
	CHECK(pq_live_allocs == 0);
}

/* a dictionary index past the dictionary is corruption, not a wild read */
static void
test_bad_dictionary_index(void)
{
	Builder		b;
	MemFile		f;
	PqPageHeader h;
	PqBuf		body;
	int32_t		dict[3] = {100, 200, 300};
	uint32_t	idx[10] = {0, 1, 2, 0, 1, 2, 0, 1, 3, 2};
	uint8_t		bw = 2;
	int			c;

	b_init(&b, 10);
	PqBufInit(&body, &ParquetMallocAllocator);
	c = b_column(&b, "pd", PQT_INT32, 0, 0, -1, 0, 0, false, PQ_CODEC_UNCOMPRESSED);
	memset(&h, 0, sizeof(h));
	h.type = PQP_DICTIONARY_PAGE;
	h.num_values = 3;
	h.encoding = PQE_PLAIN;
	h.uncompressed_size = h.compressed_size = 12;
	b_page(&b, c, &h, (const uint8_t *) dict, 12);
	REQUIRE(pq_buf_append(&body, &bw, 1));
	REQUIRE(PqRleEncode(&body, idx, 10, 2));
	memset(&h, 0, sizeof(h));
	h.type = PQP_DATA_PAGE;
	h.num_values = 10;
	h.encoding = PQE_RLE_DICTIONARY;
	h.uncompressed_size = h.compressed_size = (int32_t) body.len;
	b_page(&b, c, &h, body.data, body.len);
	PqBufFree(&body);
	b_finish(&b, &f);
	{
		PqSource	src = mem_source(&f);
		PqError		err;
		PqReader   *r = ParquetReaderOpen(&src, NULL, &CountingAllocator, "baddict", &err);
		PqColumnVector out[1];
		uint32_t	n;

		REQUIRE(r);
		CHECK_OK(ParquetReaderStartRowGroup(r, 0, NULL, 0, &err), err);
		CHECK(ParquetReaderReadBatch(r, 100, out, &n, &err) == PQ_ERR_CORRUPT);
		CHECK_MSG(strstr(err.message, "dictionary index 3") && strstr(err.message, "\"pd\"") &&
				  strstr(err.message, "offset"), "message: %s", err.message);
		ParquetReaderClose(r);
	}
	free(f.data);
}

int
main(void)
{
	test_foreign_file();
	test_bad_dictionary_index();
	test_unsupported();
	return pq_test_done("test_foreign");
}
