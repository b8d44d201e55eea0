/*-------------------------------------------------------------------------
 * gen_seeds.c
 *	  Writes the seed corpora of fuzz_codec and fuzz_foreign: valid pages
 *	  of each codec (via pq_codec.c) and valid value sections of each
 *	  foreign encoding (via the test encoders), in the targets' input
 *	  layout.  Deterministic; the output is committed under
 *	  test/fuzz/corpus/.  Usage: gen_seeds CORPUS_DIR
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/parquet/pq_codec.h"
#include "test_encoders.h"

static void
write_file(const char *dir, const char *name, const uint8_t *hdr, size_t hlen,
		   const uint8_t *body, size_t blen)
{
	char		path[1024];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(hdr, 1, hlen, f) != hlen ||
		(blen > 0 && fwrite(body, 1, blen, f) != blen) || fclose(f) != 0)
	{
		perror(path);
		exit(1);
	}
}

static void
codec_seeds(const char *dir)
{
	/* selector byte as fuzz_codec maps it */
	static const struct
	{
		uint8_t		sel;
		PqCodec		codec;
		const char *name;
	}			codecs[] = {
		{0, PQ_CODEC_UNCOMPRESSED, "uncompressed"}, {1, PQ_CODEC_SNAPPY, "snappy"},
		{2, PQ_CODEC_GZIP, "gzip"}, {3, PQ_CODEC_ZSTD, "zstd"}, {4, PQ_CODEC_LZ4_RAW, "lz4_raw"},
	};
	uint8_t		src[8000];
	uint64_t	s = 42;

	for (int kind = 0; kind < 3; kind++)
	{
		size_t		n = kind == 0 ? 40 : (kind == 1 ? 3000 : 700);

		for (size_t i = 0; i < n; i++)
		{
			s = s * 6364136223846793005ULL + 1442695040888963407ULL;
			src[i] = kind == 0 ? (uint8_t) "parquet lake "[i % 13] :
				kind == 1 ? (uint8_t) ((i % 8 == 0) ? (s >> 60) : 0) : (uint8_t) (s >> 56);
		}
		for (size_t c = 0; c < sizeof(codecs) / sizeof(codecs[0]); c++)
		{
			size_t		bound = PqCodecCompressBound(codecs[c].codec, n);
			uint8_t    *dst = malloc(bound);
			size_t		clen;
			PqError		err;
			uint8_t		hdr[4] = {codecs[c].sel, (uint8_t) n, (uint8_t) (n >> 8), (uint8_t) (n >> 16)};
			char		name[64];

			if (PqCodecCompress(codecs[c].codec, 0, src, n, dst, bound, &clen, &err) != PQ_OK)
			{
				fprintf(stderr, "%s\n", err.message);
				exit(1);
			}
			snprintf(name, sizeof(name), "%s-%d", codecs[c].name, kind);
			write_file(dir, name, hdr, 4, dst, clen);
			free(dst);
		}
	}

	/*
	 * A zstd page of 1000 int64 as the writer cuts it (4 frames) and as it
	 * did before (one frame of 4 blocks); selector 15: zstd, prefix of half
	 * the page; byte 3's high nibble 8: a range from a quarter of the page.
	 */
	for (int one = 0; one < 2; one++)
	{
		size_t		n = 8000;
		size_t		bound = PqCodecCompressBound(PQ_CODEC_ZSTD, n);
		uint8_t    *dst = malloc(bound);
		size_t		clen;
		PqError		err;
		uint8_t		hdr[4] = {15, (uint8_t) n, (uint8_t) (n >> 8), (uint8_t) (0x80 | (n >> 16))};

		for (size_t i = 0; i < n / 8; i++)
		{
			int64_t		v = (int64_t) i * 7919 % 10007;

			memcpy(src + i * 8, &v, 8);
		}
		PqCodecZstdOneFrame(one == 1);
		if (PqCodecCompress(PQ_CODEC_ZSTD, 0, src, n, dst, bound, &clen, &err) != PQ_OK)
		{
			fprintf(stderr, "%s\n", err.message);
			exit(1);
		}
		PqCodecZstdOneFrame(false);
		write_file(dir, one ? "zstd-one-frame-of-blocks" : "zstd-frames", hdr, 4, dst, clen);
		free(dst);
	}
}

static void
foreign_seeds(const char *dir)
{
	DbpEncodeOptions opt = {128, 4, false, false};
	int64_t		v[300];
	TestBuf		b;
	uint64_t	s = 7;
	const char *words[] = {"axis", "axle", "babble", "babyhood", "baby", "", "lake", "lakehouse"};
	const uint8_t *wv[8];
	uint32_t	wl[8];

	for (int i = 0; i < 300; i++)
	{
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		v[i] = (i % 3 == 0) ? (int64_t) s : (int64_t) (i * 10 + (s >> 60));
	}
	for (int i = 0; i < 8; i++)
	{
		wv[i] = (const uint8_t *) words[i];
		wl[i] = (uint32_t) strlen(words[i]);
	}

	/* DELTA_BINARY_PACKED 32 and 64 */
	{
		int64_t		v32[300];
		uint8_t		hdr[4] = {0, 44, 1, 0};	/* n = 300 */

		for (int i = 0; i < 300; i++)
			v32[i] = (int32_t) v[i];
		opt.arith32 = true;
		test_buf_init(&b);
		test_encode_dbp(&b, v32, 300, &opt);
		write_file(dir, "dbp32", hdr, 4, b.data, b.len);
		test_buf_free(&b);

		opt.arith32 = false;
		hdr[0] = 1;
		test_buf_init(&b);
		test_encode_dbp(&b, v, 300, &opt);
		write_file(dir, "dbp64", hdr, 4, b.data, b.len);
		test_buf_free(&b);

		/* a layout with 8 miniblocks of 32 in 256-value blocks */
		opt.block_size = 256;
		opt.miniblocks = 8;
		hdr[1] = 100;
		hdr[2] = 0;
		test_buf_init(&b);
		test_encode_dbp(&b, v, 100, &opt);
		write_file(dir, "dbp64-256x8", hdr, 4, b.data, b.len);
		test_buf_free(&b);
		opt.block_size = 128;
		opt.miniblocks = 4;
	}
	/* DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY */
	{
		uint8_t		hdr[4] = {2, 8, 0, 0};

		opt.arith32 = true;
		test_buf_init(&b);
		test_encode_dlba(&b, wv, wl, 8, &opt);
		write_file(dir, "dlba", hdr, 4, b.data, b.len);
		test_buf_free(&b);

		hdr[0] = 3;
		test_buf_init(&b);
		test_encode_dba(&b, wv, wl, 8, &opt);
		write_file(dir, "dba", hdr, 4, b.data, b.len);
		test_buf_free(&b);
	}
	/* BYTE_STREAM_SPLIT of doubles and of 16-byte values */
	{
		double		d[16];
		uint8_t		hdr[4] = {4, 16, 0, 8};

		for (int i = 0; i < 16; i++)
			d[i] = i * 1.5 - 3;
		test_buf_init(&b);
		test_encode_bss(&b, (const uint8_t *) d, 16, 8);
		write_file(dir, "bss8", hdr, 4, b.data, b.len);
		test_buf_free(&b);
		hdr[1] = 8;
		hdr[3] = 16;
		test_buf_init(&b);
		test_encode_bss(&b, (const uint8_t *) d, 8, 16);
		write_file(dir, "bss16", hdr, 4, b.data, b.len);
		test_buf_free(&b);
	}
}

int
main(int argc, char **argv)
{
	char		dir[1024];

	if (argc != 2)
	{
		fprintf(stderr, "usage: gen_seeds CORPUS_DIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/fuzz_codec", argv[1]);
	mkdir(dir, 0755);
	codec_seeds(dir);
	snprintf(dir, sizeof(dir), "%s/fuzz_foreign", argv[1]);
	mkdir(dir, 0755);
	foreign_seeds(dir);
	return 0;
}
