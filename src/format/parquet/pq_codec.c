/*-------------------------------------------------------------------------
 * pq_codec.c
 *	  Page compression codecs of the Parquet layer.
 *
 * This file owns the mapping from Parquet's CompressionCodec enum to the
 * codec libraries: UNCOMPRESSED, ZSTD (libzstd, one or more ordinary zstd
 * frames), LZ4_RAW (liblz4, one bare block: no frame, no size prefix),
 * SNAPPY (libsnappy's C API, raw format, no framing) and GZIP (zlib, a gzip
 * member; a zlib stream is accepted on input too).
 *
 * Decompression is always bounded by the caller's expected length (the
 * page header's uncompressed size): every library call gets exactly
 * expected_len bytes of output room, so a hostile page can neither write
 * past dst + expected_len nor make a library allocate in proportion to a
 * size it claims.  Anything but exactly expected_len bytes of output is
 * PQ_ERR_CORRUPT.
 *
 * The zstd contexts are cached for the life of the process (a backend and
 * a fuzzer are single-threaded); everything else is per call.  No
 * PostgreSQL here: errors are PqStatus + PqError.
 *-------------------------------------------------------------------------
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lz4.h>
#include <lz4hc.h>
#include <snappy-c.h>
#include <zlib.h>
/* the buffer-less streaming decoder (ZSTD_decompressContinue) of libzstd */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "format/parquet/pq_codec.h"

/* zlib counts in uInt: feed it at most this much per call */
#define ZLIB_CHUNK_MAX		((size_t) 1 << 30)

/* gzip header (10) + trailer (8) around deflate's own worst case */
#define GZIP_WRAPPER_BYTES	18

static ZSTD_CCtx *zstd_cctx = NULL;
static ZSTD_DCtx *zstd_dctx = NULL;
/* bumped at every use of zstd_dctx: a prefix decompression is its last user */
static uint64_t zstd_dctx_generation = 0;
/* zstd prefix decompressions begun, and those that went to the end */
static uint64_t zstd_prefix_begun = 0;
static uint64_t zstd_prefix_completed = 0;
/* frames decompressed on their own by PqCodecPrefixRange */
static uint64_t zstd_frames_decoded = 0;

/* write zstd pages as one frame of blocks (tests of old files) */
static bool zstd_one_frame = false;

static size_t zstd_frames_bound(size_t srclen);

static PqStatus
codec_fail(PqError *err, PqStatus status, const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

static PqStatus
codec_fail(PqError *err, PqStatus status, const char *fmt,...)
{
	va_list		ap;

	if (err != NULL)
	{
		err->status = status;
		err->offset = UINT64_MAX;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return status;
}

static const char *
codec_label(int codec)
{
	switch (codec)
	{
		case PQ_CODEC_UNCOMPRESSED:
			return "UNCOMPRESSED";
		case PQ_CODEC_SNAPPY:
			return "SNAPPY";
		case PQ_CODEC_GZIP:
			return "GZIP";
		case 3:
			return "LZO";
		case 4:
			return "BROTLI";
		case 5:
			return "LZ4 (Hadoop framing)";
		case PQ_CODEC_ZSTD:
			return "ZSTD";
		case PQ_CODEC_LZ4_RAW:
			return "LZ4_RAW";
		default:
			return "unknown";
	}
}

bool
PqCodecSupported(int codec)
{
	switch (codec)
	{
		case PQ_CODEC_UNCOMPRESSED:
		case PQ_CODEC_SNAPPY:
		case PQ_CODEC_GZIP:
		case PQ_CODEC_ZSTD:
		case PQ_CODEC_LZ4_RAW:
			return true;
		default:
			return false;
	}
}

size_t
PqCodecCompressBound(PqCodec codec, size_t srclen)
{
	switch (codec)
	{
		case PQ_CODEC_UNCOMPRESSED:
			return srclen;
		case PQ_CODEC_SNAPPY:
			return snappy_max_compressed_length(srclen);
		case PQ_CODEC_GZIP:
			/* deflate's bound per zlib chunk, plus the gzip wrapper */
			return compressBound((uLong) srclen) +
				(srclen / ZLIB_CHUNK_MAX + 1) * 16 + GZIP_WRAPPER_BYTES;
		case PQ_CODEC_ZSTD:
			return zstd_frames_bound(srclen);
		case PQ_CODEC_LZ4_RAW:
			if (srclen > LZ4_MAX_INPUT_SIZE)
				return 0;
			return (size_t) LZ4_compressBound((int) srclen);
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Compression
 * ---------------------------------------------------------------------
 */
/*
 * The length of each piece a zstd page is cut into: a quarter of the page
 * (PQ_ZSTD_PAGE_FRAMES pieces), none shorter than PQ_ZSTD_MIN_BLOCK.
 */
static size_t
zstd_piece_len(size_t srclen)
{
	size_t		piece = (srclen + PQ_ZSTD_PAGE_FRAMES - 1) / PQ_ZSTD_PAGE_FRAMES;

	return piece < PQ_ZSTD_MIN_BLOCK ? PQ_ZSTD_MIN_BLOCK : piece;
}

/* worst case of a page written as independent frames (compress_zstd_frames) */
static size_t
zstd_frames_bound(size_t srclen)
{
	size_t		piece;
	size_t		bound = 0;

	if (srclen <= PQ_ZSTD_MIN_BLOCK)
		return ZSTD_compressBound(srclen);
	piece = zstd_piece_len(srclen);
	for (size_t pos = 0; pos < srclen; pos += piece)
		bound += ZSTD_compressBound(srclen - pos < piece ? srclen - pos : piece);
	/* ... or as one frame (PqCodecZstdOneFrame) */
	if (bound < ZSTD_compressBound(srclen))
		bound = ZSTD_compressBound(srclen);
	return bound;
}

/*
 * A page cut into a few independent zstd frames, each with its content size
 * in its header: a reader that needs a few values can skip to the frame
 * holding them (PqCodecPrefixRange) and decompress that one alone.  Any zstd
 * decoder reads concatenated frames as one stream.
 */
static PqStatus
compress_zstd_frames(int level, const void *src, size_t srclen,
					 void *dst, size_t dstcap, size_t *dstlen, PqError *err)
{
	size_t		piece = zstd_piece_len(srclen);
	size_t		pos = 0;
	size_t		out = 0;

	while (pos < srclen)
	{
		size_t		n = srclen - pos < piece ? srclen - pos : piece;
		size_t		rc;

		rc = ZSTD_compressCCtx(zstd_cctx, (uint8_t *) dst + out, dstcap - out,
							   (const uint8_t *) src + pos, n, level);
		if (ZSTD_isError(rc))
			return codec_fail(err, PQ_ERR_ARG, "ZSTD compression of %zu bytes failed: %s",
							  srclen, ZSTD_getErrorName(rc));
		out += rc;
		pos += n;
	}
	*dstlen = out;
	return PQ_OK;
}

/*
 * One zstd frame of a few blocks, the layout written before independent
 * frames (kept for tests of old files, PqCodecZstdOneFrame): the input is
 * fed in chunks, each ended by a flush, which closes the current block (the
 * history carries over, so later blocks still refer back).
 */
static PqStatus
compress_zstd_blocks(int level, const void *src, size_t srclen,
					 void *dst, size_t dstcap, size_t *dstlen, PqError *err)
{
	size_t		chunk = (srclen + PQ_ZSTD_PAGE_FRAMES - 1) / PQ_ZSTD_PAGE_FRAMES;
	size_t		pos = 0;
	size_t		rc;
	ZSTD_outBuffer out = {dst, dstcap, 0};

	if (chunk < PQ_ZSTD_MIN_BLOCK)
		chunk = PQ_ZSTD_MIN_BLOCK;
	rc = ZSTD_CCtx_reset(zstd_cctx, ZSTD_reset_session_and_parameters);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setParameter(zstd_cctx, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setPledgedSrcSize(zstd_cctx, srclen);
	if (ZSTD_isError(rc))
		return codec_fail(err, PQ_ERR_ARG, "ZSTD: cannot set up compression: %s",
						  ZSTD_getErrorName(rc));
	while (pos < srclen)
	{
		size_t		n = srclen - pos < chunk ? srclen - pos : chunk;
		ZSTD_inBuffer in = {(const uint8_t *) src + pos, n, 0};
		ZSTD_EndDirective mode = (pos + n == srclen) ? ZSTD_e_end : ZSTD_e_flush;

		do
		{
			size_t		before = out.pos;

			rc = ZSTD_compressStream2(zstd_cctx, &out, &in, mode);
			if (ZSTD_isError(rc))
				return codec_fail(err, PQ_ERR_ARG, "ZSTD compression of %zu bytes failed: %s",
								  srclen, ZSTD_getErrorName(rc));
			if (rc != 0 && out.pos == out.size && out.pos == before)
				return codec_fail(err, PQ_ERR_ARG,
								  "ZSTD compression of %zu bytes needs more than %zu bytes",
								  srclen, dstcap);
		} while (rc != 0 || in.pos < in.size);
		pos += n;
	}
	*dstlen = out.pos;
	return PQ_OK;
}

static PqStatus
compress_zstd(int level, const void *src, size_t srclen,
			  void *dst, size_t dstcap, size_t *dstlen, PqError *err)
{
	size_t		rc;

	if (zstd_cctx == NULL)
	{
		zstd_cctx = ZSTD_createCCtx();
		if (zstd_cctx == NULL)
			return codec_fail(err, PQ_ERR_NOMEM, "ZSTD: cannot create a compression context");
	}
	if (level == 0)
		level = ZSTD_CLEVEL_DEFAULT;
	if (level < ZSTD_minCLevel())
		level = ZSTD_minCLevel();
	if (level > ZSTD_maxCLevel())
		level = ZSTD_maxCLevel();
	if (srclen <= PQ_ZSTD_MIN_BLOCK)
	{
		/* one frame */
		rc = ZSTD_compressCCtx(zstd_cctx, dst, dstcap, src, srclen, level);
		if (ZSTD_isError(rc))
			return codec_fail(err, PQ_ERR_ARG, "ZSTD compression of %zu bytes failed: %s",
							  srclen, ZSTD_getErrorName(rc));
		*dstlen = rc;
		return PQ_OK;
	}
	if (zstd_one_frame)
		return compress_zstd_blocks(level, src, srclen, dst, dstcap, dstlen, err);
	return compress_zstd_frames(level, src, srclen, dst, dstcap, dstlen, err);
}

static PqStatus
compress_lz4(int level, const void *src, size_t srclen,
			 void *dst, size_t dstcap, size_t *dstlen, PqError *err)
{
	int			cap;
	int			rc;

	if (srclen > LZ4_MAX_INPUT_SIZE)
		return codec_fail(err, PQ_ERR_LIMIT, "LZ4_RAW: %zu bytes exceed the block limit", srclen);
	cap = dstcap > INT_MAX ? INT_MAX : (int) dstcap;

	/* 0 or 1: liblz4's default; < 0: faster (acceleration); > 1: LZ4HC */
	if (level < 0)
		rc = LZ4_compress_fast((const char *) src, (char *) dst, (int) srclen,
							   cap, -level);
	else if (level <= 1)
		rc = LZ4_compress_default((const char *) src, (char *) dst,
								  (int) srclen, cap);
	else
		rc = LZ4_compress_HC((const char *) src, (char *) dst, (int) srclen,
							 cap, level > LZ4HC_CLEVEL_MAX ? LZ4HC_CLEVEL_MAX : level);
	if (rc <= 0 && srclen > 0)
		return codec_fail(err, PQ_ERR_ARG, "LZ4_RAW compression of %zu bytes failed (capacity %zu)",
						  srclen, dstcap);
	*dstlen = (size_t) (rc < 0 ? 0 : rc);
	return PQ_OK;
}

static PqStatus
compress_snappy(const void *src, size_t srclen,
				void *dst, size_t dstcap, size_t *dstlen, PqError *err)
{
	size_t		outlen = dstcap;

	if (snappy_compress((const char *) src, srclen, (char *) dst, &outlen) != SNAPPY_OK)
		return codec_fail(err, PQ_ERR_ARG, "SNAPPY compression of %zu bytes failed (capacity %zu)",
						  srclen, dstcap);
	*dstlen = outlen;
	return PQ_OK;
}

static PqStatus
compress_gzip(int level, const void *src, size_t srclen,
			  void *dst, size_t dstcap, size_t *dstlen, PqError *err)
{
	z_stream	zs;
	const uint8_t *in = (const uint8_t *) src;
	uint8_t    *out = (uint8_t *) dst;
	size_t		in_left = srclen;
	size_t		out_left = dstcap;
	int			rc;

	if (level == 0)
		level = Z_DEFAULT_COMPRESSION;
	if (level > Z_BEST_COMPRESSION)
		level = Z_BEST_COMPRESSION;
	if (level < 0)
		level = Z_DEFAULT_COMPRESSION;

	memset(&zs, 0, sizeof(zs));
	/* windowBits 15 + 16: a gzip header and trailer instead of zlib's */
	if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return codec_fail(err, PQ_ERR_NOMEM, "GZIP: deflateInit2 failed");

	for (;;)
	{
		size_t		in_chunk = in_left > ZLIB_CHUNK_MAX ? ZLIB_CHUNK_MAX : in_left;
		size_t		out_chunk = out_left > ZLIB_CHUNK_MAX ? ZLIB_CHUNK_MAX : out_left;
		int			flush = (in_chunk == in_left) ? Z_FINISH : Z_NO_FLUSH;

		zs.next_in = (Bytef *) in;
		zs.avail_in = (uInt) in_chunk;
		zs.next_out = out;
		zs.avail_out = (uInt) out_chunk;
		rc = deflate(&zs, flush);
		in += in_chunk - zs.avail_in;
		in_left -= in_chunk - zs.avail_in;
		out += out_chunk - zs.avail_out;
		out_left -= out_chunk - zs.avail_out;
		if (rc == Z_STREAM_END)
			break;
		if ((rc != Z_OK && rc != Z_BUF_ERROR) || out_left == 0)
		{
			deflateEnd(&zs);
			return codec_fail(err, PQ_ERR_ARG, "GZIP compression of %zu bytes failed (capacity %zu)",
							  srclen, dstcap);
		}
	}
	deflateEnd(&zs);
	*dstlen = dstcap - out_left;
	return PQ_OK;
}

PqStatus
PqCodecCompress(PqCodec codec, int level,
				const void *src, size_t srclen,
				void *dst, size_t dstcap, size_t *dstlen,
				PqError *err)
{
	if (dstlen == NULL || (srclen > 0 && src == NULL) || (dstcap > 0 && dst == NULL))
		return codec_fail(err, PQ_ERR_ARG, "PqCodecCompress: NULL buffer");
	*dstlen = 0;

	switch (codec)
	{
		case PQ_CODEC_UNCOMPRESSED:
			if (dstcap < srclen)
				return codec_fail(err, PQ_ERR_ARG, "UNCOMPRESSED: capacity %zu < %zu bytes",
								  dstcap, srclen);
			if (srclen > 0)
				memcpy(dst, src, srclen);
			*dstlen = srclen;
			return PQ_OK;
		case PQ_CODEC_ZSTD:
			return compress_zstd(level, src, srclen, dst, dstcap, dstlen, err);
		case PQ_CODEC_LZ4_RAW:
			return compress_lz4(level, src, srclen, dst, dstcap, dstlen, err);
		case PQ_CODEC_SNAPPY:
			return compress_snappy(src, srclen, dst, dstcap, dstlen, err);
		case PQ_CODEC_GZIP:
			return compress_gzip(level, src, srclen, dst, dstcap, dstlen, err);
	}
	return codec_fail(err, PQ_ERR_UNSUPPORTED, "compression codec %d (%s) is not supported",
					  (int) codec, codec_label((int) codec));
}

/* ---------------------------------------------------------------------
 * Decompression
 * ---------------------------------------------------------------------
 */
static PqStatus
zstd_dctx_get(PqError *err)
{
	if (zstd_dctx == NULL)
	{
		zstd_dctx = ZSTD_createDCtx();
		if (zstd_dctx == NULL)
			return codec_fail(err, PQ_ERR_NOMEM, "ZSTD: cannot create a decompression context");
	}
	zstd_dctx_generation++;
	return PQ_OK;
}

static PqStatus
decompress_zstd(const void *src, size_t srclen,
				void *dst, size_t expected_len, PqError *err)
{
	size_t		rc;

	if (zstd_dctx_get(err) != PQ_OK)
		return err ? err->status : PQ_ERR_NOMEM;

	/*
	 * One-shot decompression straight into dst: libzstd never writes beyond
	 * dst capacity and, decoding into the caller's buffer, allocates no
	 * window whatever the frame header claims.  Concatenated and skippable
	 * frames are handled by the library.
	 */
	rc = ZSTD_decompressDCtx(zstd_dctx, dst, expected_len, src, srclen);
	if (ZSTD_isError(rc))
		return codec_fail(err, PQ_ERR_CORRUPT,
						  "ZSTD: cannot decompress %zu bytes into %zu: %s",
						  srclen, expected_len, ZSTD_getErrorName(rc));
	if (rc != expected_len)
		return codec_fail(err, PQ_ERR_CORRUPT,
						  "ZSTD: decompressed to %zu bytes, expected %zu",
						  rc, expected_len);
	return PQ_OK;
}

static PqStatus
decompress_lz4(const void *src, size_t srclen,
			   void *dst, size_t expected_len, PqError *err)
{
	int			rc;

	if (srclen > LZ4_MAX_INPUT_SIZE || expected_len > INT_MAX)
		return codec_fail(err, PQ_ERR_LIMIT,
						  "LZ4_RAW: block of %zu bytes (%zu uncompressed) exceeds liblz4's limit",
						  srclen, expected_len);
	if (srclen == 0)
		return codec_fail(err, PQ_ERR_CORRUPT, "LZ4_RAW: empty block, expected %zu bytes",
						  expected_len);
	/* bounded by dstCapacity; returns the decoded size or < 0 */
	rc = LZ4_decompress_safe((const char *) src, (char *) dst,
							 (int) srclen, (int) expected_len);
	if (rc < 0)
		return codec_fail(err, PQ_ERR_CORRUPT,
						  "LZ4_RAW: malformed block of %zu bytes (expected %zu bytes out)",
						  srclen, expected_len);
	if ((size_t) rc != expected_len)
		return codec_fail(err, PQ_ERR_CORRUPT,
						  "LZ4_RAW: decompressed to %d bytes, expected %zu",
						  rc, expected_len);
	return PQ_OK;
}

static PqStatus
decompress_snappy(const void *src, size_t srclen,
				  void *dst, size_t expected_len, PqError *err)
{
	size_t		claimed;
	size_t		outlen = expected_len;

	/* the varint preamble holds the uncompressed length: check it first */
	if (snappy_uncompressed_length((const char *) src, srclen, &claimed) != SNAPPY_OK)
		return codec_fail(err, PQ_ERR_CORRUPT, "SNAPPY: malformed length preamble");
	if (claimed != expected_len)
		return codec_fail(err, PQ_ERR_CORRUPT,
						  "SNAPPY: block holds %zu bytes, expected %zu",
						  claimed, expected_len);
	if (snappy_uncompress((const char *) src, srclen, (char *) dst, &outlen) != SNAPPY_OK)
		return codec_fail(err, PQ_ERR_CORRUPT,
						  "SNAPPY: malformed block of %zu bytes", srclen);
	if (outlen != expected_len)
		return codec_fail(err, PQ_ERR_CORRUPT,
						  "SNAPPY: decompressed to %zu bytes, expected %zu",
						  outlen, expected_len);
	return PQ_OK;
}

static bool
is_gzip_member_start(const uint8_t *p, size_t len)
{
	return len >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

static PqStatus
decompress_gzip(const void *src, size_t srclen,
				void *dst, size_t expected_len, PqError *err)
{
	z_stream	zs;
	const uint8_t *in = (const uint8_t *) src;
	uint8_t    *out = (uint8_t *) dst;
	size_t		in_left = srclen;
	size_t		out_left = expected_len;
	uint8_t		probe;
	int			rc;

	memset(&zs, 0, sizeof(zs));
	/* 15 + 32: a gzip or zlib header, detected automatically */
	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return codec_fail(err, PQ_ERR_NOMEM, "GZIP: inflateInit2 failed");

	for (;;)
	{
		size_t		in_chunk = in_left > ZLIB_CHUNK_MAX ? ZLIB_CHUNK_MAX : in_left;
		size_t		out_chunk = out_left > ZLIB_CHUNK_MAX ? ZLIB_CHUNK_MAX : out_left;
		size_t		used_in;
		size_t		made_out;

		/*
		 * With the output full, still let zlib see one byte of room in a
		 * scratch byte: if it writes there the stream is longer than
		 * expected; if it reaches the end it was exactly the right size.
		 */
		zs.next_in = (Bytef *) in;
		zs.avail_in = (uInt) in_chunk;
		if (out_chunk > 0)
		{
			zs.next_out = out;
			zs.avail_out = (uInt) out_chunk;
		}
		else
		{
			zs.next_out = &probe;
			zs.avail_out = 1;
		}
		rc = inflate(&zs, Z_NO_FLUSH);
		used_in = in_chunk - zs.avail_in;
		in += used_in;
		in_left -= used_in;
		if (out_chunk > 0)
		{
			made_out = out_chunk - zs.avail_out;
			out += made_out;
			out_left -= made_out;
		}
		else
		{
			made_out = 1 - zs.avail_out;
			if (made_out > 0)
			{
				inflateEnd(&zs);
				return codec_fail(err, PQ_ERR_CORRUPT,
								  "GZIP: stream inflates to more than the expected %zu bytes",
								  expected_len);
			}
		}

		if (rc == Z_STREAM_END)
		{
			/* concatenated gzip members are one stream (RFC 1952) */
			if (in_left > 0 && is_gzip_member_start(in, in_left))
			{
				if (inflateReset(&zs) != Z_OK)
					break;
				continue;
			}
			break;
		}
		if (rc == Z_OK)
			continue;
		if (rc == Z_BUF_ERROR && (used_in > 0 || made_out > 0))
			continue;

		inflateEnd(&zs);
		if (rc == Z_BUF_ERROR)
			return codec_fail(err, PQ_ERR_CORRUPT,
							  "GZIP: truncated stream (%zu of %zu bytes inflated)",
							  expected_len - out_left, expected_len);
		if (rc == Z_MEM_ERROR)
			return codec_fail(err, PQ_ERR_NOMEM, "GZIP: out of memory");
		return codec_fail(err, PQ_ERR_CORRUPT, "GZIP: %s",
						  zs.msg ? zs.msg : "malformed stream");
	}
	inflateEnd(&zs);

	if (rc != Z_STREAM_END)
		return codec_fail(err, PQ_ERR_CORRUPT, "GZIP: malformed concatenated member");
	if (in_left > 0)
		return codec_fail(err, PQ_ERR_CORRUPT, "GZIP: %zu trailing bytes after the stream",
						  in_left);
	if (out_left > 0)
		return codec_fail(err, PQ_ERR_CORRUPT,
						  "GZIP: decompressed to %zu bytes, expected %zu",
						  expected_len - out_left, expected_len);
	return PQ_OK;
}

PqStatus
PqCodecDecompress(int codec, const void *src, size_t srclen,
				  void *dst, size_t expected_len, PqError *err)
{
	uint8_t		empty_out;

	if ((srclen > 0 && src == NULL) || (expected_len > 0 && dst == NULL))
		return codec_fail(err, PQ_ERR_ARG, "PqCodecDecompress: NULL buffer");
	if (!PqCodecSupported(codec))
		return codec_fail(err, PQ_ERR_UNSUPPORTED,
						  "compression codec %d (%s) is not supported", codec,
						  codec_label(codec));

	/* an empty page may be stored as zero bytes whatever the codec */
	if (srclen == 0 && expected_len == 0)
		return PQ_OK;
	if (dst == NULL)
		dst = &empty_out;

	switch (codec)
	{
		case PQ_CODEC_UNCOMPRESSED:
			if (srclen != expected_len)
				return codec_fail(err, PQ_ERR_CORRUPT,
								  "UNCOMPRESSED: page of %zu bytes, expected %zu",
								  srclen, expected_len);
			memcpy(dst, src, srclen);
			return PQ_OK;
		case PQ_CODEC_ZSTD:
			return decompress_zstd(src, srclen, dst, expected_len, err);
		case PQ_CODEC_LZ4_RAW:
			return decompress_lz4(src, srclen, dst, expected_len, err);
		case PQ_CODEC_SNAPPY:
			return decompress_snappy(src, srclen, dst, expected_len, err);
		case PQ_CODEC_GZIP:
			return decompress_gzip(src, srclen, dst, expected_len, err);
	}
	return codec_fail(err, PQ_ERR_UNSUPPORTED, "compression codec %d is not supported", codec);
}

/* ---------------------------------------------------------------------
 * Prefix decompression
 * ---------------------------------------------------------------------
 */
/*
 * The frame table of a zstd page for frame mode: its frames (2 to
 * PQ_ZSTD_RANGE_FRAMES, ordinary zstd frames only, no skippable or legacy
 * ones) each declare a content size, those add up to expected_len and the
 * frames' compressed sizes (found by walking their block headers) to
 * srclen, and the page is not empty.  Returns the number of frames, or 0
 * for prefix mode (anything else, damage included: the prefix path then
 * finds and settles it).
 */
static int
zstd_probe_frames(PqCodecPrefix *p)
{
	size_t		spos = 0;
	size_t		opos = 0;
	int			n = 0;

	while (spos < p->srclen)
	{
		const uint8_t *f = p->src + spos;
		size_t		left = p->srclen - spos;
		unsigned long long fcs;
		size_t		flen;

		if (n == PQ_ZSTD_RANGE_FRAMES || left < 4 ||
			((uint32_t) f[0] | ((uint32_t) f[1] << 8) | ((uint32_t) f[2] << 16) |
			 ((uint32_t) f[3] << 24)) != ZSTD_MAGICNUMBER)
			return 0;
		fcs = ZSTD_getFrameContentSize(f, left);
		if (fcs == ZSTD_CONTENTSIZE_UNKNOWN || fcs == ZSTD_CONTENTSIZE_ERROR ||
			fcs > p->expected_len - opos)
			return 0;
		flen = ZSTD_findFrameCompressedSize(f, left);
		if (ZSTD_isError(flen) || flen == 0 || flen > left)
			return 0;
		p->fr_src[n] = spos;
		p->fr_out[n] = opos;
		n++;
		spos += flen;
		opos += (size_t) fcs;
	}
	/* an empty page is prefix mode's: a range there is empty, never the whole */
	if (n < 2 || opos != p->expected_len || opos == 0)
		return 0;
	p->fr_src[n] = spos;
	p->fr_out[n] = opos;
	return n;
}

PqStatus
PqCodecPrefixBegin(PqCodecPrefix *p, int codec, const void *src, size_t srclen,
				   void *dst, size_t expected_len, PqError *err)
{
	static uint8_t empty_out;
	PqStatus	st;
	size_t		rc;

	memset(p, 0, sizeof(*p));
	p->codec = codec;
	p->src = (const uint8_t *) src;
	p->srclen = srclen;
	p->dst = dst ? (uint8_t *) dst : &empty_out;
	p->expected_len = expected_len;
	if (codec != PQ_CODEC_ZSTD || (srclen == 0 && expected_len == 0) ||
		(srclen > 0 && src == NULL) || (expected_len > 0 && dst == NULL))
	{
		/* every other codec (and every misuse): the whole page, now */
		st = PqCodecDecompress(codec, src, srclen, dst, expected_len, err);
		if (st == PQ_OK)
		{
			p->valid = expected_len;
			p->complete = true;
		}
		return st;
	}
	zstd_prefix_begun++;
	p->nframes = zstd_probe_frames(p);
	if (p->nframes > 0)
		return PQ_OK;
	st = zstd_dctx_get(err);
	if (st != PQ_OK)
		return st;
	rc = ZSTD_decompressBegin(zstd_dctx);
	if (ZSTD_isError(rc))
		return codec_fail(err, PQ_ERR_NOMEM, "ZSTD: cannot start decompression: %s",
						  ZSTD_getErrorName(rc));
	p->generation = zstd_dctx_generation;
	return PQ_OK;
}

void
PqCodecZstdOneFrame(bool on)
{
	zstd_one_frame = on;
}

uint64_t
PqCodecFramesDecoded(void)
{
	return zstd_frames_decoded;
}

void
PqCodecPrefixCounts(uint64_t *begun, uint64_t *completed)
{
	*begun = zstd_prefix_begun;
	*completed = zstd_prefix_completed;
}

/*
 * The block-by-block decoder failed: decompress the whole page in one shot.
 * Success makes the prefix complete; failure is the one-shot error.
 */
static PqStatus
prefix_settle_whole(PqCodecPrefix *p, PqError *err)
{
	PqStatus	st = decompress_zstd(p->src, p->srclen, p->dst, p->expected_len, err);

	if (st != PQ_OK)
		return st;
	p->valid_lo = 0;
	p->valid = p->expected_len;
	p->complete = true;
	zstd_prefix_completed++;
	return PQ_OK;
}

/*
 * The frame that just ended produced as many bytes as its header declares.
 * The block-by-block decoder checks this only when the last block has
 * content; an empty last block would let a wrong size through.
 */
static bool
prefix_frame_size_ok(const PqCodecPrefix *p)
{
	ZSTD_frameHeader fh;

	if (ZSTD_getFrameHeader(&fh, p->src + p->frame_src, p->src_pos - p->frame_src) != 0)
		return false;
	if (fh.frameType != ZSTD_frame || fh.frameContentSize == ZSTD_CONTENTSIZE_UNKNOWN)
		return true;
	return fh.frameContentSize == p->valid - p->frame_out;
}

/*
 * The next input, if it is a block header, describes a block the
 * block-by-block decoder handles as the one-shot decoder does.  It takes a
 * compressed block of 0 bytes for an empty block; the one-shot decoder
 * (rightly: RFC 8878 requires a compressed block to hold its literals
 * section) calls it corrupt.
 */
static bool
prefix_block_header_ok(const PqCodecPrefix *p, size_t ns)
{
	const uint8_t *h = p->src + p->src_pos;
	uint32_t	hdr;

	if (ZSTD_nextInputType(zstd_dctx) != ZSTDnit_blockHeader || ns != 3)
		return true;
	hdr = (uint32_t) h[0] | ((uint32_t) h[1] << 8) | ((uint32_t) h[2] << 16);
	/* bit 0: last block, bits 1-2: type (2 = compressed), bits 3-23: size */
	return !(((hdr >> 1) & 3) == 2 && (hdr >> 3) == 0);
}

/*
 * Decompress block by block until want bytes are valid.  Reaching the
 * page's full length, the rest of the input must be frame ends, skippable
 * frames or empty frames: the same "exactly expected_len" rule as the
 * one-shot path, where the decoder's own checks (block sizes, offsets
 * within the frame's output, content size, checksum) apply as they do there.
 * The one-shot decoder is the authority: libzstd's block-by-block API refuses
 * a few degenerate frames its one-shot API accepts (an RLE block in a frame
 * whose window is 0 bytes), so any failure here is settled by decompressing
 * the whole page in one shot — a page is readable exactly when
 * PqCodecDecompress says so.
 */
PqStatus
PqCodecPrefixExtend(PqCodecPrefix *p, size_t want, PqError *err)
{
	if (p->complete)
		return PQ_OK;
	if (p->nframes > 0)
		return PqCodecPrefixRange(p, 0, want, err);
	if (want > p->expected_len)
		want = p->expected_len;
	if (p->generation != zstd_dctx_generation)
		return codec_fail(err, PQ_ERR_ARG,
						  "ZSTD: prefix decompression resumed after another use of the context");
	for (;;)
	{
		size_t		ns,
					rc;

		if (p->valid >= want && p->valid < p->expected_len)
			return PQ_OK;
		ns = ZSTD_nextSrcSizeToDecompress(zstd_dctx);
		if (ns == 0)
		{
			/* a frame ended */
			if (!prefix_frame_size_ok(p))
				return prefix_settle_whole(p, err);
			if (p->src_pos == p->srclen)
			{
				if (p->valid != p->expected_len)
					return prefix_settle_whole(p, err);
				p->complete = true;
				zstd_prefix_completed++;
				return PQ_OK;
			}
			rc = ZSTD_decompressBegin(zstd_dctx);
			if (ZSTD_isError(rc))
				return codec_fail(err, PQ_ERR_NOMEM, "ZSTD: cannot start decompression: %s",
								  ZSTD_getErrorName(rc));
			p->frame_src = p->src_pos;
			p->frame_out = p->valid;
			continue;
		}
		if (ns > p->srclen - p->src_pos || !prefix_block_header_ok(p, ns))
			return prefix_settle_whole(p, err);
		rc = ZSTD_decompressContinue(zstd_dctx, p->dst + p->valid,
									 p->expected_len - p->valid,
									 p->src + p->src_pos, ns);
		if (ZSTD_isError(rc))
			return prefix_settle_whole(p, err);
		p->src_pos += ns;
		p->valid += rc;
	}
}

/* prefix_settle_whole for frame mode: nothing is valid after a failure */
static PqStatus
frames_settle_whole(PqCodecPrefix *p, PqError *err)
{
	PqStatus	st = prefix_settle_whole(p, err);

	if (st != PQ_OK)
		p->valid_lo = p->valid = 0;
	return st;
}

/*
 * Make dst[lo, hi) valid.  Prefix mode: the first hi bytes.  Frame mode: the
 * frames [lo, hi) overlaps that are not valid yet, each decompressed on its
 * own in one shot straight into its place (bounded by its declared size,
 * which it must fill exactly); the valid range grows to cover them when it
 * touches them, else moves to them.  A request that would make the whole
 * page valid decompresses it in one shot instead, and any failure is
 * settled that way too (prefix_settle_whole): the page's verdict is
 * PqCodecDecompress's.
 */
PqStatus
PqCodecPrefixRange(PqCodecPrefix *p, size_t lo, size_t hi, PqError *err)
{
	size_t		nlo,
				nhi;
	int			a,
				b;
	PqStatus	st;

	if (p->complete)
		return PQ_OK;
	if (p->nframes == 0)
		return PqCodecPrefixExtend(p, hi, err);
	if (hi > p->expected_len)
		hi = p->expected_len;
	if (lo >= hi || (lo >= p->valid_lo && hi <= p->valid))
		return PQ_OK;

	/* frames a..b: the first one ending past lo, the first ending at or past hi */
	for (a = 0; p->fr_out[a + 1] <= lo; a++)
		;
	for (b = a; p->fr_out[b + 1] < hi; b++)
		;
	nlo = p->fr_out[a];
	nhi = p->fr_out[b + 1];
	if (p->valid > p->valid_lo && nlo <= p->valid && nhi >= p->valid_lo)
	{
		if (p->valid_lo < nlo)
			nlo = p->valid_lo;
		if (p->valid > nhi)
			nhi = p->valid;
	}
	if (nlo == 0 && nhi == p->expected_len)
		return frames_settle_whole(p, err);

	st = zstd_dctx_get(err);
	if (st != PQ_OK)
		return st;
	for (int i = a; i <= b; i++)
	{
		size_t		olen = p->fr_out[i + 1] - p->fr_out[i];
		size_t		rc;

		if (p->valid > p->valid_lo && p->fr_out[i] >= p->valid_lo &&
			p->fr_out[i + 1] <= p->valid)
			continue;			/* decompressed already */
		rc = ZSTD_decompressDCtx(zstd_dctx, p->dst + p->fr_out[i], olen,
								 p->src + p->fr_src[i], p->fr_src[i + 1] - p->fr_src[i]);
		if (ZSTD_isError(rc) || rc != olen)
			return frames_settle_whole(p, err);
		zstd_frames_decoded++;
	}
	p->valid_lo = nlo;
	p->valid = nhi;
	return PQ_OK;
}
