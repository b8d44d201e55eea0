/*-------------------------------------------------------------------------
 * test_foreign.c
 *	  Unit tests of the foreign-encoding decoders (pq_decode_foreign.c):
 *	  the specification's own examples, round trips through the test
 *	  encoders over many shapes of data and block layouts, edge cases
 *	  (n = 0, widths 0 and 64, INT64_MIN/MAX deltas) and malformed input
 *	  (truncation at every byte, bad widths, bad headers, huge counts,
 *	  allocation failure), every one of which must be an error, not a
 *	  crash or an over-read (run under ASan: make asan).
 *-------------------------------------------------------------------------
 */
#include <inttypes.h>

#include "format/parquet/pq_decode_foreign.h"
#include "test_encoders.h"
#include "test_util.h"

static const DbpEncodeOptions layouts[] = {
	{128, 4, false, false},
	{128, 1, false, false},
	{256, 8, false, false},
	{1024, 4, false, true},
	{128, 4, false, true},
	{512, 16, false, false},
};
#define NLAYOUTS (sizeof(layouts) / sizeof(layouts[0]))

/* ---------------------------------------------------------------------
 * DELTA_BINARY_PACKED
 * ---------------------------------------------------------------------
 */

/* decode64 from an exact heap copy; returns status */
static PqStatus
dbp64(const uint8_t *buf, size_t len, uint32_t n, int64_t *out, size_t *consumed)
{
	uint8_t    *copy = test_exact_copy(buf, len);
	PqError		err;
	PqStatus	st;

	memset(&err, 0, sizeof(err));
	st = PqDecodeDeltaBinaryPacked64(copy, len, n, out, consumed, &err);
	if (st != PQ_OK)
		CHECK_MSG(err.status == st && err.message[0] != '\0',
				  "error without a message (status %s)", test_status_name(st));
	free(copy);
	return st;
}

static PqStatus
dbp32(const uint8_t *buf, size_t len, uint32_t n, int32_t *out, size_t *consumed)
{
	uint8_t    *copy = test_exact_copy(buf, len);
	PqError		err;
	PqStatus	st;

	memset(&err, 0, sizeof(err));
	st = PqDecodeDeltaBinaryPacked32(copy, len, n, out, consumed, &err);
	if (st != PQ_OK)
		CHECK_MSG(err.status == st && err.message[0] != '\0',
				  "error without a message (status %s)", test_status_name(st));
	free(copy);
	return st;
}

static void
test_dbp_spec_examples(void)
{
	/* Encodings.md example 1: 1 2 3 4 5 -> deltas all 1, bit width 0 */
	static const uint8_t ex1[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00};

	/*
	 * Example 2: 7 5 3 1 2 3 4 5 -> deltas -2 -2 -2 1 1 1 1, min delta -2,
	 * relative 0 0 0 3 3 3 3 in one miniblock of width 2 (8 bytes).
	 */
	static const uint8_t ex2[] = {0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 0x02, 0x00, 0x00, 0x00,
	0xc0, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	int64_t		out64[8];
	int32_t		out32[8];
	size_t		consumed;
	static const int64_t want2[] = {7, 5, 3, 1, 2, 3, 4, 5};

	CHECK(dbp64(ex1, sizeof(ex1), 5, out64, &consumed) == PQ_OK);
	CHECK(consumed == sizeof(ex1));
	for (int i = 0; i < 5; i++)
		CHECK(out64[i] == i + 1);
	CHECK(dbp32(ex1, sizeof(ex1), 5, out32, &consumed) == PQ_OK);
	for (int i = 0; i < 5; i++)
		CHECK(out32[i] == i + 1);

	CHECK(dbp64(ex2, sizeof(ex2), 8, out64, &consumed) == PQ_OK);
	CHECK(consumed == sizeof(ex2));
	for (int i = 0; i < 8; i++)
		CHECK_MSG(out64[i] == want2[i], "ex2[%d] = %" PRId64, i, out64[i]);
	CHECK(dbp32(ex2, sizeof(ex2), 8, out32, &consumed) == PQ_OK);
	for (int i = 0; i < 8; i++)
		CHECK(out32[i] == want2[i]);

	/* the header count must match the page's */
	CHECK(dbp64(ex2, sizeof(ex2), 7, out64, &consumed) == PQ_ERR_CORRUPT);
	CHECK(dbp64(ex2, sizeof(ex2), 9, out64, &consumed) == PQ_ERR_CORRUPT);

	/* trailing bytes are not consumed */
	{
		uint8_t		longer[sizeof(ex2) + 5];

		memcpy(longer, ex2, sizeof(ex2));
		memset(longer + sizeof(ex2), 0xAB, 5);
		CHECK(dbp64(longer, sizeof(longer), 8, out64, &consumed) == PQ_OK);
		CHECK(consumed == sizeof(ex2));
	}
}

typedef enum
{
	GEN_SMALL, GEN_RANDOM64, GEN_EXTREMES, GEN_CONSTANT, GEN_ASCENDING,
	GEN_RANDOM32, GEN_MIXED, NGEN
} Gen;

static void
generate(Gen g, TestRng *rng, int64_t *v, uint32_t n, bool as32)
{
	for (uint32_t i = 0; i < n; i++)
	{
		uint64_t	r = test_rng_next(rng);

		switch (g)
		{
			case GEN_SMALL:
				v[i] = (int64_t) (r % 201) - 100;
				break;
			case GEN_RANDOM64:
				v[i] = (int64_t) r;
				break;
			case GEN_EXTREMES:
				/* alternating INT64_MIN/MAX: every delta overflows */
				v[i] = (r & 1) ? INT64_MAX : INT64_MIN;
				if (r % 7 == 0)
					v[i] = 0;
				break;
			case GEN_CONSTANT:
				v[i] = 42;
				break;
			case GEN_ASCENDING:
				v[i] = (int64_t) i * 1000 + (int64_t) (r % 10);
				break;
			case GEN_RANDOM32:
				v[i] = (int32_t) (uint32_t) r;
				break;
			case GEN_MIXED:
				v[i] = (i % 64 < 32) ? (int64_t) (r % 4) : (int64_t) r;
				break;
			default:
				break;
		}
		if (as32)
			v[i] = (int32_t) (uint32_t) (uint64_t) v[i];
	}
}

static void
test_dbp_roundtrip(void)
{
	static const uint32_t sizes[] = {0, 1, 2, 3, 31, 32, 33, 127, 128, 129, 130, 255,
	256, 257, 1000, 1025, 4097, 20000};
	TestRng		rng;
	int			cases = 0;

	test_rng_seed(&rng, 1);
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
	{
		uint32_t	n = sizes[si];
		int64_t    *v = malloc(sizeof(int64_t) * (n + 1));
		int64_t    *o64 = malloc(sizeof(int64_t) * (n + 1));
		int32_t    *o32 = malloc(sizeof(int32_t) * (n + 1));

		for (int g = 0; g < NGEN; g++)
			for (size_t li = 0; li < NLAYOUTS; li++)
				for (int mode = 0; mode < 3; mode++)
				{
					/* 0: INT64; 1: INT32 parquet-mr style; 2: INT32 with 64-bit deltas */
					DbpEncodeOptions opt = layouts[li];
					TestBuf		b;
					size_t		consumed = 0;
					PqStatus	st;
					bool		ok = true;

					opt.arith32 = (mode == 1);
					generate((Gen) g, &rng, v, n, mode != 0);
					test_buf_init(&b);
					test_encode_dbp(&b, v, n, &opt);
					if (mode == 0)
					{
						st = dbp64(b.data, b.len, n, o64, &consumed);
						for (uint32_t i = 0; st == PQ_OK && i < n; i++)
							if (o64[i] != v[i])
							{
								ok = false;
								fprintf(stderr, "64: n=%u gen=%d layout=%zu value %u: %" PRId64 " != %" PRId64 "\n",
										n, g, li, i, o64[i], v[i]);
								break;
							}
					}
					else
					{
						st = dbp32(b.data, b.len, n, o32, &consumed);
						for (uint32_t i = 0; st == PQ_OK && i < n; i++)
							if (o32[i] != (int32_t) v[i])
							{
								ok = false;
								fprintf(stderr, "32/%d: n=%u gen=%d layout=%zu value %u: %d != %d\n",
										mode, n, g, li, i, o32[i], (int32_t) v[i]);
								break;
							}
					}
					CHECK_MSG(st == PQ_OK, "n=%u gen=%d layout=%zu mode=%d: %s", n, g, li, mode,
							  test_status_name(st));
					CHECK(ok);
					CHECK_MSG(consumed == b.len, "n=%u: consumed %zu of %zu", n, consumed, b.len);
					test_buf_free(&b);
					cases++;
				}
		free(v);
		free(o64);
		free(o32);
	}
	printf("  DELTA_BINARY_PACKED round trips: %d\n", cases);
}

/* widths 0 and 64 inside one stream, checked explicitly */
static void
test_dbp_widths(void)
{
	DbpEncodeOptions opt = {128, 4, false, false};
	int64_t		v[257];
	int64_t		o[257];
	TestBuf		b;
	size_t		consumed;
	bool		saw64 = false;
	bool		saw0 = false;

	/*
	 * Block 1: miniblock 1 spans the full 64-bit range of deltas (width
	 * 64); block 2: constant deltas (all widths 0).
	 */
	v[0] = 0;
	for (int i = 1; i < 257; i++)
	{
		if (i <= 32)
			v[i] = v[i - 1] + 5;
		else if (i <= 64)
		{
			/* deltas +-INT64_MAX and INT64_MIN: relative deltas span 2^64 */
			static const int64_t cyc[4] = {0, INT64_MAX, 0, INT64_MIN};

			v[i] = cyc[i % 4];
		}
		else if (i <= 128)
			v[i] = v[i - 1] - 1;
		else
			v[i] = v[i - 1] + 7;
	}
	test_buf_init(&b);
	test_encode_dbp(&b, v, 257, &opt);
	/* header 5 bytes with first 0: min delta, then 4 widths */
	{
		const uint8_t *p = b.data;
		size_t		h = 0;

		for (int f = 0; f < 5; f++)
		{
			while (p[h] & 0x80)
				h++;
			h++;
		}
		for (int m = 0; m < 4; m++)
		{
			if (p[h + m] == 64)
				saw64 = true;
			if (p[h + m] == 0)
				saw0 = true;
		}
	}
	CHECK(saw64);
	/* block 2 is its min delta + 4 zero widths, the last 5 bytes */
	saw0 = b.len > 5 && memcmp(b.data + b.len - 4, "\0\0\0\0", 4) == 0 && b.data[b.len - 5] == 14;
	CHECK(saw0);
	CHECK(dbp64(b.data, b.len, 257, o, &consumed) == PQ_OK);
	CHECK(memcmp(o, v, sizeof(v)) == 0);
	CHECK(consumed == b.len);
	test_buf_free(&b);
}

static void
test_dbp_malformed(void)
{
	TestRng		rng;
	int64_t		v[300];
	int64_t		o[300];
	int32_t		o32[300];
	size_t		consumed;
	TestBuf		b;
	DbpEncodeOptions opt = {128, 4, false, false};
	int			truncations = 0;

	/* truncation at every byte: every prefix must fail */
	test_rng_seed(&rng, 7);
	generate(GEN_MIXED, &rng, v, 300, false);
	test_buf_init(&b);
	test_encode_dbp(&b, v, 300, &opt);
	for (size_t cut = 0; cut < b.len; cut++)
	{
		PqStatus	st = dbp64(b.data, cut, 300, o, &consumed);

		CHECK_MSG(st == PQ_ERR_CORRUPT, "cut at %zu of %zu: %s", cut, b.len, test_status_name(st));
		truncations++;
	}
	test_buf_free(&b);

	/* same for a 32-bit stream with small n */
	generate(GEN_RANDOM32, &rng, v, 40, true);
	opt.arith32 = true;
	test_buf_init(&b);
	test_encode_dbp(&b, v, 40, &opt);
	for (size_t cut = 0; cut < b.len; cut++)
	{
		CHECK(dbp32(b.data, cut, 40, o32, &consumed) == PQ_ERR_CORRUPT);
		truncations++;
	}
	test_buf_free(&b);
	printf("  DELTA_BINARY_PACKED truncations rejected: %d\n", truncations);

	/* a miniblock width > 64 */
	{
		uint8_t		bad[] = {0x80, 0x01, 0x04, 0x03, 0x00, 0x00, 65, 0, 0, 0};
		uint8_t		big[10 + 65 * 4];

		memset(big, 0, sizeof(big));
		memcpy(big, bad, sizeof(bad));
		CHECK(dbp64(big, sizeof(big), 3, o, &consumed) == PQ_ERR_CORRUPT);
		big[6] = 255;
		CHECK(dbp64(big, sizeof(big), 3, o, &consumed) == PQ_ERR_CORRUPT);
		/* but an unused miniblock's width may be anything */
		big[6] = 1;
		big[7] = 200;
		big[8] = 65;
		CHECK(dbp64(big, sizeof(big), 3, o, &consumed) == PQ_OK);
		CHECK(consumed == 10 + 4);
		CHECK(o[0] == 0 && o[1] == 0 && o[2] == 0);
	}

	/* bad headers */
	{
		/* block size 100 (not a multiple of 128) */
		uint8_t		h1[] = {100, 0x04, 0x01, 0x00};

		/* 3 miniblocks do not divide 128 */
		uint8_t		h2[] = {0x80, 0x01, 0x03, 0x01, 0x00};

		/* 8 miniblocks of 16 values */
		uint8_t		h3[] = {0x80, 0x01, 0x08, 0x01, 0x00};

		/* 0 miniblocks */
		uint8_t		h4[] = {0x80, 0x01, 0x00, 0x01, 0x00};

		/* block size 0 */
		uint8_t		h5[] = {0x00, 0x04, 0x01, 0x00};

		/* first value varint of 11 bytes */
		uint8_t		h6[] = {0x80, 0x01, 0x04, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0x01};

		/* 10th byte of a varint carrying bits past 64 */
		uint8_t		h7[] = {0x80, 0x01, 0x04, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0x02};

		/* the largest 64-bit varint is fine: first value zigzag(2^64-1) */
		uint8_t		h8[] = {0x80, 0x01, 0x04, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0x01};

		/* huge block size */
		uint8_t		h9[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x04, 0x01, 0x00};

		CHECK(dbp64(h1, sizeof(h1), 1, o, &consumed) == PQ_ERR_CORRUPT);
		CHECK(dbp64(h2, sizeof(h2), 1, o, &consumed) == PQ_ERR_CORRUPT);
		CHECK(dbp64(h3, sizeof(h3), 1, o, &consumed) == PQ_ERR_CORRUPT);
		CHECK(dbp64(h4, sizeof(h4), 1, o, &consumed) == PQ_ERR_CORRUPT);
		CHECK(dbp64(h5, sizeof(h5), 1, o, &consumed) == PQ_ERR_CORRUPT);
		CHECK(dbp64(h6, sizeof(h6), 1, o, &consumed) == PQ_ERR_CORRUPT);
		CHECK(dbp64(h7, sizeof(h7), 1, o, &consumed) == PQ_ERR_CORRUPT);
		CHECK(dbp64(h8, sizeof(h8), 1, o, &consumed) == PQ_OK);
		CHECK(o[0] == INT64_MIN);
		CHECK(dbp64(h9, sizeof(h9), 1, o, &consumed) == PQ_ERR_CORRUPT);
	}

	/* huge counts: the header claims 2^32 + 5 values, or n is huge */
	{
		uint8_t		h[] = {0x80, 0x01, 0x04, 0x85, 0x80, 0x80, 0x80, 0x10, 0x00};
		uint8_t		h2[] = {0x80, 0x01, 0x04, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};

		CHECK(dbp64(h, sizeof(h), 5, o, &consumed) == PQ_ERR_CORRUPT);
		/* n = UINT32_MAX matches the header; blocks missing -> corrupt, no write past o[0] */
		CHECK(dbp64(h2, sizeof(h2), UINT32_MAX, o, &consumed) == PQ_ERR_CORRUPT);
	}

	/* n = 0 */
	{
		uint8_t		h[] = {0x80, 0x01, 0x04, 0x00, 0x00};

		CHECK(dbp64(NULL, 0, 0, o, &consumed) == PQ_OK && consumed == 0);
		CHECK(dbp64(h, sizeof(h), 0, o, &consumed) == PQ_OK && consumed == sizeof(h));
		CHECK(dbp32(h, sizeof(h), 0, o32, &consumed) == PQ_OK && consumed == sizeof(h));
		CHECK(dbp64(h, 3, 0, o, &consumed) == PQ_ERR_CORRUPT);
	}
}

/* ---------------------------------------------------------------------
 * DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY
 * ---------------------------------------------------------------------
 */
static void
test_dlba(void)
{
	/* Encodings.md: "Hello", "World", "Foobar", "ABCDEF" */
	static const char *words[] = {"Hello", "World", "Foobar", "ABCDEF"};
	const uint8_t *vals[4];
	uint32_t	lens[4];
	DbpEncodeOptions opt = {128, 4, true, false};
	TestBuf		b;
	PqBytes		out[4];
	size_t		consumed;
	PqError		err;
	uint8_t    *copy;

	for (int i = 0; i < 4; i++)
	{
		vals[i] = (const uint8_t *) words[i];
		lens[i] = (uint32_t) strlen(words[i]);
	}
	test_buf_init(&b);
	test_encode_dlba(&b, vals, lens, 4, &opt);
	/* the data section is the concatenation */
	CHECK(b.len > 22 && memcmp(b.data + b.len - 22, "HelloWorldFoobarABCDEF", 22) == 0);
	copy = test_exact_copy(b.data, b.len);
	CHECK(PqDecodeDeltaLengthByteArray(copy, b.len, 4, out, &consumed, &err) == PQ_OK);
	CHECK(consumed == b.len);
	for (int i = 0; i < 4; i++)
		CHECK(out[i].len == lens[i] && memcmp(out[i].ptr, words[i], lens[i]) == 0);
	/* every out ptr points into the buffer */
	CHECK(out[0].ptr >= copy && out[3].ptr + out[3].len == copy + b.len);

	/* every truncation fails */
	for (size_t cut = 0; cut < b.len; cut++)
	{
		uint8_t    *c = test_exact_copy(b.data, cut);

		CHECK_MSG(PqDecodeDeltaLengthByteArray(c, cut, 4, out, &consumed, &err) == PQ_ERR_CORRUPT,
				  "cut %zu", cut);
		free(c);
	}
	free(copy);
	test_buf_free(&b);

	/* a negative length */
	{
		int64_t		l[3] = {3, -1, 2};

		test_buf_init(&b);
		test_encode_dbp(&b, l, 3, &opt);
		test_buf_put(&b, "abcdefgh", 8);
		CHECK(PqDecodeDeltaLengthByteArray(b.data, b.len, 3, out, &consumed, &err) == PQ_ERR_CORRUPT);
		test_buf_free(&b);
	}
	/* lengths that wrap a 32-bit sum: 3 x 2^31-1 */
	{
		int64_t		l[3] = {INT32_MAX, INT32_MAX, INT32_MAX};

		test_buf_init(&b);
		test_encode_dbp(&b, l, 3, &opt);
		test_buf_put(&b, "abcdefgh", 8);
		CHECK(PqDecodeDeltaLengthByteArray(b.data, b.len, 3, out, &consumed, &err) == PQ_ERR_CORRUPT);
		test_buf_free(&b);
	}
	/* empty strings only, and n = 0 */
	{
		int64_t		l[3] = {0, 0, 0};

		test_buf_init(&b);
		test_encode_dbp(&b, l, 3, &opt);
		CHECK(PqDecodeDeltaLengthByteArray(b.data, b.len, 3, out, &consumed, &err) == PQ_OK);
		CHECK(consumed == b.len && out[0].len == 0 && out[2].len == 0);
		CHECK(PqDecodeDeltaLengthByteArray(NULL, 0, 0, out, &consumed, &err) == PQ_OK);
		test_buf_free(&b);
	}
}

static void
check_dba(const uint8_t *const *vals, const uint32_t *lens, uint32_t n,
		  const DbpEncodeOptions *opt, const char *label)
{
	TestBuf		b;
	TestAllocStats stats;
	PqAllocator a = test_allocator(&stats);
	PqBytes    *out = malloc(sizeof(PqBytes) * (n + 1));
	uint8_t    *arena = NULL;
	size_t		consumed = 0;
	PqError		err;
	PqStatus	st;
	uint8_t    *copy;
	bool		ok = true;

	test_buf_init(&b);
	test_encode_dba(&b, vals, lens, n, opt);
	copy = test_exact_copy(b.data, b.len);
	st = PqDecodeDeltaByteArray(copy, b.len, n, out, &a, &arena, &consumed, &err);
	CHECK_MSG(st == PQ_OK, "%s: %s %s", label, test_status_name(st), err.message);
	if (st == PQ_OK)
	{
		CHECK(consumed == b.len);
		CHECK(n == 0 ? arena == NULL : arena != NULL);
		for (uint32_t i = 0; i < n; i++)
			if (out[i].len != lens[i] || (lens[i] > 0 && memcmp(out[i].ptr, vals[i], lens[i]) != 0))
			{
				ok = false;
				fprintf(stderr, "%s: value %u differs\n", label, i);
				break;
			}
		CHECK(ok);
	}
	/* values must survive the page buffer (they live in the arena) */
	memset(copy, 0xEE, b.len);
	if (st == PQ_OK)
		for (uint32_t i = 0; i < n; i++)
			if (out[i].len != lens[i] || (lens[i] > 0 && memcmp(out[i].ptr, vals[i], lens[i]) != 0))
			{
				CHECK_MSG(false, "%s: value %u points into the page buffer", label, i);
				break;
			}
	a.free(a.ctx, arena);
	CHECK_MSG(stats.live == 0, "%s: %ld blocks leaked", label, stats.live);
	free(copy);

	/* each truncation fails and frees what it took */
	if (n > 0 && n < 64)
		for (size_t cut = 0; cut < b.len; cut++)
		{
			uint8_t    *c = test_exact_copy(b.data, cut);

			arena = NULL;
			st = PqDecodeDeltaByteArray(c, cut, n, out, &a, &arena, &consumed, &err);
			CHECK_MSG(st == PQ_ERR_CORRUPT, "%s: cut %zu: %s", label, cut, test_status_name(st));
			CHECK(arena == NULL);
			free(c);
		}
	CHECK_MSG(stats.live == 0, "%s: %ld blocks leaked after truncations", label, stats.live);
	free(out);
	test_buf_free(&b);
}

static void
test_dba(void)
{
	/* Encodings.md example: prefixes 0 2 0 3, suffixes axis le babble yhood */
	static const char *words[] = {"axis", "axle", "babble", "babyhood"};
	const uint8_t *vals[4];
	uint32_t	lens[4];
	DbpEncodeOptions opt = {128, 4, true, false};
	TestRng		rng;

	for (int i = 0; i < 4; i++)
	{
		vals[i] = (const uint8_t *) words[i];
		lens[i] = (uint32_t) strlen(words[i]);
	}
	/* the test encoder reproduces the spec's prefix/suffix split */
	{
		TestBuf		b;
		uint8_t		pre_bytes[64];
		TestBuf		expect;
		static const char *sfx[] = {"axis", "le", "babble", "yhood"};
		const uint8_t *sv[4];
		uint32_t	sl[4];
		int64_t		pre[4] = {0, 2, 0, 3};

		(void) pre_bytes;
		test_buf_init(&b);
		test_buf_init(&expect);
		test_encode_dba(&b, vals, lens, 4, &opt);
		test_encode_dbp(&expect, pre, 4, &opt);
		for (int i = 0; i < 4; i++)
		{
			sv[i] = (const uint8_t *) sfx[i];
			sl[i] = (uint32_t) strlen(sfx[i]);
		}
		test_encode_dlba(&expect, sv, sl, 4, &opt);
		CHECK(b.len == expect.len && memcmp(b.data, expect.data, b.len) == 0);
		test_buf_free(&b);
		test_buf_free(&expect);
	}
	check_dba(vals, lens, 4, &opt, "spec example");
	check_dba(vals, lens, 0, &opt, "n=0");

	/* sorted random strings with long shared prefixes, empties, repeats */
	test_rng_seed(&rng, 99);
	for (int round = 0; round < 40; round++)
	{
		uint32_t	n = (uint32_t) (test_rng_next(&rng) % 700) + 1;
		uint8_t   **v = malloc(sizeof(uint8_t *) * n);
		uint32_t   *l = malloc(sizeof(uint32_t) * n);
		char		label[64];

		for (uint32_t i = 0; i < n; i++)
		{
			uint64_t	r = test_rng_next(&rng);
			uint32_t	len = (uint32_t) (r % 40);

			if (i > 0 && r % 5 == 0)
			{
				/* repeat or shorten the previous value */
				len = (uint32_t) (r % 3 == 0 ? l[i - 1] : (l[i - 1] > 0 ? l[i - 1] - 1 : 0));
				v[i] = malloc(len + 1);
				memcpy(v[i], v[i - 1], len);
			}
			else
			{
				v[i] = malloc(len + 1);
				if (i > 0)
				{
					uint32_t	keep = (uint32_t) ((r >> 8) % (l[i - 1] + 1));

					if (keep > len)
						keep = len;
					memcpy(v[i], v[i - 1], keep);
					for (uint32_t k = keep; k < len; k++)
						v[i][k] = (uint8_t) (test_rng_next(&rng) >> 56);
				}
				else
					for (uint32_t k = 0; k < len; k++)
						v[i][k] = (uint8_t) (test_rng_next(&rng) >> 56);
			}
			l[i] = len;
		}
		snprintf(label, sizeof(label), "random round %d (n=%u)", round, n);
		check_dba((const uint8_t *const *) v, l, n, &layouts[round % NLAYOUTS], label);
		for (uint32_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		free(l);
	}

	/* a prefix longer than the previous value, and a first value with a prefix */
	{
		int64_t		pre_bad1[3] = {0, 5, 0};
		int64_t		pre_bad2[2] = {1, 0};
		int64_t		pre_neg[2] = {0, -3};
		int64_t		suf_len[3] = {3, 1, 1};
		struct
		{
			int64_t    *pre;
			uint32_t	n;
		}			cases[] = {{pre_bad1, 3}, {pre_bad2, 2}, {pre_neg, 2}};

		for (int c = 0; c < 3; c++)
		{
			TestBuf		b;
			TestAllocStats stats;
			PqAllocator a = test_allocator(&stats);
			PqBytes		out[3];
			uint8_t    *arena = NULL;
			size_t		consumed;
			PqError		err;

			test_buf_init(&b);
			test_encode_dbp(&b, cases[c].pre, cases[c].n, &opt);
			test_encode_dbp(&b, suf_len, cases[c].n, &opt);
			test_buf_put(&b, "abcde", 5);
			CHECK_MSG(PqDecodeDeltaByteArray(b.data, b.len, cases[c].n, out, &a, &arena,
											 &consumed, &err) == PQ_ERR_CORRUPT, "bad prefix case %d", c);
			CHECK(arena == NULL && stats.live == 0);
			test_buf_free(&b);
		}
	}

	/* a memory bomb: each value repeats all of the previous one plus 1 byte */
	{
		uint32_t	n = 200000;
		int64_t    *pre = malloc(sizeof(int64_t) * n);
		int64_t    *sl = malloc(sizeof(int64_t) * n);
		TestBuf		b;
		TestAllocStats stats;
		PqAllocator a = test_allocator(&stats);
		PqBytes    *out = malloc(sizeof(PqBytes) * n);
		uint8_t    *arena = NULL;
		size_t		consumed;
		PqError		err;
		PqStatus	st;

		for (uint32_t i = 0; i < n; i++)
		{
			pre[i] = i;
			sl[i] = 1;
		}
		test_buf_init(&b);
		test_encode_dbp(&b, pre, n, &opt);
		test_encode_dbp(&b, sl, n, &opt);
		for (uint32_t i = 0; i < n; i++)
			test_buf_byte(&b, 'x');
		st = PqDecodeDeltaByteArray(b.data, b.len, n, out, &a, &arena, &consumed, &err);
		CHECK_MSG(st == PQ_ERR_LIMIT, "bomb: %s", test_status_name(st));
		CHECK(arena == NULL && stats.live == 0);

		/* allocation failure: the prefix array, then the arena */
		for (long fail = 0; fail < 2; fail++)
		{
			int64_t		small_pre[3] = {0, 1, 2};
			int64_t		small_sl[3] = {1, 1, 1};
			TestBuf		s;

			test_buf_init(&s);
			test_encode_dbp(&s, small_pre, 3, &opt);
			test_encode_dbp(&s, small_sl, 3, &opt);
			test_buf_put(&s, "abc", 3);
			a = test_allocator(&stats);
			stats.fail_after = fail;
			st = PqDecodeDeltaByteArray(s.data, s.len, 3, out, &a, &arena, &consumed, &err);
			CHECK_MSG(st == PQ_ERR_NOMEM, "fail_after %ld: %s", fail, test_status_name(st));
			CHECK(arena == NULL && stats.live == 0);
			/* and it works with enough memory */
			a = test_allocator(&stats);
			st = PqDecodeDeltaByteArray(s.data, s.len, 3, out, &a, &arena, &consumed, &err);
			CHECK(st == PQ_OK && out[2].len == 3 && memcmp(out[2].ptr, "abc", 3) == 0);
			a.free(a.ctx, arena);
			CHECK(stats.live == 0);
			test_buf_free(&s);
		}
		free(pre);
		free(sl);
		free(out);
		test_buf_free(&b);
	}
}

/* ---------------------------------------------------------------------
 * BYTE_STREAM_SPLIT
 * ---------------------------------------------------------------------
 */
static void
test_bss(void)
{
	static const uint32_t widths[] = {1, 2, 3, 4, 5, 8, 12, 16, 17};
	static const uint32_t counts[] = {0, 1, 2, 7, 100, 1001};
	TestRng		rng;
	PqError		err;
	size_t		consumed;

	/* a known vector: floats 1.0f and -2.0f */
	{
		float		f[2] = {1.0f, -2.0f};
		uint8_t		enc[8];
		float		out[2];
		const uint8_t *fb = (const uint8_t *) f;

		for (int k = 0; k < 4; k++)
			for (int i = 0; i < 2; i++)
				enc[k * 2 + i] = fb[i * 4 + k];
		/* 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0 (little-endian) */
		CHECK(enc[4] == 0x80 && enc[5] == 0x00 && enc[6] == 0x3f && enc[7] == 0xc0);
		CHECK(PqDecodeByteStreamSplit(enc, 8, 2, 4, out, &consumed, &err) == PQ_OK);
		CHECK(out[0] == 1.0f && out[1] == -2.0f && consumed == 8);
	}

	test_rng_seed(&rng, 5);
	for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++)
		for (size_t ci = 0; ci < sizeof(counts) / sizeof(counts[0]); ci++)
		{
			uint32_t	w = widths[wi];
			uint32_t	n = counts[ci];
			size_t		sz = (size_t) w * n;
			uint8_t    *vals = malloc(sz + 1);
			uint8_t    *out = malloc(sz + 1);
			TestBuf		b;
			uint8_t    *copy;

			for (size_t i = 0; i < sz; i++)
				vals[i] = (uint8_t) test_rng_next(&rng);
			test_buf_init(&b);
			test_encode_bss(&b, vals, n, w);
			test_buf_put(&b, "zz", 2);	/* trailing bytes not consumed */
			copy = test_exact_copy(b.data, b.len);
			CHECK(PqDecodeByteStreamSplit(copy, b.len, n, w, out, &consumed, &err) == PQ_OK);
			CHECK(consumed == sz);
			CHECK(sz == 0 || memcmp(out, vals, sz) == 0);
			free(copy);
			if (sz > 0)
			{
				copy = test_exact_copy(b.data, sz - 1);
				CHECK(PqDecodeByteStreamSplit(copy, sz - 1, n, w, out, &consumed, &err) == PQ_ERR_CORRUPT);
				free(copy);
			}
			test_buf_free(&b);
			free(vals);
			free(out);
		}

	/* width 0; n * width beyond any buffer */
	{
		uint8_t		buf[16] = {0};
		uint8_t		out[16];

		CHECK(PqDecodeByteStreamSplit(buf, 16, 2, 0, out, &consumed, &err) == PQ_ERR_CORRUPT);
		CHECK(PqDecodeByteStreamSplit(buf, 16, UINT32_MAX, UINT32_MAX, out, &consumed, &err) == PQ_ERR_CORRUPT);
		CHECK(PqDecodeByteStreamSplit(buf, 16, 0x40000001, 4, out, &consumed, &err) == PQ_ERR_CORRUPT);
	}
}

int
main(void)
{
	test_dbp_spec_examples();
	test_dbp_roundtrip();
	test_dbp_widths();
	test_dbp_malformed();
	test_dlba();
	test_dba();
	test_bss();
	return test_report("test_foreign");
}
