/*-------------------------------------------------------------------------
 * test_util.h
 *	  Minimal test harness for the codec and foreign-decoder unit tests:
 *	  CHECK macros that count failures, a deterministic PRNG, a counting
 *	  PqAllocator (to catch leaks and to fail allocations on demand) and
 *	  helpers that copy a buffer into an exactly-sized heap block so that
 *	  AddressSanitizer sees any over-read.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_TEST_UTIL_H
#define LAKE_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet/parquet.h"

extern int	test_failures;
extern int	test_checks;

#define CHECK(cond) \
	do { \
		test_checks++; \
		if (!(cond)) \
		{ \
			test_failures++; \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

#define CHECK_MSG(cond, ...) \
	do { \
		test_checks++; \
		if (!(cond)) \
		{ \
			test_failures++; \
			fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
		} \
	} while (0)

/* xorshift64*: deterministic across platforms */
typedef struct TestRng
{
	uint64_t	s;
} TestRng;

static inline uint64_t
test_rng_next(TestRng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static inline void
test_rng_seed(TestRng *r, uint64_t seed)
{
	r->s = seed * 0x9E3779B97F4A7C15ULL + 1;
}

/* counting allocator; fail_after >= 0 makes the (fail_after+1)th call fail */
typedef struct TestAllocStats
{
	long		live;
	long		calls;
	long		fail_after;
	size_t		max_size;		/* refuse larger requests (0: no cap) */
} TestAllocStats;

extern void *test_alloc(void *ctx, size_t size);
extern void test_free(void *ctx, void *ptr);
extern PqAllocator test_allocator(TestAllocStats *stats);

/* heap copy of exactly len bytes (at least 1 allocated); free() it */
extern uint8_t *test_exact_copy(const void *src, size_t len);

extern const char *test_status_name(PqStatus st);

extern int	test_report(const char *suite);

#endif							/* LAKE_TEST_UTIL_H */
