/*-------------------------------------------------------------------------
 * fuzz_util.h
 *	  Helpers shared by the libFuzzer targets: a bounded malloc-backed
 *	  PqAllocator (refuses single requests above a cap and tracks the live
 *	  total, so a hostile input gets PQ_ERR_NOMEM instead of exhausting
 *	  the fuzzer's RSS limit), little-endian field readers and a check
 *	  that aborts (a finding) when a property does not hold.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_FUZZ_UTIL_H
#define LAKE_FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet/parquet.h"

#define FUZZ_MAX_ALLOC		((size_t) 64 << 20)
#define FUZZ_MAX_LIVE		((size_t) 768 << 20)

typedef struct FuzzAlloc
{
	size_t		live;
	long		blocks;
} FuzzAlloc;

static void *
fuzz_alloc(void *ctx, size_t size)
{
	FuzzAlloc  *fa = (FuzzAlloc *) ctx;
	size_t	   *p;

	if (size > FUZZ_MAX_ALLOC || fa->live + size > FUZZ_MAX_LIVE)
		return NULL;
	p = malloc(size + sizeof(size_t) * 2);
	if (p == NULL)
		return NULL;
	p[0] = size;
	fa->live += size;
	fa->blocks++;
	return p + 2;
}

static void
fuzz_free(void *ctx, void *ptr)
{
	FuzzAlloc  *fa = (FuzzAlloc *) ctx;
	size_t	   *p;

	if (ptr == NULL)
		return;
	p = (size_t *) ptr - 2;
	fa->live -= p[0];
	fa->blocks--;
	free(p);
}

static inline PqAllocator
fuzz_allocator(FuzzAlloc *fa)
{
	PqAllocator a;

	memset(fa, 0, sizeof(*fa));
	a.alloc = fuzz_alloc;
	a.free = fuzz_free;
	a.ctx = fa;
	return a;
}

#define FUZZ_ASSERT(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static inline uint32_t
fuzz_le32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) |
		((uint32_t) p[3] << 24);
}

/* a status other than OK must come with a matching, non-empty PqError */
static inline void
fuzz_check_error(PqStatus st, const PqError *err)
{
	if (st == PQ_OK || st == PQ_END)
		return;
	FUZZ_ASSERT(err->status == st);
	FUZZ_ASSERT(err->message[0] != '\0');
	FUZZ_ASSERT(memchr(err->message, '\0', sizeof(err->message)) != NULL);
}

#endif							/* LAKE_FUZZ_UTIL_H */
