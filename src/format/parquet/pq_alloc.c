/*-------------------------------------------------------------------------
 * pq_alloc.c
 *	  Allocation, error and naming helpers of the Parquet layer:
 *	  ParquetMallocAllocator, ParquetStatusName, ParquetCodecName,
 *	  PqErrorSet and the growable PqBuf.
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "format/parquet/pq_internal.h"

static void *
malloc_alloc(void *ctx, size_t size)
{
	(void) ctx;
	return malloc(size);
}

static void
malloc_free(void *ctx, void *ptr)
{
	(void) ctx;
	free(ptr);
}

const PqAllocator ParquetMallocAllocator = {malloc_alloc, malloc_free, NULL};

const char *
ParquetStatusName(PqStatus status)
{
	switch (status)
	{
		case PQ_OK:
			return "ok";
		case PQ_END:
			return "end";
		case PQ_ERR_IO:
			return "I/O error";
		case PQ_ERR_CORRUPT:
			return "corrupt data";
		case PQ_ERR_UNSUPPORTED:
			return "unsupported";
		case PQ_ERR_NOMEM:
			return "out of memory";
		case PQ_ERR_LIMIT:
			return "limit exceeded";
		case PQ_ERR_ARG:
			return "invalid argument";
	}
	return "unknown status";
}

const char *
ParquetCodecName(PqCodec codec)
{
	switch ((int) codec)
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
			return "LZ4";
		case PQ_CODEC_ZSTD:
			return "ZSTD";
		case PQ_CODEC_LZ4_RAW:
			return "LZ4_RAW";
	}
	return "UNKNOWN";
}

/*
 * Fill err (may be NULL) with status, offset and a formatted message, and
 * return status, so that callers can write "return PqErrorSet(...)".
 */
PqStatus
PqErrorSet(PqError *err, PqStatus status, uint64_t offset, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL)
		return status;
	err->status = status;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}

/*
 * Put "prefix: " (printf-formatted) before err's message, cutting the result
 * at the message buffer's end; a NULL err is ignored.
 */
void
PqErrorPrefix(PqError *err, const char *fmt,...)
{
	char		prefix[sizeof(err->message)];
	char		joined[sizeof(err->message)];
	va_list		ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	if (vsnprintf(prefix, sizeof(prefix), fmt, ap) >= (int) sizeof(prefix))
		prefix[sizeof(prefix) - 1] = '\0';
	va_end(ap);
	if (snprintf(joined, sizeof(joined), "%s: %s", prefix, err->message) >= (int) sizeof(joined))
		joined[sizeof(joined) - 1] = '\0';
	memcpy(err->message, joined, sizeof(joined));
}

void *
PqAllocZero(const PqAllocator *a, size_t size)
{
	void	   *p = pq_alloc(a, size);

	if (p)
		memset(p, 0, size ? size : 1);
	return p;
}

char *
PqStrdup(const PqAllocator *a, const char *s, size_t len)
{
	char	   *p = pq_alloc(a, len + 1);

	if (p)
	{
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

void
PqBufInit(PqBuf *b, const PqAllocator *alloc)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->alloc = alloc;
}

bool
PqBufGrow(PqBuf *b, size_t need)
{
	size_t		ncap;
	uint8_t    *nd;

	if (need <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 256;
	while (ncap < need)
	{
		if (ncap > SIZE_MAX / 2)
			return false;
		ncap *= 2;
	}
	nd = pq_alloc(b->alloc, ncap);
	if (nd == NULL)
		return false;
	if (b->len)
		memcpy(nd, b->data, b->len);
	pq_free(b->alloc, b->data);
	b->data = nd;
	b->cap = ncap;
	return true;
}

void
PqBufFree(PqBuf *b)
{
	pq_free(b->alloc, b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
