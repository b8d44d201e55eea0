/*-------------------------------------------------------------------------
 * test_basic.c
 *	  Unit tests of the Parquet layer's building blocks: xxhash64 vectors,
 *	  the RLE/bit-packed hybrid, bit unpacking of every width, thrift
 *	  compact round trips and hostile thrift input, bloom filter sizing,
 *	  and ParquetValueCompare ordering rules.
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "pq_test.h"
#include "format/parquet/pq_internal.h"
#include "format/parquet/pq_metadata.h"
#include "format/parquet/pq_rle.h"

static void
test_xxhash(void)
{
	/* reference values of XXH64 with seed 0 */
	CHECK(PqXxHash64("", 0, 0) == 0xEF46DB3751D8E999ULL);
	CHECK(PqXxHash64("a", 1, 0) == 0xD24EC4F1A98C6E5BULL);
	CHECK(PqXxHash64("abc", 3, 0) == 0x44BC2CF5AD770999ULL);
	/* >= 32 bytes takes the striped path: must differ from a prefix and be stable */
	{
		const char *s = "Nobody inspects the spammish repetition";
		uint64_t	h = PqXxHash64(s, strlen(s), 0);

		CHECK(h == 0xFBCEA83C8A378BF1ULL);
	}
}

static void
test_rle_roundtrip(void)
{
	for (int width = 0; width <= 32; width++)
	{
		for (int pattern = 0; pattern < 4; pattern++)
		{
			uint32_t	n = 1000 + (uint32_t) (rng() % 3000);
			uint32_t   *in = malloc(sizeof(uint32_t) * n);
			uint32_t   *out = malloc(sizeof(uint32_t) * (n + 8));
			uint64_t	mask = width == 32 ? 0xffffffffULL : ((1ULL << width) - 1);
			PqBuf		b;
			PqRleDecoder d;

			for (uint32_t i = 0; i < n; i++)
			{
				switch (pattern)
				{
					case 0:		/* random */
						in[i] = (uint32_t) (rng() & mask);
						break;
					case 1:		/* long runs */
						in[i] = (uint32_t) (((i / 100) * 7919) & mask);
						break;
					case 2:		/* mixed short and long runs */
						in[i] = (uint32_t) ((i % 50 < 20 ? 3 : rng()) & mask);
						break;
					default:	/* constant */
						in[i] = (uint32_t) (mask & 5);
				}
			}
			PqBufInit(&b, &ParquetMallocAllocator);
			REQUIRE(PqRleEncode(&b, in, n, width));
			PqRleDecoderInit(&d, b.data, b.len, width);
			/* decode in uneven pieces to exercise run boundaries */
			{
				uint32_t	done = 0;
				bool		ok = true;

				while (done < n && ok)
				{
					uint32_t	k = 1 + (uint32_t) (rng() % 77);

					if (k > n - done)
						k = n - done;
					ok = PqRleDecode32(&d, out + done, k);
					done += k;
				}
				CHECK_MSG(ok, "width %d pattern %d", width, pattern);
				CHECK_MSG(memcmp(in, out, sizeof(uint32_t) * n) == 0,
						  "width %d pattern %d mismatch", width, pattern);
			}
			/* asking for more values than encoded fails, except the padding of a last group */
			{
				uint32_t	extra[64];

				PqRleDecoderInit(&d, b.data, b.len, width);
				CHECK(PqRleDecode32(&d, out, n));
				CHECK(!PqRleDecode32(&d, extra, 64));
			}
			if (width <= 8)
			{
				uint8_t    *o8 = malloc(n);

				PqRleDecoderInit(&d, b.data, b.len, width);
				CHECK(PqRleDecode8(&d, o8, n));
				for (uint32_t i = 0; i < n; i++)
					if (o8[i] != in[i])
					{
						CHECK_MSG(0, "8-bit decode width %d at %u", width, i);
						break;
					}
				free(o8);
			}
			PqBufFree(&b);
			free(in);
			free(out);
		}
	}
	/* known encoding: 8 copies of 1 at width 1 is an RLE run: header 16, value 1 */
	{
		uint32_t	v[8] = {1, 1, 1, 1, 1, 1, 1, 1};
		PqBuf		b;

		PqBufInit(&b, &ParquetMallocAllocator);
		REQUIRE(PqRleEncode(&b, v, 8, 1));
		CHECK(b.len == 2 && b.data[0] == 16 && b.data[1] == 1);
		PqBufFree(&b);
	}
	/* the spec's bit-packing example: 0..7 at width 3 -> 0x88 0xC6 0xFA */
	{
		uint32_t	v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
		uint8_t		o[3];
		uint32_t	back[8];

		PqBitPack(o, v, 8, 3);
		CHECK(o[0] == 0x88 && o[1] == 0xC6 && o[2] == 0xFA);
		PqBitUnpack32(o, 3, back, 8, 3);
		CHECK(memcmp(back, v, sizeof(v)) == 0);
	}
	/* hostile: a bit-packed header claiming 2^31 groups over 3 bytes */
	{
		uint8_t		bad[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3};
		uint32_t	o[64];
		PqRleDecoder d;

		/* width 1: the 3 bytes hold 24 values; the claim of more is cut */
		PqRleDecoderInit(&d, bad, sizeof(bad), 1);
		CHECK(PqRleDecode32(&d, o, 24));
		CHECK(o[0] == 1 && o[8] == 0 && o[9] == 1);
		CHECK(!PqRleDecode32(&d, o, 64));
		/* width 8: not even one whole group */
		PqRleDecoderInit(&d, bad, sizeof(bad), 8);
		CHECK(!PqRleDecode32(&d, o, 3));
	}
}

static void
test_thrift(void)
{
	PqBuf		b;
	PqThriftWriter w;
	PqThriftReader r;
	int16_t		last,
				id;
	int			t;
	int			seen = 0;

	PqBufInit(&b, &ParquetMallocAllocator);
	PqThriftWriterInit(&w, &b);
	PqThriftWriteI32(&w, 1, -5);
	PqThriftWriteI64(&w, 3, 1LL << 40);
	PqThriftWriteBinary(&w, 20, "hello", 5);	/* long delta */
	PqThriftWriteStructBegin(&w, 21);
	PqThriftWriteBool(&w, 1, true);
	PqThriftWriteStructEnd(&w);
	PqThriftWriteListBegin(&w, 22, TT_I32, 20);
	for (int i = 0; i < 20; i++)
		PqThriftWriteZigzag(&w, i - 10);
	PqThriftWriteStructEnd(&w);
	REQUIRE(!w.nomem);

	PqThriftReaderInit(&r, b.data, b.len, 0, "test");
	PqThriftStructBegin(&r, &last);
	while (PqThriftFieldBegin(&r, &last, &id, &t))
	{
		if (id == 1)
		{
			CHECK(PqThriftReadI32(&r, t) == -5);
			seen |= 1;
		}
		else if (id == 3)
		{
			CHECK(PqThriftReadI64(&r, t) == (1LL << 40));
			seen |= 2;
		}
		else if (id == 22)
		{
			int			et;
			uint32_t	n = PqThriftReadList(&r, t, &et);

			CHECK(n == 20 && et == TT_I32);
			for (uint32_t i = 0; i < n; i++)
				CHECK(PqThriftReadI32(&r, et) == (int) i - 10);
			seen |= 4;
		}
		else
			PqThriftSkip(&r, t);	/* 20 and 21 are "unknown" */
	}
	PqThriftStructEnd(&r);
	CHECK(!r.failed);
	CHECK(seen == 7);
	CHECK(r.p == r.end);

	/* every truncation fails cleanly, never reads past the end */
	for (size_t cut = 0; cut < b.len; cut++)
	{
		uint8_t    *copy = malloc(cut ? cut : 1);

		memcpy(copy, b.data, cut);
		PqThriftReaderInit(&r, copy, cut, 0, "test");
		PqThriftSkip(&r, TT_STRUCT);
		CHECK_MSG(r.failed, "cut %zu", cut);
		free(copy);
	}
	PqBufFree(&b);

	/* deep nesting is refused */
	{
		uint8_t		deep[200];

		memset(deep, 0x1c, sizeof(deep));	/* field 1, type struct, forever */
		PqThriftReaderInit(&r, deep, sizeof(deep), 0, "deep");
		PqThriftSkip(&r, TT_STRUCT);
		CHECK(r.failed);
	}
	/* a list claiming more elements than bytes is refused */
	{
		uint8_t		lst[] = {0x19, 0xf5, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00};

		PqThriftReaderInit(&r, lst, sizeof(lst), 0, "list");
		PqThriftSkip(&r, TT_STRUCT);
		CHECK(r.failed);
	}
}

static void
test_bloom_sizing(void)
{
	uint32_t	a = PqBloomSizeBytes(1, 0.01);
	uint32_t	b = PqBloomSizeBytes(1000000, 0.01);
	uint32_t	c = PqBloomSizeBytes(1000000000000ULL, 0.01);

	CHECK(a == 32);
	CHECK((b & (b - 1)) == 0 && b >= 1000000 && b <= 4 * 1024 * 1024);
	CHECK(c == 128 * 1024 * 1024);
	CHECK(PqBloomSizeBytes(10000, 0.001) > PqBloomSizeBytes(10000, 0.1));
}

static void
test_compare(void)
{
	PqValue		a,
				b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.type = b.type = PQ_STRING;
	a.v.bytes.ptr = (const uint8_t *) "\xff";
	a.v.bytes.len = 1;
	b.v.bytes.ptr = (const uint8_t *) "a";
	b.v.bytes.len = 1;
	CHECK(ParquetValueCompare(&a, &b) > 0);	/* unsigned bytes */
	b.v.bytes.ptr = (const uint8_t *) "\xff\x00";
	b.v.bytes.len = 2;
	CHECK(ParquetValueCompare(&a, &b) < 0);	/* prefix sorts first */
	a.type = b.type = PQ_INT32;
	a.v.i32 = -1;
	b.v.i32 = 1;
	CHECK(ParquetValueCompare(&a, &b) < 0);	/* signed */
	a.type = b.type = PQ_DOUBLE;
	a.v.f64 = -0.0;
	b.v.f64 = 0.0;
	CHECK(ParquetValueCompare(&a, &b) == 0);
	a.type = b.type = PQ_DECIMAL;
	a.precision = b.precision = 38;
	a.v.i128 = -((pq_int128) 1 << 100);
	b.v.i128 = 5;
	CHECK(ParquetValueCompare(&a, &b) < 0);
}

int
main(void)
{
	test_xxhash();
	test_rle_roundtrip();
	test_thrift();
	test_bloom_sizing();
	test_compare();
	return pq_test_done("test_basic");
}
