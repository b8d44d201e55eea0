/*-------------------------------------------------------------------------
 * test_codec.c
 *	  Unit tests of the page codecs (pq_codec.c): hand-made known frames of
 *	  each format, round trips over several kinds of data and levels,
 *	  exact-length enforcement (one byte short or long is corrupt), output
 *	  bounded by expected_len (exact-size heap blocks for ASan, canaries
 *	  for plain builds), truncation at every byte and random corruption,
 *	  concatenated members/frames and unsupported codecs.
 *-------------------------------------------------------------------------
 */
#include "format/parquet/pq_codec.h"
#include "test_util.h"

static const PqCodec codecs[] = {
	PQ_CODEC_UNCOMPRESSED, PQ_CODEC_ZSTD, PQ_CODEC_LZ4_RAW, PQ_CODEC_SNAPPY, PQ_CODEC_GZIP
};
#define NCODECS (sizeof(codecs) / sizeof(codecs[0]))

static const char *
cname(int c)
{
	switch (c)
	{
		case PQ_CODEC_UNCOMPRESSED:
			return "uncompressed";
		case PQ_CODEC_ZSTD:
			return "zstd";
		case PQ_CODEC_LZ4_RAW:
			return "lz4_raw";
		case PQ_CODEC_SNAPPY:
			return "snappy";
		case PQ_CODEC_GZIP:
			return "gzip";
	}
	return "?";
}

#define CANARY 16

/*
 * Decompress from an exact copy of src into an exact-size block followed
 * (in a separate check) by canary bytes; returns the status and, on
 * success, compares with want when given.
 */
static PqStatus
decompress_checked(int codec, const uint8_t *src, size_t srclen,
				   size_t expected_len, const uint8_t *want)
{
	uint8_t    *in = test_exact_copy(src, srclen);
	uint8_t    *out = malloc(expected_len + CANARY);
	PqError		err;
	PqStatus	st;

	memset(&err, 0, sizeof(err));
	memset(out, 0xA5, expected_len + CANARY);
	st = PqCodecDecompress(codec, in, srclen, out, expected_len, &err);
	for (int i = 0; i < CANARY; i++)
		if (out[expected_len + i] != 0xA5)
		{
			CHECK_MSG(false, "%s wrote past expected_len %zu", cname(codec), expected_len);
			break;
		}
	if (st == PQ_OK && want != NULL)
		CHECK_MSG(expected_len == 0 || memcmp(out, want, expected_len) == 0,
				  "%s: wrong bytes", cname(codec));
	if (st != PQ_OK)
		CHECK_MSG(err.status == st && err.message[0] != '\0', "%s: error without message",
				  cname(codec));
	free(in);
	free(out);

	/* the same through an exact-size output block (ASan catches overflow) */
	{
		uint8_t    *in2 = test_exact_copy(src, srclen);
		uint8_t    *out2 = malloc(expected_len > 0 ? expected_len : 1);
		PqStatus	st2 = PqCodecDecompress(codec, in2, srclen, out2, expected_len, &err);

		CHECK_MSG(st2 == st, "%s: status not deterministic", cname(codec));
		free(in2);
		free(out2);
	}
	return st;
}

static void
test_known_frames(void)
{
	static const uint8_t abc[] = "abc";

	/* zstd: frame header single-segment, content size 3, one raw block */
	static const uint8_t zstd_abc[] = {0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x03, 0x19, 0x00, 0x00,
	'a', 'b', 'c'};

	/* lz4 raw block: token 0x30 = 3 literals, no match */
	static const uint8_t lz4_abc[] = {0x30, 'a', 'b', 'c'};

	/* snappy: varint length 3, literal tag (3 - 1) << 2 */
	static const uint8_t snappy_abc[] = {0x03, 0x08, 'a', 'b', 'c'};

	/* gzip member holding one stored deflate block, CRC32 352441c2, size 3 */
	static const uint8_t gzip_abc[] = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff,
		0x01, 0x03, 0x00, 0xfc, 0xff, 'a', 'b', 'c',
	0xc2, 0x41, 0x24, 0x35, 0x03, 0x00, 0x00, 0x00};

	/* the same as a zlib stream (adler32 024d0127), accepted on input */
	static const uint8_t zlib_abc[] = {0x78, 0x01, 0x01, 0x03, 0x00, 0xfc, 0xff, 'a', 'b', 'c',
	0x02, 0x4d, 0x01, 0x27};

	CHECK(decompress_checked(PQ_CODEC_ZSTD, zstd_abc, sizeof(zstd_abc), 3, abc) == PQ_OK);
	CHECK(decompress_checked(PQ_CODEC_LZ4_RAW, lz4_abc, sizeof(lz4_abc), 3, abc) == PQ_OK);
	CHECK(decompress_checked(PQ_CODEC_SNAPPY, snappy_abc, sizeof(snappy_abc), 3, abc) == PQ_OK);
	CHECK(decompress_checked(PQ_CODEC_GZIP, gzip_abc, sizeof(gzip_abc), 3, abc) == PQ_OK);
	CHECK(decompress_checked(PQ_CODEC_GZIP, zlib_abc, sizeof(zlib_abc), 3, abc) == PQ_OK);
	CHECK(decompress_checked(PQ_CODEC_UNCOMPRESSED, abc, 3, 3, abc) == PQ_OK);

	/* wrong expected lengths */
	for (size_t exp = 0; exp <= 6; exp++)
	{
		if (exp == 3)
			continue;
		CHECK(decompress_checked(PQ_CODEC_ZSTD, zstd_abc, sizeof(zstd_abc), exp, NULL) == PQ_ERR_CORRUPT);
		CHECK(decompress_checked(PQ_CODEC_LZ4_RAW, lz4_abc, sizeof(lz4_abc), exp, NULL) == PQ_ERR_CORRUPT);
		CHECK(decompress_checked(PQ_CODEC_SNAPPY, snappy_abc, sizeof(snappy_abc), exp, NULL) == PQ_ERR_CORRUPT);
		CHECK(decompress_checked(PQ_CODEC_GZIP, gzip_abc, sizeof(gzip_abc), exp, NULL) == PQ_ERR_CORRUPT);
		CHECK(decompress_checked(PQ_CODEC_UNCOMPRESSED, abc, 3, exp, NULL) == PQ_ERR_CORRUPT);
	}

	/* a bad gzip CRC, a bad zstd magic */
	{
		uint8_t		g[sizeof(gzip_abc)];
		uint8_t		z[sizeof(zstd_abc)];

		memcpy(g, gzip_abc, sizeof(g));
		g[18] ^= 1;
		CHECK(decompress_checked(PQ_CODEC_GZIP, g, sizeof(g), 3, NULL) == PQ_ERR_CORRUPT);
		memcpy(z, zstd_abc, sizeof(z));
		z[0] = 0x29;
		CHECK(decompress_checked(PQ_CODEC_ZSTD, z, sizeof(z), 3, NULL) == PQ_ERR_CORRUPT);
	}

	/* two gzip members are one stream; trailing garbage is not */
	{
		uint8_t		two[2 * sizeof(gzip_abc)];
		uint8_t		junk[sizeof(gzip_abc) + 3];

		memcpy(two, gzip_abc, sizeof(gzip_abc));
		memcpy(two + sizeof(gzip_abc), gzip_abc, sizeof(gzip_abc));
		CHECK(decompress_checked(PQ_CODEC_GZIP, two, sizeof(two), 6,
								 (const uint8_t *) "abcabc") == PQ_OK);
		CHECK(decompress_checked(PQ_CODEC_GZIP, two, sizeof(two), 3, NULL) == PQ_ERR_CORRUPT);
		memcpy(junk, gzip_abc, sizeof(gzip_abc));
		memcpy(junk + sizeof(gzip_abc), "xyz", 3);
		CHECK(decompress_checked(PQ_CODEC_GZIP, junk, sizeof(junk), 3, NULL) == PQ_ERR_CORRUPT);
	}

	/* two zstd frames */
	{
		uint8_t		two[2 * sizeof(zstd_abc)];

		memcpy(two, zstd_abc, sizeof(zstd_abc));
		memcpy(two + sizeof(zstd_abc), zstd_abc, sizeof(zstd_abc));
		CHECK(decompress_checked(PQ_CODEC_ZSTD, two, sizeof(two), 6,
								 (const uint8_t *) "abcabc") == PQ_OK);
	}

	/* a snappy preamble claiming far more than the page: no allocation, error */
	{
		static const uint8_t s[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x08, 'a', 'b', 'c'};

		CHECK(decompress_checked(PQ_CODEC_SNAPPY, s, sizeof(s), 3, NULL) == PQ_ERR_CORRUPT);
	}

	/* an LZ4 match reaching before the start of the output */
	{
		static const uint8_t l[] = {0x14, 'a', 0x05, 0x00, 0x10, 'b'};

		CHECK(decompress_checked(PQ_CODEC_LZ4_RAW, l, sizeof(l), 10, NULL) == PQ_ERR_CORRUPT);
	}

	/* empty input, empty output */
	for (size_t c = 0; c < NCODECS; c++)
	{
		CHECK(decompress_checked(codecs[c], NULL, 0, 0, NULL) == PQ_OK);
		CHECK(decompress_checked(codecs[c], NULL, 0, 5, NULL) == PQ_ERR_CORRUPT);
	}
}

static void
fill(int kind, uint8_t *p, size_t n, TestRng *rng)
{
	static const char *words[] = {"lake", "parquet", "snapshot", "merge", "tree", "bloom",
	"filter", "ad_metrics", "2026-11-21", "clicks"};

	switch (kind)
	{
		case 0:					/* random */
			for (size_t i = 0; i < n; i++)
				p[i] = (uint8_t) (test_rng_next(rng) >> 56);
			break;
		case 1:					/* zeros */
			memset(p, 0, n);
			break;
		case 2:					/* text-like */
			for (size_t i = 0; i < n;)
			{
				const char *w = words[test_rng_next(rng) % 10];
				size_t		l = strlen(w);

				for (size_t k = 0; k < l && i < n; k++)
					p[i++] = (uint8_t) w[k];
				if (i < n)
					p[i++] = ' ';
			}
			break;
		default:				/* small little-endian integers */
			for (size_t i = 0; i < n; i++)
				p[i] = (i % 8 == 0) ? (uint8_t) (test_rng_next(rng) % 16) : 0;
			break;
	}
}

static void
test_roundtrip(void)
{
	static const size_t sizes[] = {0, 1, 2, 13, 100, 4096, 65536 + 7, 1 << 20};
	static const int levels[] = {0, 1, -3, 9};
	TestRng		rng;
	int			cases = 0;

	test_rng_seed(&rng, 3);
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
		for (int kind = 0; kind < 4; kind++)
			for (size_t c = 0; c < NCODECS; c++)
				for (size_t li = 0; li < sizeof(levels) / sizeof(levels[0]); li++)
				{
					size_t		n = sizes[si];
					uint8_t    *src = malloc(n + 1);
					size_t		bound = PqCodecCompressBound(codecs[c], n);
					uint8_t    *dst = malloc(bound + 1);
					size_t		clen = 0;
					PqError		err;
					PqStatus	st;

					if (li > 0 && n > 65536 + 7 && kind != 2)
					{
						free(src);
						free(dst);
						continue;	/* keep the run short */
					}
					fill(kind, src, n, &rng);
					CHECK(bound >= n || codecs[c] != PQ_CODEC_UNCOMPRESSED);
					st = PqCodecCompress(codecs[c], levels[li], src, n, dst, bound, &clen, &err);
					CHECK_MSG(st == PQ_OK, "%s compress %zu: %s", cname(codecs[c]), n, err.message);
					CHECK(clen <= bound);
					if (st == PQ_OK)
					{
						CHECK_MSG(decompress_checked(codecs[c], dst, clen, n, src) == PQ_OK,
								  "%s level %d size %zu kind %d", cname(codecs[c]), levels[li], n, kind);
						if (n > 0)
						{
							CHECK(decompress_checked(codecs[c], dst, clen, n - 1, NULL) == PQ_ERR_CORRUPT);
							CHECK(decompress_checked(codecs[c], dst, clen, n + 1, NULL) == PQ_ERR_CORRUPT);
						}
						/* compressible data really shrinks */
						if (kind == 1 && n >= 4096 && codecs[c] != PQ_CODEC_UNCOMPRESSED)
							CHECK_MSG(clen < n / 4, "%s: %zu zeros -> %zu", cname(codecs[c]), n, clen);
					}
					free(src);
					free(dst);
					cases++;
				}
	printf("  codec round trips: %d\n", cases);
}

static void
test_truncation_and_corruption(void)
{
	TestRng		rng;
	int			truncs = 0;
	int			flips = 0;

	test_rng_seed(&rng, 11);
	for (size_t c = 0; c < NCODECS; c++)
		for (int kind = 0; kind < 4; kind++)
		{
			size_t		n = 3000;
			uint8_t    *src = malloc(n);
			size_t		bound = PqCodecCompressBound(codecs[c], n);
			uint8_t    *dst = malloc(bound);
			size_t		clen;
			PqError		err;

			fill(kind, src, n, &rng);
			CHECK(PqCodecCompress(codecs[c], 0, src, n, dst, bound, &clen, &err) == PQ_OK);

			/* every truncation is an error */
			for (size_t cut = 0; cut < clen; cut++)
			{
				PqStatus	st = decompress_checked(codecs[c], dst, cut, n, NULL);

				CHECK_MSG(st == PQ_ERR_CORRUPT, "%s kind %d cut %zu/%zu: %s", cname(codecs[c]),
						  kind, cut, clen, test_status_name(st));
				truncs++;
			}

			/* random byte damage: never a crash or an overflow */
			for (int round = 0; round < 300; round++)
			{
				uint8_t    *bad = test_exact_copy(dst, clen);
				int			nflip = 1 + (int) (test_rng_next(&rng) % 4);
				size_t		exp = n;

				for (int f = 0; f < nflip && clen > 0; f++)
					bad[test_rng_next(&rng) % clen] ^= (uint8_t) (1 + test_rng_next(&rng) % 255);
				if (round % 3 == 0)
					exp = (size_t) (test_rng_next(&rng) % (2 * n + 1));
				(void) decompress_checked(codecs[c], bad, clen, exp, NULL);
				free(bad);
				flips++;
			}
			free(src);
			free(dst);
		}
	printf("  truncations rejected: %d, corrupted inputs survived: %d\n", truncs, flips);
}

static void
test_api(void)
{
	uint8_t		buf[64];
	uint8_t		out[64];
	size_t		clen;
	PqError		err;

	CHECK(PqCodecSupported(PQ_CODEC_UNCOMPRESSED));
	CHECK(PqCodecSupported(PQ_CODEC_SNAPPY));
	CHECK(PqCodecSupported(PQ_CODEC_GZIP));
	CHECK(PqCodecSupported(PQ_CODEC_ZSTD));
	CHECK(PqCodecSupported(PQ_CODEC_LZ4_RAW));
	CHECK(!PqCodecSupported(3));	/* LZO */
	CHECK(!PqCodecSupported(4));	/* BROTLI */
	CHECK(!PqCodecSupported(5));	/* LZ4 with Hadoop framing */
	CHECK(!PqCodecSupported(-1));
	CHECK(!PqCodecSupported(8));

	memset(buf, 'q', sizeof(buf));
	CHECK(PqCodecDecompress(4, buf, 10, out, 10, &err) == PQ_ERR_UNSUPPORTED);
	CHECK(err.status == PQ_ERR_UNSUPPORTED && strstr(err.message, "BROTLI") != NULL);
	CHECK(PqCodecDecompress(5, buf, 10, out, 10, &err) == PQ_ERR_UNSUPPORTED);
	CHECK(PqCodecCompress((PqCodec) 3, 0, buf, 10, out, 64, &clen, &err) == PQ_ERR_UNSUPPORTED);

	/* a capacity below the bound fails cleanly for every codec */
	for (size_t c = 0; c < NCODECS; c++)
	{
		uint8_t		rnd[64];
		uint8_t    *small = malloc(8);
		TestRng		rng;

		test_rng_seed(&rng, c + 1);
		for (int i = 0; i < 64; i++)
			rnd[i] = (uint8_t) test_rng_next(&rng);
		CHECK_MSG(PqCodecCompress(codecs[c], 0, rnd, 64, small, 8, &clen, &err) != PQ_OK,
				  "%s: 64 random bytes fit into 8?", cname(codecs[c]));
		free(small);
	}
}

int
main(void)
{
	test_known_frames();
	test_api();
	test_roundtrip();
	test_truncation_and_corruption();
	return test_report("test_codec");
}
