/*-------------------------------------------------------------------------
 * test_util.c
 *	  Shared helpers of the codec and foreign-decoder unit tests: failure
 *	  counters, the counting allocator, exact-size heap copies and the
 *	  final report.
 *-------------------------------------------------------------------------
 */
#include "test_util.h"

int			test_failures = 0;
int			test_checks = 0;

/* a small header keeps the size of each block for the live count */
void *
test_alloc(void *ctx, size_t size)
{
	TestAllocStats *st = (TestAllocStats *) ctx;
	void	   *p;

	st->calls++;
	if (st->fail_after >= 0 && st->calls > st->fail_after)
		return NULL;
	if (st->max_size > 0 && size > st->max_size)
		return NULL;
	p = malloc(size > 0 ? size : 1);
	if (p != NULL)
		st->live++;
	return p;
}

void
test_free(void *ctx, void *ptr)
{
	TestAllocStats *st = (TestAllocStats *) ctx;

	if (ptr == NULL)
		return;
	st->live--;
	free(ptr);
}

PqAllocator
test_allocator(TestAllocStats *stats)
{
	PqAllocator a;

	memset(stats, 0, sizeof(*stats));
	stats->fail_after = -1;
	a.alloc = test_alloc;
	a.free = test_free;
	a.ctx = stats;
	return a;
}

uint8_t *
test_exact_copy(const void *src, size_t len)
{
	uint8_t    *p = malloc(len > 0 ? len : 1);

	if (p == NULL)
	{
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	if (len > 0)
		memcpy(p, src, len);
	return p;
}

const char *
test_status_name(PqStatus st)
{
	switch (st)
	{
		case PQ_OK:
			return "PQ_OK";
		case PQ_END:
			return "PQ_END";
		case PQ_ERR_IO:
			return "PQ_ERR_IO";
		case PQ_ERR_CORRUPT:
			return "PQ_ERR_CORRUPT";
		case PQ_ERR_UNSUPPORTED:
			return "PQ_ERR_UNSUPPORTED";
		case PQ_ERR_NOMEM:
			return "PQ_ERR_NOMEM";
		case PQ_ERR_LIMIT:
			return "PQ_ERR_LIMIT";
		case PQ_ERR_ARG:
			return "PQ_ERR_ARG";
	}
	return "?";
}

int
test_report(const char *suite)
{
	if (test_failures > 0)
	{
		fprintf(stderr, "%s: %d of %d checks FAILED\n", suite, test_failures, test_checks);
		return 1;
	}
	printf("%s: all %d checks passed\n", suite, test_checks);
	return 0;
}
