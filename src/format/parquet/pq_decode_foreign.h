/*-------------------------------------------------------------------------
 * pq_decode_foreign.h
 *	  Decoders for the value encodings other engines write and lake_fdw
 *	  itself does not: DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 *	  DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT (internal API).
 *
 * Each decodes exactly n values from buf[0..len) (the value section of one
 * data page, levels already stripped) and sets *consumed to the bytes used.
 * Every count, width and length read from buf is checked: malformed input
 * is PQ_ERR_CORRUPT, never an over-read.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_PQ_DECODE_FOREIGN_H
#define LAKE_PQ_DECODE_FOREIGN_H

#include "format/parquet/parquet.h"

extern PqStatus PqDecodeDeltaBinaryPacked32(const uint8_t *buf, size_t len,
											uint32_t n, int32_t *out,
											size_t *consumed, PqError *err);
extern PqStatus PqDecodeDeltaBinaryPacked64(const uint8_t *buf, size_t len,
											uint32_t n, int64_t *out,
											size_t *consumed, PqError *err);

/* out[i].ptr points into buf */
extern PqStatus PqDecodeDeltaLengthByteArray(const uint8_t *buf, size_t len,
											 uint32_t n, PqBytes *out,
											 size_t *consumed, PqError *err);

/*
 * Values are rebuilt from prefixes, so they live in one buffer allocated
 * from alloc and returned in *arena (the caller frees it; NULL when n = 0).
 */
extern PqStatus PqDecodeDeltaByteArray(const uint8_t *buf, size_t len,
									   uint32_t n, PqBytes *out,
									   const PqAllocator *alloc,
									   uint8_t **arena,
									   size_t *consumed, PqError *err);

/* width: 4 (FLOAT/INT32), 8 (DOUBLE/INT64) or a FIXED_LEN_BYTE_ARRAY length */
extern PqStatus PqDecodeByteStreamSplit(const uint8_t *buf, size_t len,
										uint32_t n, uint32_t width,
										void *out, size_t *consumed,
										PqError *err);

#endif							/* LAKE_PQ_DECODE_FOREIGN_H */
