/*-------------------------------------------------------------------------
 * fuzz_codec.c
 *	  libFuzzer target for the page decompressors (pq_codec.c).
 *
 * Input: byte 0 picks the codec (UNCOMPRESSED, SNAPPY, GZIP, ZSTD,
 * LZ4_RAW, or the raw byte as a codec number), bytes 1..3 the expected
 * length (up to 1 MiB), the rest is the compressed page.  The output
 * buffer is exactly expected_len bytes (ASan catches any write past it).
 * On success the output must survive a compress/decompress round trip
 * through the same codec unchanged.  The prefix decompressor (what ReadRows
 * uses) must agree: a prefix it returns is the one-shot output's, and the
 * whole page succeeds exactly when the one-shot decompression does.  So
 * must its range requests (frame mode: a zstd page of independent frames):
 * the high nibble of byte 3 places a range [lo, hi) ending at the prefix
 * length; the bytes it marks valid are the one-shot output's, and a second
 * range (the low nibble of byte 0 ... of byte 1's) as well; then the whole
 * page gets the one-shot verdict.
 *-------------------------------------------------------------------------
 */
#include "format/parquet/pq_codec.h"
#include "fuzz_util.h"

static const int codec_of[] = {
	PQ_CODEC_UNCOMPRESSED, PQ_CODEC_SNAPPY, PQ_CODEC_GZIP, PQ_CODEC_ZSTD,
	PQ_CODEC_LZ4_RAW, -1
};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int			codec;
	size_t		expected;
	const uint8_t *src;
	size_t		srclen;
	uint8_t    *dst;
	PqError		err;
	PqStatus	st;

	if (size < 4)
		return 0;
	codec = codec_of[data[0] % 6];
	if (codec < 0)
		codec = data[0];
	expected = ((size_t) data[1] | ((size_t) data[2] << 8) | ((size_t) data[3] << 16)) & 0xFFFFF;
	src = data + 4;
	srclen = size - 4;

	dst = malloc(expected > 0 ? expected : 1);
	memset(&err, 0, sizeof(err));
	st = PqCodecDecompress(codec, src, srclen, dst, expected, &err);
	fuzz_check_error(st, &err);
	FUZZ_ASSERT(st == PQ_OK || st == PQ_ERR_CORRUPT || st == PQ_ERR_UNSUPPORTED ||
				st == PQ_ERR_LIMIT || st == PQ_ERR_NOMEM);
	FUZZ_ASSERT(PqCodecSupported(codec) || st == PQ_ERR_UNSUPPORTED);

	{
		PqCodecPrefix pp;
		uint8_t    *pdst = malloc(expected > 0 ? expected : 1);
		size_t		want = expected * (data[0] / 6 % 5) / 4;
		PqError		perr;
		PqStatus	pst;

		memset(&perr, 0, sizeof(perr));
		pst = PqCodecPrefixBegin(&pp, codec, src, srclen, pdst, expected, &perr);
		if (pst == PQ_OK)
			pst = PqCodecPrefixExtend(&pp, want, &perr);
		if (pst == PQ_OK)
		{
			FUZZ_ASSERT(pp.valid >= want && pp.valid <= expected);
			FUZZ_ASSERT(st != PQ_OK || memcmp(pdst, dst, pp.valid) == 0);
			pst = PqCodecPrefixExtend(&pp, expected, &perr);
		}
		fuzz_check_error(pst, &perr);
		FUZZ_ASSERT((pst == PQ_OK) == (st == PQ_OK));
		if (pst == PQ_OK)
			FUZZ_ASSERT(pp.complete && pp.valid == expected &&
						(expected == 0 || memcmp(pdst, dst, expected) == 0));

		/* ranges */
		{
			size_t		lo = want * (data[3] >> 4) / 16;
			size_t		lo2 = expected * (data[1] & 15) / 16;
			size_t		hi2 = lo2 + expected * (data[2] & 7) / 8 + 1;

			memset(&perr, 0, sizeof(perr));
			pst = PqCodecPrefixBegin(&pp, codec, src, srclen, pdst, expected, &perr);
			if (pst == PQ_OK)
				pst = PqCodecPrefixRange(&pp, lo, want, &perr);
			if (pst == PQ_OK)
			{
				FUZZ_ASSERT(pp.valid_lo <= pp.valid && pp.valid <= expected);
				FUZZ_ASSERT(lo >= want || (pp.valid_lo <= lo && pp.valid >= want));
				FUZZ_ASSERT(st != PQ_OK ||
							memcmp(pdst + pp.valid_lo, dst + pp.valid_lo,
								   pp.valid - pp.valid_lo) == 0);
				pst = PqCodecPrefixRange(&pp, lo2, hi2, &perr);
			}
			if (pst == PQ_OK)
			{
				size_t		h = hi2 < expected ? hi2 : expected;

				FUZZ_ASSERT(lo2 >= h || (pp.valid_lo <= lo2 && pp.valid >= h));
				FUZZ_ASSERT(st != PQ_OK ||
							memcmp(pdst + pp.valid_lo, dst + pp.valid_lo,
								   pp.valid - pp.valid_lo) == 0);
				pst = PqCodecPrefixRange(&pp, 0, expected, &perr);
			}
			fuzz_check_error(pst, &perr);
			FUZZ_ASSERT((pst == PQ_OK) == (st == PQ_OK));
			if (pst == PQ_OK)
				FUZZ_ASSERT(pp.complete && pp.valid_lo == 0 && pp.valid == expected &&
							(expected == 0 || memcmp(pdst, dst, expected) == 0));
		}
		free(pdst);
	}

	if (st == PQ_OK)
	{
		size_t		bound = PqCodecCompressBound((PqCodec) codec, expected);
		uint8_t    *comp = malloc(bound > 0 ? bound : 1);
		uint8_t    *back = malloc(expected > 0 ? expected : 1);
		size_t		clen = 0;

		FUZZ_ASSERT(PqCodecCompress((PqCodec) codec, 0, dst, expected, comp, bound,
									&clen, &err) == PQ_OK);
		FUZZ_ASSERT(clen <= bound);
		FUZZ_ASSERT(PqCodecDecompress(codec, comp, clen, back, expected, &err) == PQ_OK);
		FUZZ_ASSERT(expected == 0 || memcmp(dst, back, expected) == 0);
		free(comp);
		free(back);
	}
	free(dst);
	return 0;
}
