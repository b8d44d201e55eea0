/*-------------------------------------------------------------------------
 * test_encoders.h
 *	  Reference encoders for DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 *	  DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT, used only by the tests to
 *	  round-trip lake_fdw's decoders (lake_fdw itself never writes these).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_TEST_ENCODERS_H
#define LAKE_TEST_ENCODERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* a growable byte buffer */
typedef struct TestBuf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
} TestBuf;

extern void test_buf_init(TestBuf *b);
extern void test_buf_free(TestBuf *b);
extern void test_buf_put(TestBuf *b, const void *p, size_t n);
extern void test_buf_byte(TestBuf *b, uint8_t v);
extern void test_buf_uleb(TestBuf *b, uint64_t v);
extern void test_buf_zigzag(TestBuf *b, int64_t v);

typedef struct DbpEncodeOptions
{
	uint32_t	block_size;		/* multiple of 128 */
	uint32_t	miniblocks;		/* per block; block_size / miniblocks % 32 == 0 */
	bool		arith32;		/* deltas in wrapping 32-bit arithmetic (parquet-mr
								 * style, widths <= 32); else 64-bit */
	bool		garbage_padding;	/* unused widths 0xEE, padding values random */
} DbpEncodeOptions;

/*
 * Append the DELTA_BINARY_PACKED encoding of values[0..n) (int32 values
 * passed sign-extended when arith32).
 */
extern void test_encode_dbp(TestBuf *b, const int64_t *values, uint32_t n,
							const DbpEncodeOptions *opt);

/* DELTA_LENGTH_BYTE_ARRAY of n values */
extern void test_encode_dlba(TestBuf *b, const uint8_t *const *vals,
							 const uint32_t *lens, uint32_t n,
							 const DbpEncodeOptions *opt);

/* DELTA_BYTE_ARRAY of n values (prefix shared with the previous value) */
extern void test_encode_dba(TestBuf *b, const uint8_t *const *vals,
							const uint32_t *lens, uint32_t n,
							const DbpEncodeOptions *opt);

/* BYTE_STREAM_SPLIT of n values of width bytes each, value after value */
extern void test_encode_bss(TestBuf *b, const uint8_t *vals, uint32_t n,
							uint32_t width);

#endif							/* LAKE_TEST_ENCODERS_H */
