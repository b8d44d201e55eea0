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
 * zstd pages longer than PQ_ZSTD_MIN_BLOCK are written as several
 * independent frames (at most PQ_ZSTD_PAGE_FRAMES, none shorter than
 * PQ_ZSTD_MIN_BLOCK, each with its content size), so that a reader of a few
 * rows can decompress only the frame holding them.  Files written before
 * (one frame of as many blocks) are read block by block from the start.
 */
#define PQ_ZSTD_MIN_BLOCK		2048
#define PQ_ZSTD_PAGE_FRAMES		4
/* pages of more frames than this are read from the start (prefix mode) */
#define PQ_ZSTD_RANGE_FRAMES	8

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
 * Prefix decompression, for a reader that needs only part of a page (a few
 * selected rows of a PLAIN column).  Begin sets up; Extend makes at least
 * want bytes of dst valid (rounded up to what the codec produces in one
 * step: a zstd block or frame; every other codec decompresses the whole page
 * at Begin); Range makes at least dst[lo, hi) valid.  dst[valid_lo, valid)
 * holds the page's bytes, the rest is undefined; once the page is complete
 * (valid_lo 0, valid expected_len) it passed the same checks as
 * PqCodecDecompress.
 *
 * A zstd page of 2 to PQ_ZSTD_RANGE_FRAMES frames, each declaring its
 * content size, the sizes adding up to the page (what the writer makes),
 * is read in frame mode: a request decompresses just the frames it
 * overlaps, each on its own, into its place in dst (valid_lo may then be
 * above 0).  Any other zstd page is read in prefix mode, block by block from
 * the start (valid_lo stays 0).  In both modes a failure is settled by
 * one-shot decompression of the whole page: a request fails exactly when it
 * touches a frame PqCodecDecompress could not read, or when that whole
 * page is unreadable.
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
	size_t		valid_lo;		/* dst[valid_lo, valid) decompressed */
	size_t		valid;
	bool		complete;		/* the whole page, checked */
	uint64_t	generation;		/* zstd: which use of the context */
	/* zstd frame mode: frame i is src[fr_src[i], fr_src[i + 1]) and
	 * dst[fr_out[i], fr_out[i + 1]) */
	int			nframes;		/* 0: prefix mode */
	size_t		fr_src[PQ_ZSTD_RANGE_FRAMES + 1];
	size_t		fr_out[PQ_ZSTD_RANGE_FRAMES + 1];
} PqCodecPrefix;

extern PqStatus PqCodecPrefixBegin(PqCodecPrefix *p, int codec,
								   const void *src, size_t srclen,
								   void *dst, size_t expected_len,
								   PqError *err);
extern PqStatus PqCodecPrefixExtend(PqCodecPrefix *p, size_t want,
									PqError *err);
extern PqStatus PqCodecPrefixRange(PqCodecPrefix *p, size_t lo, size_t hi,
								   PqError *err);

/* zstd prefix decompressions begun and run to the page's end (tests) */
extern void PqCodecPrefixCounts(uint64_t *begun, uint64_t *completed);
/* zstd frames decompressed on their own in frame mode (tests) */
extern uint64_t PqCodecFramesDecoded(void);

/*
 * Tests of old files: on, zstd pages are written as before (one frame of
 * up to PQ_ZSTD_PAGE_FRAMES blocks, read in prefix mode); off by default.
 */
extern void PqCodecZstdOneFrame(bool on);

#endif							/* LAKE_PQ_CODEC_H */
