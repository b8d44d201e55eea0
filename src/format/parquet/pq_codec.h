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

/*
 * zstd pages longer than this are written as a frame of several blocks
 * (at most PQ_ZSTD_PAGE_BLOCKS, none shorter than PQ_ZSTD_MIN_BLOCK), so
 * that a reader of a few rows can stop decompressing early.
 */
#define PQ_ZSTD_MIN_BLOCK		2048
#define PQ_ZSTD_PAGE_BLOCKS		4

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

/*
 * Prefix decompression, for a reader that needs only the start of a page
 * (a few selected rows of a PLAIN column).  Begin sets up; Extend makes at
 * least want bytes of dst valid (rounded up to what the codec produces in
 * one step: a zstd block; every other codec decompresses the whole page at
 * Begin).  The bytes past *valid are undefined; once *valid reaches
 * expected_len the page passed the same checks as PqCodecDecompress.
 *
 * A zstd prefix decompression keeps its state in the process's one
 * decompression context: it must be finished with (the last Extend) before
 * any other PqCodecDecompress* call; a stale handle is refused (PQ_ERR_ARG).
 */
typedef struct PqCodecPrefix
{
	int			codec;
	const uint8_t *src;			/* borrowed */
	size_t		srclen;
	size_t		src_pos;		/* zstd: input consumed */
	size_t		frame_src;		/* zstd: where the current frame began in src */
	size_t		frame_out;		/* zstd: ... and in dst */
	uint8_t    *dst;			/* borrowed */
	size_t		expected_len;
	size_t		valid;			/* dst[0, valid) decompressed */
	bool		complete;		/* the whole page, checked */
	uint64_t	generation;		/* zstd: which use of the context */
} PqCodecPrefix;

extern PqStatus PqCodecPrefixBegin(PqCodecPrefix *p, int codec,
								   const void *src, size_t srclen,
								   void *dst, size_t expected_len,
								   PqError *err);
extern PqStatus PqCodecPrefixExtend(PqCodecPrefix *p, size_t want,
									PqError *err);

/* zstd prefix decompressions begun and run to the page's end (tests) */
extern void PqCodecPrefixCounts(uint64_t *begun, uint64_t *completed);

#endif							/* LAKE_PQ_CODEC_H */
