/*-------------------------------------------------------------------------
 * test_corrupt.c
 *	  Robustness of the reader against damaged files: truncation at many
 *	  points (with and without the original footer re-attached), holes of
 *	  zeros, random byte flips (anywhere, in the footer, in page headers),
 *	  and hand-made hostile footers/page headers.  Every case must end in
 *	  an error status with a message or in valid data - never a crash, a
 *	  hang, a huge allocation or a leak.  Run under ASan via `make asan`.
 *
 *	  test_corrupt [FLIPS [SEED [FILE]]]: more flips, another seed, or
 *	  fuzz FILE (e.g. written by another engine) instead of our own.
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "pq_test.h"
#include "format/parquet/pq_metadata.h"
#include "format/parquet/pq_codec.h"

#include <zstd.h>

static uint32_t pq_load_u32_test(const MemFile *f);

static int	n_ok = 0,
			n_err = 0;

/* reader that also caps single allocations: a hostile size must not
 * turn into a giant malloc */
static size_t max_alloc_seen = 0;

static void *
capped_alloc(void *ctx, size_t size)
{
	if (size > max_alloc_seen)
		max_alloc_seen = size;
	if (size > 512 * 1024 * 1024)
		return NULL;
	return count_alloc(ctx, size);
}

static const PqAllocator CappedAllocator = {capped_alloc, count_free, &pq_live_allocs};

/* exercise every reader entry point; returns true when all succeeded */
static bool
read_everything(const uint8_t *data, size_t len)
{
	MemFile		m = {(uint8_t *) data, len, len, -1, 0};
	PqSource	src = mem_source(&m);
	PqError		err;
	PqReaderOptions opts;
	PqReader   *r;
	bool		ok = true;

	ParquetReaderOptionsInit(&opts);
	opts.max_page_bytes = 64 * 1024 * 1024;
	memset(&err, 0, sizeof(err));
	r = ParquetReaderOpen(&src, &opts, &CappedAllocator, "fuzz", &err);
	if (!r)
	{
		CHECK(err.status != PQ_OK && err.message[0] != '\0');
		return false;
	}
	for (int g = 0; g < ParquetReaderNumRowGroups(r); g++)
	{
		for (int pass = 0; pass < 2; pass++)
		{
			PqRowRange rr[2] = {{1, 3}, {500, 700}};
			PqStatus	st = ParquetReaderStartRowGroup(r, g, pass ? rr : NULL,
														pass ? 2 : 0, &err);

			while (st == PQ_OK)
			{
				PqColumnVector out[64];
				uint32_t	n;

				if (ParquetReaderNumColumns(r) > 64)
					break;
				st = ParquetReaderReadBatch(r, 333, out, &n, &err);
				/* touch every delivered value so ASan sees bad pointers */
				for (int c = 0; st == PQ_OK && c < ParquetReaderNumColumns(r); c++)
				{
					volatile uint8_t sink = 0;

					for (uint32_t j = 0; j < n; j++)
					{
						if (out[c].nulls && out[c].nulls[j])
							continue;
						if (out[c].type == PQ_STRING || out[c].type == PQ_BYTES ||
							out[c].type == PQ_JSON || out[c].type == PQ_UUID)
						{
							PqBytes		b = out[c].v.bytes[j];

							for (uint32_t k = 0; k < b.len; k++)
								sink ^= b.ptr[k];
						}
					}
					(void) sink;
				}
			}
			if (st != PQ_END)
			{
				ok = false;
				CHECK(err.message[0] != '\0');
			}
		}
		for (int c = 0; c < ParquetReaderNumColumns(r); c++)
		{
			PqColumnStats cs;
			const PqPageIndex *pi;
			PqValue		v;
			bool		may;
			PqStatus	st;

			(void) ParquetReaderChunkStats(r, g, c, &cs, &err);
			st = ParquetReaderPageIndex(r, g, c, &pi, &err);
			if (st == PQ_OK)
				for (int p = 0; p < pi->npages; p++)
					CHECK(pi->pages[p].num_rows >= 0);
			memset(&v, 0, sizeof(v));
			v.type = ParquetReaderColumn(r, c)->type;
			v.precision = ParquetReaderColumn(r, c)->precision;
			if (v.type == PQ_STRING || v.type == PQ_BYTES || v.type == PQ_JSON)
			{
				v.v.bytes.ptr = (const uint8_t *) "abc";
				v.v.bytes.len = 3;
			}
			else if (v.type == PQ_UUID)
			{
				v.v.bytes.ptr = (const uint8_t *) "0123456789abcdef";
				v.v.bytes.len = 16;
			}
			(void) ParquetReaderBloomProbe(r, g, c, &v, &may, &err);
		}
	}
	ParquetReaderClose(r);
	return ok;
}

static void
make_file(MemFile *f, uint32_t nrows)
{
	PqColumnSpec cols[] = {
		{"i", PQ_INT64, true, 0, 0, true},
		{"s", PQ_STRING, true, 0, 0, true},
		{"d", PQ_DOUBLE, false, 0, 0, false},
		{"b", PQ_BOOL, true, 0, 0, false},
		{"dec", PQ_DECIMAL, true, 30, 4, false},
		{"u", PQ_UUID, true, 0, 0, false},
		{"lo", PQ_INT32, false, 0, 0, false},
	};
	PqSchema	s = {7, cols};
	PqWriterOptions o;
	PqSink		sink;
	PqError		err;
	PqWriter   *w;
	int64_t    *iv = malloc(8 * nrows);
	PqBytes    *sv = malloc(sizeof(PqBytes) * nrows);
	double	   *dv = malloc(8 * nrows);
	uint8_t    *bv = malloc(nrows);
	pq_int128  *xv = malloc(16 * nrows);
	PqBytes    *uv = malloc(sizeof(PqBytes) * nrows);
	int32_t    *lv = malloc(4 * nrows);
	uint8_t    *nl = malloc(nrows);
	static const char *words[] = {"alpha", "beta", "gamma", "", "delta-epsilon", "\xff\xfe"};
	static const uint8_t uuid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	PqColumnVector v[7];

	for (uint32_t i = 0; i < nrows; i++)
	{
		iv[i] = (int64_t) (rng() % 100000);
		sv[i].ptr = (const uint8_t *) words[i % 6];
		sv[i].len = (uint32_t) strlen(words[i % 6]);
		dv[i] = i % 17 == 0 ? NAN : (double) i / 7;
		bv[i] = (uint8_t) (i & 1);
		xv[i] = ((pq_int128) rng() << 20) - ((pq_int128) 1 << 80);
		uv[i].ptr = uuid;
		uv[i].len = 16;
		lv[i] = (int32_t) (i % 5);
		nl[i] = rng() % 4 == 0;
	}
	v[0] = (PqColumnVector) {PQ_INT64, nrows, nl, {.i64 = iv}};
	v[1] = (PqColumnVector) {PQ_STRING, nrows, nl, {.bytes = sv}};
	v[2] = (PqColumnVector) {PQ_DOUBLE, nrows, NULL, {.f64 = dv}};
	v[3] = (PqColumnVector) {PQ_BOOL, nrows, nl, {.b = bv}};
	v[4] = (PqColumnVector) {PQ_DECIMAL, nrows, nl, {.i128 = xv}};
	v[5] = (PqColumnVector) {PQ_UUID, nrows, nl, {.bytes = uv}};
	v[6] = (PqColumnVector) {PQ_INT32, nrows, NULL, {.i32 = lv}};
	ParquetWriterOptionsInit(&o);
	o.page_rows = 250;
	o.row_group_rows = 1000;
	o.codec = PQ_CODEC_UNCOMPRESSED;	/* flips then hit structure, not checksums */
	memset(f, 0, sizeof(*f));
	sink = mem_sink(f);
	w = ParquetWriterCreate(&s, &o, &sink, &ParquetMallocAllocator, &err);
	REQUIRE(w);
	REQUIRE(ParquetWriterSetKeyValue(w, "k", "v", &err) == PQ_OK);
	REQUIRE(ParquetWriterWrite(w, v, nrows, &err) == PQ_OK);
	REQUIRE(ParquetWriterFinish(w, &err) == PQ_OK);
	ParquetWriterFree(w);
	free(iv);
	free(sv);
	free(dv);
	free(bv);
	free(xv);
	free(uv);
	free(lv);
	free(nl);
}

static void
tally(bool ok)
{
	if (ok)
		n_ok++;
	else
		n_err++;
}

static void
fuzz_file(MemFile *f, int flips, const char *what)
{
	uint8_t    *buf = malloc(f->len);
	uint32_t	flen = pq_load_u32_test(f);
	size_t		footer_start = f->len - 8 - flen;

	REQUIRE(read_everything(f->data, f->len));	/* the pristine file reads */

	/* truncation: the tail is gone, so is the magic */
	for (size_t cut = 0; cut < f->len; cut += 1 + cut / 64)
		tally(read_everything(f->data, cut));

	/* truncated data with the footer re-attached: offsets point past the end */
	for (size_t cut = 4; cut < footer_start; cut += 1 + cut / 16)
	{
		size_t		n = cut + flen + 8;

		memcpy(buf, f->data, cut);
		memcpy(buf + cut, f->data + footer_start, flen + 8);
		tally(read_everything(buf, n));
	}

	/* holes of zeros / 0xff */
	for (int t = 0; t < 300; t++)
	{
		size_t		at = (size_t) (rng() % f->len);
		size_t		n = 1 + (size_t) (rng() % 64);

		memcpy(buf, f->data, f->len);
		if (at + n > f->len)
			n = f->len - at;
		memset(buf + at, t % 2 ? 0xff : 0, n);
		tally(read_everything(buf, f->len));
	}

	/* random flips: anywhere, then concentrated on the footer */
	for (int t = 0; t < flips; t++)
	{
		int			k = 1 + (int) (rng() % 4);

		memcpy(buf, f->data, f->len);
		for (int j = 0; j < k; j++)
		{
			size_t		at = (t % 2) ? footer_start + (size_t) (rng() % flen)
				: (size_t) (rng() % f->len);

			switch (rng() % 3)
			{
				case 0:
					buf[at] ^= (uint8_t) (1 << (rng() % 8));
					break;
				case 1:
					buf[at] = (uint8_t) rng();
					break;
				default:
					buf[at] = (rng() & 1) ? 0xff : 0x7f;
			}
		}
		tally(read_everything(buf, f->len));
	}
	free(buf);
	CHECK_MSG(pq_live_allocs == 0, "%s: %ld allocations leaked", what, pq_live_allocs);
}

static void
test_hostile_footers(void)
{
	PqError		err;
	PqMetaFile	meta;
	/* FileMetaData: version 1, schema list of 2^28 structs claimed in 4 bytes */
	uint8_t		f1[] = {0x15, 0x02, 0x19, 0xfc, 0x80, 0x80, 0x80, 0x01, 0x00};
	/* deeply nested unknown field */
	uint8_t		f2[400];

	CHECK(PqMetaFileParse(f1, sizeof(f1), 0, 10000, &CountingAllocator, &meta, &err) == PQ_ERR_CORRUPT);
	memset(f2, 0x1c, sizeof(f2));
	f2[0] = 0x15;
	f2[1] = 0x02;
	f2[2] = 0xfc;				/* field 17 (delta 15 + ...) struct */
	CHECK(PqMetaFileParse(f2, sizeof(f2), 0, 10000, &CountingAllocator, &meta, &err) == PQ_ERR_CORRUPT);
	CHECK(err.message[0] != '\0');
	CHECK(pq_live_allocs == 0);

	/* a page header claiming 2^31-1 values is refused before any allocation */
	{
		PqPageHeader h;
		PqBuf		b;

		PqBufInit(&b, &ParquetMallocAllocator);
		memset(&h, 0, sizeof(h));
		h.type = 0;
		h.uncompressed_size = 10;
		h.compressed_size = 10;
		h.num_values = INT32_MAX;
		REQUIRE(PqPageHeaderWrite(&b, &h));
		CHECK(PqPageHeaderParse(b.data, b.len, 0, &h, &err) == PQ_OK && h.num_values == INT32_MAX);
		PqBufFree(&b);
	}
}

/* footer length of a MemFile */
static uint32_t
pq_load_u32_test(const MemFile *f)
{
	uint32_t	v;

	memcpy(&v, f->data + f->len - 8, 4);
	return v;
}

/*
 * A data page claiming more values than max_page_values is refused with
 * PQ_ERR_LIMIT before its arrays are allocated.
 */
static void
test_page_value_limit(void)
{
	MemFile		f;
	PqSource	src;
	PqReaderOptions opts;
	PqError		err;
	PqReader   *r;
	PqColumnVector out[8];
	uint32_t	n;
	PqStatus	st;

	make_file(&f, 2000);
	src = mem_source(&f);
	ParquetReaderOptionsInit(&opts);
	opts.max_page_values = 100;		/* pages hold 250 */
	r = ParquetReaderOpen(&src, &opts, &CountingAllocator, "limit", &err);
	REQUIRE(r);
	CHECK_OK(ParquetReaderStartRowGroup(r, 0, NULL, 0, &err), err);
	st = ParquetReaderReadBatch(r, 100, out, &n, &err);
	CHECK(st == PQ_ERR_LIMIT);
	CHECK(strstr(err.message, "max_page_values") != NULL);
	CHECK(strstr(err.message, "row group 0") != NULL);
	ParquetReaderClose(r);
	/* max_page_bytes likewise */
	opts.max_page_values = 0;
	opts.max_page_bytes = 16;
	r = ParquetReaderOpen(&src, &opts, &CountingAllocator, "limit", &err);
	REQUIRE(r);
	CHECK_OK(ParquetReaderStartRowGroup(r, 0, NULL, 0, &err), err);
	CHECK(ParquetReaderReadBatch(r, 100, out, &n, &err) == PQ_ERR_LIMIT);
	ParquetReaderClose(r);
	free(f.data);
	CHECK(pq_live_allocs == 0);
}

/*
 * Prefix decompression of damaged zstd pages (what ReadRows uses on PLAIN
 * pages), written as independent frames (frame mode) and as one frame of
 * blocks (old files, prefix mode): a truncated page, a short or long
 * claimed size, byte flips.  A prefix that comes back OK must be the
 * original bytes wherever the damage lies past it; the whole page never
 * comes back OK at a wrong length; a prefix-mode handle resumed after
 * another use of the context is refused.
 */
static void
test_prefix_decompress(bool one_frame)
{
	uint8_t		page[8000];
	uint8_t		comp[9000];
	uint8_t		dmg[9000];
	uint8_t		out[8016];
	size_t		clen;
	PqCodecPrefix p;
	PqError		err;
	uint32_t	x = 12345;

	for (int i = 0; i < 1000; i++)
	{
		int64_t		v = (int64_t) i * 7919 % 10007;

		memcpy(page + i * 8, &v, 8);
	}
	PqCodecZstdOneFrame(one_frame);
	REQUIRE(PqCodecCompress(PQ_CODEC_ZSTD, 0, page, sizeof(page), comp, sizeof(comp),
							&clen, &err) == PQ_OK);
	PqCodecZstdOneFrame(false);
	CHECK(ZSTD_findFrameCompressedSize(comp, clen) == clen ? one_frame : !one_frame);
	CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, comp, clen, out, sizeof(page), &err), err);
	CHECK(p.nframes == (one_frame ? 0 : 4));

	/* intact: every prefix, then the whole page */
	for (size_t want = 0; want <= sizeof(page); want += 997)
	{
		CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, comp, clen, out, sizeof(page), &err), err);
		CHECK_OK(PqCodecPrefixExtend(&p, want, &err), err);
		CHECK(p.valid >= want && p.valid <= sizeof(page));
		CHECK(memcmp(out, page, p.valid) == 0);
		CHECK(want == 0 || p.valid < sizeof(page) || want > 6000);
		CHECK_OK(PqCodecPrefixExtend(&p, sizeof(page), &err), err);
		CHECK(p.complete && memcmp(out, page, sizeof(page)) == 0);
	}

	/* truncated: a prefix may come back (the original bytes), the whole never */
	for (size_t cut = 1; cut < clen; cut += (cut < 40 ? 1 : 37))
	{
		PqStatus	st;

		memcpy(dmg, comp, clen - cut);
		st = PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, dmg, clen - cut, out, sizeof(page), &err);
		if (st == PQ_OK)
			st = PqCodecPrefixExtend(&p, 100, &err);
		if (st == PQ_OK)
			CHECK(memcmp(out, page, p.valid) == 0);
		else
			CHECK(st == PQ_ERR_CORRUPT && err.message[0]);
		if (st == PQ_OK)
			st = PqCodecPrefixExtend(&p, sizeof(page), &err);
		CHECK_MSG(st == PQ_ERR_CORRUPT, "cut %zu: status %d", cut, (int) st);
		if (st == PQ_OK)
			n_ok++;
		else
			n_err++;
	}

	/* the header's size wrong either way */
	CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, comp, clen, out, sizeof(page) - 8, &err), err);
	CHECK(PqCodecPrefixExtend(&p, sizeof(page), &err) == PQ_ERR_CORRUPT);
	CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, comp, clen, out, sizeof(page) + 8, &err), err);
	CHECK(PqCodecPrefixExtend(&p, sizeof(page) + 8, &err) == PQ_ERR_CORRUPT);

	/*
	 * Degenerate frames (found by fuzz_codec) where libzstd's block-by-block
	 * API and its one-shot API disagree; the prefix path must follow the
	 * one-shot verdict.  An RLE block in a frame whose window is 0 bytes
	 * (one-shot: fine, 0 bytes), empty blocks ending a frame that declares
	 * 40 bytes of content and a compressed block of 0 bytes (one-shot:
	 * corrupt).
	 */
	{
		static const uint8_t zero_window_rle[] = {
			0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x03, 0x00, 0x00, 0x20
		};
		static const uint8_t empty_compressed_block[] = {
			0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x05, 0x00, 0x00
		};
		static const uint8_t short_of_content_size[] = {
			0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x28, 0x02, 0x00, 0x00, 0x00,
			0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00
		};

		CHECK_OK(PqCodecDecompress(PQ_CODEC_ZSTD, zero_window_rle, sizeof(zero_window_rle),
								   out, 0, &err), err);
		CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, zero_window_rle,
									sizeof(zero_window_rle), out, 0, &err), err);
		CHECK_OK(PqCodecPrefixExtend(&p, 0, &err), err);
		CHECK(p.complete && p.valid == 0);

		CHECK(PqCodecDecompress(PQ_CODEC_ZSTD, short_of_content_size,
								sizeof(short_of_content_size), out, 0, &err) == PQ_ERR_CORRUPT);
		CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, short_of_content_size,
									sizeof(short_of_content_size), out, 0, &err), err);
		CHECK(PqCodecPrefixExtend(&p, 0, &err) == PQ_ERR_CORRUPT && err.message[0]);

		/* two empty frames: an empty page, complete at once (not frame mode) */
		{
			uint8_t		two_empty[2 * sizeof(zero_window_rle)];

			memcpy(two_empty, zero_window_rle, sizeof(zero_window_rle));
			memcpy(two_empty + sizeof(zero_window_rle), zero_window_rle, sizeof(zero_window_rle));
			CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, two_empty, sizeof(two_empty),
										out, 0, &err), err);
			CHECK(p.nframes == 0);
			CHECK_OK(PqCodecPrefixExtend(&p, 0, &err), err);
			CHECK(p.complete && p.valid == 0);
		}

		CHECK(PqCodecDecompress(PQ_CODEC_ZSTD, empty_compressed_block,
								sizeof(empty_compressed_block), out, 0, &err) == PQ_ERR_CORRUPT);
		CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, empty_compressed_block,
									sizeof(empty_compressed_block), out, 0, &err), err);
		CHECK(PqCodecPrefixExtend(&p, 0, &err) == PQ_ERR_CORRUPT && err.message[0]);
	}

	/* byte flips: never a crash or an overrun (ASan), never a wrong length */
	for (int k = 0; k < 3000; k++)
	{
		size_t		at;
		size_t		want;
		PqStatus	st;

		x = x * 1103515245 + 12345;
		at = (x >> 8) % clen;
		want = (x >> 4) % sizeof(page);
		memcpy(dmg, comp, clen);
		dmg[at] ^= (uint8_t) (1 + (x >> 24) % 255);
		st = PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, dmg, clen, out, sizeof(page), &err);
		if (st == PQ_OK)
			st = PqCodecPrefixExtend(&p, want, &err);
		if (st == PQ_OK)
		{
			CHECK(p.valid >= want && p.valid <= sizeof(page));
			st = PqCodecPrefixExtend(&p, sizeof(page), &err);
			CHECK(st != PQ_OK || (p.complete && p.valid == sizeof(page)));
		}
		CHECK(st == PQ_OK || st == PQ_ERR_CORRUPT);
		if (st == PQ_OK)
			n_ok++;
		else
			n_err++;
	}

	/* resumed after another decompression: refused in prefix mode, fine in
	 * frame mode (each frame is decompressed in one call) */
	CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, comp, clen, out, sizeof(page), &err), err);
	CHECK_OK(PqCodecPrefixExtend(&p, 10, &err), err);
	CHECK(!p.complete);
	CHECK_OK(PqCodecDecompress(PQ_CODEC_ZSTD, comp, clen, dmg, sizeof(page), &err), err);
	if (one_frame)
		CHECK(PqCodecPrefixExtend(&p, sizeof(page), &err) == PQ_ERR_ARG);
	else
	{
		CHECK_OK(PqCodecPrefixExtend(&p, sizeof(page), &err), err);
		CHECK(p.complete && memcmp(out, page, sizeof(page)) == 0);
	}

	/* two frames back to back: one page */
	{
		size_t		l1,
					l2;

		REQUIRE(PqCodecCompress(PQ_CODEC_ZSTD, 0, page, 3000, dmg, sizeof(dmg), &l1, &err) == PQ_OK);
		REQUIRE(PqCodecCompress(PQ_CODEC_ZSTD, 0, page + 3000, 5000, dmg + l1, sizeof(dmg) - l1,
								&l2, &err) == PQ_OK);
		CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, dmg, l1 + l2, out, sizeof(page), &err), err);
		CHECK_OK(PqCodecPrefixExtend(&p, 3500, &err), err);
		CHECK(memcmp(out, page, p.valid) == 0);
		CHECK_OK(PqCodecPrefixExtend(&p, sizeof(page), &err), err);
		CHECK(p.complete && memcmp(out, page, sizeof(page)) == 0);
	}
}

/* a page compressed as the frames of pieces of len bytes each, with or
 * without their content size */
static size_t
frames_of(const uint8_t *page, size_t len, size_t piece, bool content_size,
		  uint8_t *dst, size_t cap)
{
	ZSTD_CCtx  *cc = ZSTD_createCCtx();
	size_t		out = 0;

	REQUIRE(cc);
	REQUIRE(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, content_size)));
	for (size_t pos = 0; pos < len; pos += piece)
	{
		size_t		n = len - pos < piece ? len - pos : piece;
		size_t		rc = ZSTD_compress2(cc, dst + out, cap - out, page + pos, n);

		REQUIRE(!ZSTD_isError(rc));
		out += rc;
	}
	ZSTD_freeCCtx(cc);
	return out;
}

/*
 * Frame mode (PqCodecPrefixRange): every range of an intact page gives the
 * page's bytes and decompresses only the frames it overlaps; a frame that
 * does not decompress fails exactly the ranges touching it; pages of frames
 * without content sizes, or of too many frames, are read in prefix mode;
 * byte flips give the one-shot output or the one-shot verdict.
 */
static void
test_frame_ranges(void)
{
	uint8_t		page[8000];
	uint8_t		comp[9000];
	uint8_t		dmg[9000];
	uint8_t		want[8016];
	uint8_t		out[8016];
	size_t		clen;
	PqCodecPrefix p;
	PqError		err;
	uint32_t	x = 777;

	for (int i = 0; i < 1000; i++)
	{
		int64_t		v = (int64_t) i * 104729 % 100003 - 5000;

		memcpy(page + i * 8, &v, 8);
	}
	REQUIRE(PqCodecCompress(PQ_CODEC_ZSTD, 0, page, sizeof(page), comp, sizeof(comp),
							&clen, &err) == PQ_OK);

	/* intact: ranges first, middle, last of the page and of each frame */
	for (size_t lo = 0; lo < sizeof(page); lo += 125)
	{
		static const size_t lens[] = {1, 8, 48, 700, 2048, 3000, 8000};

		for (int k = 0; k < (int) (sizeof(lens) / sizeof(lens[0])); k++)
		{
			size_t		hi = lo + lens[k] > sizeof(page) ? sizeof(page) : lo + lens[k];
			uint64_t	f0 = PqCodecFramesDecoded();
			int			touched = (int) ((hi - 1) / 2048 - lo / 2048 + 1);

			CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, comp, clen, out, sizeof(page), &err), err);
			CHECK(p.nframes == 4);
			CHECK_OK(PqCodecPrefixRange(&p, lo, hi, &err), err);
			CHECK(p.valid_lo <= lo && p.valid >= hi && p.valid <= sizeof(page));
			CHECK(memcmp(out + p.valid_lo, page + p.valid_lo, p.valid - p.valid_lo) == 0);
			if (touched == 4)
				CHECK(p.complete && PqCodecFramesDecoded() == f0);
			else
				CHECK_MSG(!p.complete && PqCodecFramesDecoded() - f0 == (uint64_t) touched &&
						  p.valid - p.valid_lo == (size_t) touched * 2048 - (hi > 6144 ? 192 : 0),
						  "range [%zu, %zu): %llu frames, valid [%zu, %zu)", lo, hi,
						  (unsigned long long) (PqCodecFramesDecoded() - f0), p.valid_lo, p.valid);
			/* a second range elsewhere, then the whole page */
			CHECK_OK(PqCodecPrefixRange(&p, 7990, 8000, &err), err);
			CHECK(p.valid_lo <= 7990 && p.valid == sizeof(page));
			CHECK(memcmp(out + p.valid_lo, page + p.valid_lo, p.valid - p.valid_lo) == 0);
			CHECK_OK(PqCodecPrefixExtend(&p, sizeof(page), &err), err);
			CHECK(p.complete && p.valid_lo == 0 && memcmp(out, page, sizeof(page)) == 0);
		}
	}

	/* a frame that does not decompress: ranges elsewhere fine, on it corrupt */
	{
		size_t		f3 = 0;
		bool		found = false;

		CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, comp, clen, out, sizeof(page), &err), err);
		f3 = p.fr_src[3];
		for (size_t at = f3 + 12; at < clen && !found; at++)
		{
			memcpy(dmg, comp, clen);
			dmg[at] ^= 0x5a;
			if (PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, dmg, clen, out, sizeof(page), &err) == PQ_OK &&
				p.nframes == 4 &&
				ZSTD_isError(ZSTD_decompress(want, sizeof(want), dmg + f3, clen - f3)))
				found = true;
		}
		REQUIRE(found);
		CHECK(PqCodecDecompress(PQ_CODEC_ZSTD, dmg, clen, out, sizeof(page), &err) == PQ_ERR_CORRUPT);
		CHECK_OK(PqCodecPrefixRange(&p, 100, 5000, &err), err);
		CHECK(memcmp(out + p.valid_lo, page + p.valid_lo, p.valid - p.valid_lo) == 0);
		CHECK(PqCodecPrefixRange(&p, 6200, 6208, &err) == PQ_ERR_CORRUPT && err.message[0]);
		CHECK(p.valid == 0 && !p.complete);
		CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, dmg, clen, out, sizeof(page), &err), err);
		CHECK(PqCodecPrefixExtend(&p, sizeof(page), &err) == PQ_ERR_CORRUPT);
	}

	/* frames without their content size, too many frames: prefix mode */
	for (int k = 0; k < 3; k++)
	{
		size_t		l = frames_of(page, sizeof(page), k == 2 ? 700 : 2048, k != 1, dmg, sizeof(dmg));

		CHECK_OK(PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, dmg, l, out, sizeof(page), &err), err);
		CHECK(p.nframes == (k == 0 ? 4 : 0));
		CHECK_OK(PqCodecPrefixRange(&p, 7000, 7100, &err), err);
		CHECK(p.valid_lo <= 7000 && p.valid >= 7100);
		CHECK(memcmp(out + p.valid_lo, page + p.valid_lo, p.valid - p.valid_lo) == 0);
		CHECK_OK(PqCodecPrefixRange(&p, 0, sizeof(page), &err), err);
		CHECK(p.complete && memcmp(out, page, sizeof(page)) == 0);
	}

	/* byte flips and cuts: a range is the one-shot output, the page its verdict */
	for (int k = 0; k < 4000; k++)
	{
		size_t		l = clen;
		size_t		lo,
					hi;
		PqStatus	one,
					st;

		x = x * 1103515245 + 12345;
		memcpy(dmg, comp, clen);
		if (k % 4 == 3)
			l = clen - 1 - (x >> 8) % (clen - 1);
		else
			dmg[(x >> 8) % clen] ^= (uint8_t) (1 + (x >> 24) % 255);
		x = x * 1103515245 + 12345;
		lo = (x >> 4) % sizeof(page);
		hi = lo + 1 + (x >> 20) % 600;
		one = PqCodecDecompress(PQ_CODEC_ZSTD, dmg, l, want, sizeof(page), &err);
		st = PqCodecPrefixBegin(&p, PQ_CODEC_ZSTD, dmg, l, out, sizeof(page), &err);
		if (st == PQ_OK)
			st = PqCodecPrefixRange(&p, lo, hi, &err);
		CHECK(st == PQ_OK || st == PQ_ERR_CORRUPT);
		if (st == PQ_OK)
		{
			CHECK(p.valid_lo <= lo && p.valid >= (hi < sizeof(page) ? hi : sizeof(page)));
			CHECK(one != PQ_OK ||
				  memcmp(out + p.valid_lo, want + p.valid_lo, p.valid - p.valid_lo) == 0);
			st = PqCodecPrefixExtend(&p, sizeof(page), &err);
		}
		CHECK_MSG((st == PQ_OK) == (one == PQ_OK),
				  "flip %d: range %d, one-shot %d", k, (int) st, (int) one);
		if (st == PQ_OK)
			n_ok++;
		else
			n_err++;
	}
}

int
main(int argc, char **argv)
{
	MemFile		f;
	int			flips = argc > 1 ? atoi(argv[1]) : 4000;

	if (argc > 2)
		pq_rng_state = strtoull(argv[2], NULL, 10) | 1;

	if (argc > 3)
	{
		/* fuzz a given file, e.g. one written by another engine */
		FILE	   *fp = fopen(argv[3], "rb");

		REQUIRE(fp);
		memset(&f, 0, sizeof(f));
		fseek(fp, 0, SEEK_END);
		f.len = (size_t) ftell(fp);
		fseek(fp, 0, SEEK_SET);
		f.data = malloc(f.len);
		REQUIRE(f.data && fread(f.data, 1, f.len, fp) == f.len);
		fclose(fp);
		fuzz_file(&f, flips, argv[3]);
		free(f.data);
		printf("test_corrupt %s: %d damaged files read fine, %d refused with an error\n",
			   argv[3], n_ok, n_err);
		return pq_test_done("test_corrupt");
	}
	test_hostile_footers();
	test_page_value_limit();
	test_prefix_decompress(true);
	test_prefix_decompress(false);
	test_frame_ranges();
	make_file(&f, 3000);
	fuzz_file(&f, flips, "uncompressed");
	free(f.data);
	printf("test_corrupt: %d damaged files read fine, %d refused with an error\n", n_ok, n_err);
	CHECK(n_err > 0);
	return pq_test_done("test_corrupt");
}
