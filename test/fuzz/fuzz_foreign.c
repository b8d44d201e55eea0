/*-------------------------------------------------------------------------
 * fuzz_foreign.c
 *	  libFuzzer target for the foreign-encoding decoders
 *	  (pq_decode_foreign.c).
 *
 * Input: byte 0 picks the decoder (DELTA_BINARY_PACKED 32/64,
 * DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT), bytes 1..2
 * the value count n, byte 3 the BYTE_STREAM_SPLIT width, the rest is the
 * value section.  Properties: consumed never exceeds the input; decoded
 * byte arrays lie inside the input (or the arena); every byte they cover
 * is read (so ASan sees stray pointers); a decoded DELTA_BINARY_PACKED
 * sequence re-encoded by the test encoder decodes to the same values; the
 * arena is the only allocation left behind.
 *-------------------------------------------------------------------------
 */
#include "format/parquet/pq_decode_foreign.h"
#include "fuzz_util.h"
#include "test_encoders.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint32_t sink;

static void
touch(const PqBytes *v, uint32_t n)
{
	uint32_t	h = 0;

	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < v[i].len; k++)
			h = h * 31 + v[i].ptr[k];
	sink = h;
}

static void
check_reencode64(const int64_t *vals, uint32_t n)
{
	DbpEncodeOptions opt = {128, 4, false, false};
	TestBuf		b;
	int64_t    *again = malloc(sizeof(int64_t) * (n + 1));
	size_t		consumed;
	PqError		err;

	test_buf_init(&b);
	test_encode_dbp(&b, vals, n, &opt);
	FUZZ_ASSERT(PqDecodeDeltaBinaryPacked64(b.data, b.len, n, again, &consumed, &err) == PQ_OK);
	FUZZ_ASSERT(consumed == b.len);
	FUZZ_ASSERT(n == 0 || memcmp(again, vals, sizeof(int64_t) * n) == 0);
	free(again);
	test_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *buf;
	size_t		len;
	uint32_t	n;
	uint32_t	width;
	size_t		consumed = 0;
	PqError		err;
	PqStatus	st = PQ_OK;

	if (size < 4)
		return 0;
	n = (uint32_t) data[1] | ((uint32_t) data[2] << 8);
	width = data[3];
	buf = data + 4;
	len = size - 4;
	memset(&err, 0, sizeof(err));

	switch (data[0] % 5)
	{
		case 0:
			{
				int32_t    *out = malloc(sizeof(int32_t) * (n + 1));

				st = PqDecodeDeltaBinaryPacked32(buf, len, n, out, &consumed, &err);
				free(out);
				break;
			}
		case 1:
			{
				int64_t    *out = malloc(sizeof(int64_t) * (n + 1));

				st = PqDecodeDeltaBinaryPacked64(buf, len, n, out, &consumed, &err);
				if (st == PQ_OK && n <= 4096)
					check_reencode64(out, n);
				free(out);
				break;
			}
		case 2:
			{
				PqBytes    *out = malloc(sizeof(PqBytes) * (n + 1));

				st = PqDecodeDeltaLengthByteArray(buf, len, n, out, &consumed, &err);
				if (st == PQ_OK)
				{
					for (uint32_t i = 0; i < n; i++)
						FUZZ_ASSERT(out[i].len == 0 ||
									(out[i].ptr >= buf && out[i].ptr + out[i].len <= buf + consumed));
					touch(out, n);
				}
				free(out);
				break;
			}
		case 3:
			{
				PqBytes    *out = malloc(sizeof(PqBytes) * (n + 1));
				FuzzAlloc	fa;
				PqAllocator a = fuzz_allocator(&fa);
				uint8_t    *arena = NULL;

				st = PqDecodeDeltaByteArray(buf, len, n, out, &a, &arena, &consumed, &err);
				if (st == PQ_OK)
				{
					touch(out, n);
					FUZZ_ASSERT(fa.blocks == (n > 0 ? 1 : 0));
					fuzz_free(&fa, arena);
				}
				else
					FUZZ_ASSERT(arena == NULL);
				FUZZ_ASSERT(fa.blocks == 0);
				free(out);
				break;
			}
		case 4:
			{
				uint8_t    *out = malloc((size_t) n * (width ? width : 1) + 1);

				st = PqDecodeByteStreamSplit(buf, len, n, width, out, &consumed, &err);
				if (st == PQ_OK)
					FUZZ_ASSERT(consumed == (size_t) n * width);
				free(out);
				break;
			}
	}
	fuzz_check_error(st, &err);
	FUZZ_ASSERT(st == PQ_OK || st == PQ_ERR_CORRUPT || st == PQ_ERR_LIMIT || st == PQ_ERR_NOMEM);
	FUZZ_ASSERT(consumed <= len);
	return 0;
}
