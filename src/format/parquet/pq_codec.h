/*-------------------------------------------------------------------------
 * pq_codec.h
 *	  Page compression codecs of the Parquet layer (internal API).
 *
 * UNCOMPRESSED, ZSTD (a normal zstd frame), LZ4_RAW (a bare LZ4 block),
 * SNAPPY (raw snappy, no framing) and GZIP (a gzip member, zlib).  Only
 * byte-level work: no PostgreSQL, errors as PqStatus + PqError.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_PQ_CODEC_H
#define LAKE_PQ_CODEC_H

#include "format/parquet/parquet.h"

/* true for the codecs this build reads and writes */
extern bool PqCodecSupported(int codec);

/* worst-case compressed size of srclen bytes */
extern size_t PqCodecCompressBound(PqCodec codec, size_t srclen);

/* compress src into dst (capacity dstcap >= PqCodecCompressBound) */
extern PqStatus PqCodecCompress(PqCodec codec, int level,
								const void *src, size_t srclen,
								void *dst, size_t dstcap, size_t *dstlen,
								PqError *err);

/*
 * Decompress src into dst, which must come out at exactly expected_len
 * bytes (the page header's uncompressed size); anything else is
 * PQ_ERR_CORRUPT.  Never writes past dst + expected_len.
 */
extern PqStatus PqCodecDecompress(int codec, const void *src, size_t srclen,
								  void *dst, size_t expected_len,
								  PqError *err);

#endif							/* LAKE_PQ_CODEC_H */
