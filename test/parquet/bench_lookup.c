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
 *
 *	  bench_lookup --scan FILE [LOOKUPS]: a lake file scan's point lookup as
 *	  the server does it, with the file read by pread: per lookup the kept
 *	  reader is released and attached again, every column selected, the
 *	  chunk statistics of the two key columns read, the page of column 1
 *	  holding a random key found through its page index, the pages of
 *	  every column in that range counted (EXPLAIN's figure, from the
 *	  offset indexes), the page's
 *	  rows of columns 0 and 1 decoded, the key's row found among them and
 *	  every other column read at that row.  Column 1 must be an ascending
 *	  INT64 key.  Prints CPU per lookup (syscalls included).
 *
 *	  bench_lookup --seek FILE [LOOKUPS]: --scan with the key's row found by
 *	  ParquetReaderSeekSorted on column 1 (binary search, only the zstd
 *	  frames it probes decompressed) and every column read at that row.
 *-------------------------------------------------------------------------
 */
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

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

static PqStatus
fd_read(void *ctx, uint64_t off, size_t len, void *buf)
{
	int			fd = *(int *) ctx;

	while (len > 0)
	{
		ssize_t		n = pread(fd, buf, len, (off_t) off);

		if (n <= 0)
			return PQ_ERR_IO;
		buf = (char *) buf + n;
		off += (uint64_t) n;
		len -= (size_t) n;
	}
	return PQ_OK;
}

/* the page of pi holding row-ordered value key (pages ascending): its index */
static int
page_of_key(const PqPageIndex *pi, int64_t key)
{
	int			lo = 0,
				hi = pi->npages - 1;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo + 1) / 2;

		if (pi->pages[mid].min.v.i64 <= key)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static int
scan_mode(const char *path, int lookups, bool seek)
{
	int			fd = open(path, O_RDONLY);
	PqSource	src;
	PqError		err;
	PqReader   *r;
	int			ncols;
	int			all[256];
	bool		want_k[256],
				want_o[256],
				want_all[256];
	PqColumnStats cs;
	int64_t		kmin,
				kmax;
	uint32_t	x = 42;
	double		t = 0;
	uint64_t	bytes = 0;
	long		pages = 0;

	REQUIRE(fd >= 0);
	src.read_at = fd_read;
	src.size = (uint64_t) lseek(fd, 0, SEEK_END);
	src.ctx = &fd;
	r = ParquetReaderOpen(&src, NULL, &CountingAllocator, path, &err);
	REQUIRE(r);
	ncols = ParquetReaderNumColumns(r);
	REQUIRE(ncols <= 256 && ncols >= 3 && ParquetReaderNumRowGroups(r) >= 1);
	REQUIRE(ParquetReaderColumn(r, 1)->type == PQ_INT64);
	REQUIRE(ParquetReaderChunkStats(r, 0, 1, &cs, &err) == PQ_OK && cs.has_min_max);
	kmin = cs.min.v.i64;
	kmax = cs.max.v.i64;
	for (int c = 0; c < ncols; c++)
	{
		all[c] = c;
		want_k[c] = c < 2;
		want_o[c] = c >= 2;
		want_all[c] = true;
	}
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < lookups; i++)
		{
			PqColumnVector out[256];
			const PqPageIndex *pi;
			PqRowRange	rr;
			uint32_t	n;
			int64_t		got[8192];
			int64_t		key;
			int64_t		row = -1;
			double		t0;
			int			pg;

			x = x * 1103515245 + 12345;
			key = kmin + (int64_t) ((x >> 4) % (uint64_t) (kmax - kmin + 1));
			t0 = cpu_ns();
			ParquetReaderRelease(r);
			REQUIRE(ParquetReaderAttach(r, &src, &err) == PQ_OK);
			REQUIRE(ParquetReaderSelectColumns(r, all, ncols, &err) == PQ_OK);
			REQUIRE(ParquetReaderChunkStats(r, 0, 0, &cs, &err) == PQ_OK);
			REQUIRE(ParquetReaderChunkStats(r, 0, 1, &cs, &err) == PQ_OK);
			REQUIRE(ParquetReaderPageIndex(r, 0, 1, &pi, &err) == PQ_OK);
			pg = page_of_key(pi, key);
			rr.first = pi->pages[pg].first_row;
			rr.count = pi->pages[pg].num_rows;
			for (int c = 0; c < ncols; c++)
			{
				int			np,
							nr;

				REQUIRE(ParquetReaderPagesInRanges(r, 0, c, &rr, 1, &np, &nr, &err) == PQ_OK);
				pages += nr;
			}
			REQUIRE(ParquetReaderStartRowGroup(r, 0, &rr, 1, &err) == PQ_OK);
			if (seek)
			{
				PqValue		kv;
				int64_t		count;

				memset(&kv, 0, sizeof(kv));
				kv.type = PQ_INT64;
				kv.v.i64 = key;
				REQUIRE(ParquetReaderSeekSorted(r, 1, &kv, &row, &count, &err) == PQ_OK);
				REQUIRE(count == 1);
				REQUIRE(ParquetReaderReadRows(r, &row, 1, want_all, out, &err) == PQ_OK);
				REQUIRE(out[1].v.i64[0] == key);
			}
			else
			{
				REQUIRE(ParquetReaderReadBatchColumns(r, 8192, want_k, out, &n, got, &err) == PQ_OK);
				for (uint32_t k = 0; k < n; k++)
					if (out[1].v.i64[k] == key)
						row = got[k];
				REQUIRE(row >= 0);
				REQUIRE(ParquetReaderReadRows(r, &row, 1, want_o, out, &err) == PQ_OK);
			}
			bytes += ParquetReaderBytesRead(r);
			if (pass == 1)
				t += cpu_ns() - t0;
		}
	printf("%s: %d lookups, %d columns: %.2f us/lookup, %.0f bytes read/lookup\n",
		   path, lookups, ncols, t / lookups / 1000, (double) bytes / (2.0 * lookups));
	(void) pages;
	ParquetReaderClose(r);
	close(fd);
	return 0;
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

	if (argc > 2 && strcmp(argv[1], "--scan") == 0)
		return scan_mode(argv[2], argc > 3 ? atoi(argv[3]) : 20000, false);
	if (argc > 2 && strcmp(argv[1], "--seek") == 0)
		return scan_mode(argv[2], argc > 3 ? atoi(argv[3]) : 20000, true);
	if (argc < 2)
	{
		fprintf(stderr, "usage: bench_lookup FILE [LOOKUPS [NFILTER]] | bench_lookup --scan|--seek FILE [LOOKUPS]\n");
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
