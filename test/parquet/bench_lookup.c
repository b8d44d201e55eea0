/*-------------------------------------------------------------------------
 * bench_lookup.c
 *	  Point lookups through the Parquet reader alone, the way a lake scan
 *	  with late materialisation does them: one reader kept open; per lookup
 *	  a row range of one row, ReadBatchColumns of the filter columns (the
 *	  pages holding it decoded whole), then ReadRows of that row of every
 *	  other column.  Prints CPU per lookup beside the same lookups with
 *	  every column read by ReadBatch (no row selection) as the baseline.
 *	  Not a test: figures only.
 *
 *	  bench_lookup FILE [LOOKUPS [NFILTER]]: the first NFILTER columns
 *	  (default 2) are the filter columns.
 *-------------------------------------------------------------------------
 */
#include <time.h>

#include "pq_test.h"

static double
cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static PqStatus
file_read(void *ctx, uint64_t off, size_t len, void *buf)
{
	return mem_read(ctx, off, len, buf);
}

int
main(int argc, char **argv)
{
	MemFile		f;
	FILE	   *fp;
	long		sz;
	int			lookups = argc > 2 ? atoi(argv[2]) : 20000;
	int			nfilter = argc > 3 ? atoi(argv[3]) : 2;
	PqSource	src;
	PqError		err;
	PqReader   *r;
	int			ncols;
	int			all[256];
	bool		want_f[256],
				want_o[256];
	int64_t		rows;
	uint32_t	x = 42;
	double		t_sel = 0,
				t_full = 0;

	if (argc < 2)
	{
		fprintf(stderr, "usage: bench_lookup FILE [LOOKUPS [NFILTER]]\n");
		return 2;
	}
	memset(&f, 0, sizeof(f));
	fp = fopen(argv[1], "rb");
	REQUIRE(fp);
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	f.data = malloc(sz);
	f.len = f.cap = (size_t) sz;
	REQUIRE(f.data && fread(f.data, 1, sz, fp) == (size_t) sz);
	fclose(fp);
	src.read_at = file_read;
	src.size = f.len;
	src.ctx = &f;
	r = ParquetReaderOpen(&src, NULL, &CountingAllocator, argv[1], &err);
	REQUIRE(r);
	ncols = ParquetReaderNumColumns(r);
	REQUIRE(ncols <= 256 && ParquetReaderNumRowGroups(r) >= 1);
	for (int c = 0; c < ncols; c++)
	{
		all[c] = c;
		want_f[c] = c < nfilter;
		want_o[c] = c >= nfilter;
	}
	REQUIRE(ParquetReaderSelectColumns(r, all, ncols, &err) == PQ_OK);
	rows = ParquetReaderRowGroupNumRows(r, 0);
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < lookups; i++)
		{
			PqColumnVector out[256];
			PqRowRange	rr;
			uint32_t	n;
			int64_t		got[1];
			double		t0;

			x = x * 1103515245 + 12345;
			rr.first = (int64_t) ((x >> 4) % (uint64_t) rows);
			rr.count = 1;
			t0 = cpu_ns();
			REQUIRE(ParquetReaderStartRowGroup(r, 0, &rr, 1, &err) == PQ_OK);
			if (pass == 0)
			{
				REQUIRE(ParquetReaderReadBatchColumns(r, 16, want_f, out, &n, got, &err) == PQ_OK);
				REQUIRE(n == 1);
				REQUIRE(ParquetReaderReadRows(r, got, 1, want_o, out, &err) == PQ_OK);
				t_sel += cpu_ns() - t0;
			}
			else
			{
				REQUIRE(ParquetReaderReadBatch(r, 16, out, &n, &err) == PQ_OK);
				REQUIRE(n == 1);
				t_full += cpu_ns() - t0;
			}
		}
	printf("%s: %d lookups, %d columns: row selection %.2f us/lookup, whole pages %.2f us/lookup (ratio %.2f)\n",
		   argv[1], lookups, ncols, t_sel / lookups / 1000, t_full / lookups / 1000,
		   t_sel / t_full);
	ParquetReaderClose(r);
	free(f.data);
	return 0;
}
