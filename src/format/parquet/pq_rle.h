/*-------------------------------------------------------------------------
 * pq_rle.h
 *	  RLE / bit-packed hybrid encoding (definition levels, dictionary
 *	  indices, booleans) and LSB-first bit packing (internal API).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_PQ_RLE_H
#define LAKE_PQ_RLE_H

#include "format/parquet/pq_internal.h"

/* bits needed for values 0..maxval */
static inline int
pq_bit_width(uint32_t maxval)
{
	return maxval == 0 ? 0 : 32 - __builtin_clz(maxval);
}

/* Append the hybrid encoding of vals[0..n) (each < 2^width) to buf. */
extern bool PqRleEncode(PqBuf *buf, const uint32_t *vals, uint32_t n, int width);

/* Pack n values LSB-first with the given width; out holds (n*width+7)/8 */
extern void PqBitPack(uint8_t *out, const uint32_t *vals, uint32_t n, int width);

/* Unpack n values of width bits from in (inlen bytes, enough for n). */
extern void PqBitUnpack32(const uint8_t *in, size_t inlen, uint32_t *out,
						  uint32_t n, int width);

typedef struct PqRleDecoder
{
	const uint8_t *p;
	const uint8_t *end;
	int			width;
	uint32_t	rle_left;		/* values left in the current RLE run */
	uint32_t	rle_value;
	uint32_t	bp_left;		/* values left in the current bit-packed run */
	const uint8_t *bp_ptr;		/* next group of the bit-packed run */
	uint32_t	bp_buf[8];		/* decoded group */
	uint32_t	bp_buf_pos;		/* next value in bp_buf, 8 = empty */
} PqRleDecoder;

extern void PqRleDecoderInit(PqRleDecoder *d, const uint8_t *buf, size_t len,
							 int width);

/*
 * Decode exactly n values.  false when the data ends early or is
 * malformed (the caller reports corruption with its own context).
 */
extern bool PqRleDecode32(PqRleDecoder *d, uint32_t *out, uint32_t n);
extern bool PqRleDecode8(PqRleDecoder *d, uint8_t *out, uint32_t n);

/* Skip n values (whole bit-packed groups without unpacking); false as above. */
extern bool PqRleSkip(PqRleDecoder *d, uint32_t n);

/* bytes consumed so far */
static inline size_t
pq_rle_consumed(const PqRleDecoder *d, const uint8_t *start)
{
	return (size_t) (d->p - start);
}

#endif							/* LAKE_PQ_RLE_H */
