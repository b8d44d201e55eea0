/*-------------------------------------------------------------------------
 * pq_test.h
 *	  Tiny test harness for the Parquet layer unit tests: CHECK macros,
 *	  an in-memory sink/source, a seeded PRNG and a counting allocator
 *	  that fails the test on leaks.
 *-------------------------------------------------------------------------
 */
#ifndef PQ_TEST_H
#define PQ_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet/parquet.h"

static int	pq_test_failures = 0;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		pq_test_failures++; \
	} \
} while (0)

#define CHECK_MSG(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		pq_test_failures++; \
	} \
} while (0)

#define CHECK_OK(st, err) CHECK_MSG((st) == PQ_OK, "status %s: %s", \
	ParquetStatusName(st), (err).message)

#define REQUIRE(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond); \
		exit(1); \
	} \
} while (0)

static inline int
pq_test_done(const char *name)
{
	if (pq_test_failures)
	{
		fprintf(stderr, "%s: %d check(s) FAILED\n", name, pq_test_failures);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

/* in-memory file */
typedef struct MemFile
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	int			fail_after;		/* sink: fail once this many writes done; -1 never */
	int			writes;
} MemFile;

static PqStatus
mem_write(void *ctx, const void *data, size_t len)
{
	MemFile    *m = ctx;

	if (m->fail_after >= 0 && m->writes >= m->fail_after)
		return PQ_ERR_IO;
	m->writes++;
	if (m->len + len > m->cap)
	{
		size_t		nc = m->cap ? m->cap : 4096;

		while (nc < m->len + len)
			nc *= 2;
		m->data = realloc(m->data, nc);
		REQUIRE(m->data);
		m->cap = nc;
	}
	memcpy(m->data + m->len, data, len);
	m->len += len;
	return PQ_OK;
}

static PqStatus
mem_read(void *ctx, uint64_t off, size_t len, void *buf)
{
	MemFile    *m = ctx;

	if (off > m->len || len > m->len - off)
		return PQ_ERR_IO;
	memcpy(buf, m->data + off, len);
	return PQ_OK;
}

static inline PqSink
mem_sink(MemFile *m)
{
	PqSink		s = {mem_write, m};

	m->fail_after = m->fail_after ? m->fail_after : -1;
	return s;
}

static inline PqSource
mem_source(MemFile *m)
{
	PqSource	s = {mem_read, m->len, m};

	return s;
}

/* xorshift64* */
static uint64_t pq_rng_state = 0x9e3779b97f4a7c15ULL;

static inline uint64_t
rng(void)
{
	uint64_t	x = pq_rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	pq_rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* counting allocator */
static long pq_live_allocs = 0;

static void *
count_alloc(void *ctx, size_t size)
{
	long	   *n = ctx;

	(*n)++;
	return malloc(size);
}

static void
count_free(void *ctx, void *p)
{
	long	   *n = ctx;

	if (p)
		(*n)--;
	free(p);
}

static const PqAllocator CountingAllocator = {count_alloc, count_free, &pq_live_allocs};

#endif
