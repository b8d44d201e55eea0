/*-------------------------------------------------------------------------
 * pqindex.c
 *	  Prints what lake_fdw's reader makes of a file's page indexes
 *	  (ParquetReaderPageIndex), one JSON line per row group and column,
 *	  for the interop tests to compare with an independent reader:
 *
 *	    {"rg":0,"column":"id","pages":[{"offset":4,"compressed_size":61,
 *	      "first_row":0,"num_rows":20,"null_page":false,"null_count":0,
 *	      "min":"0","max":"19"}, ...]}
 *
 *	  "pages" is null when the chunk has no page index.  min/max are given
 *	  (as decimal text) for INT16/INT32/INT64/DATE/TIMESTAMP columns only;
 *	  null_count is null when the ColumnIndex has none.
 *
 * Usage: pqindex FILE
 *-------------------------------------------------------------------------
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet/parquet.h"

static PqStatus
file_read_at(void *ctx, uint64_t off, size_t len, void *buf)
{
	FILE	   *f = (FILE *) ctx;

	if (fseeko(f, (off_t) off, SEEK_SET) != 0 || fread(buf, 1, len, f) != len)
		return PQ_ERR_IO;
	return PQ_OK;
}

static bool
integer_like(PqType t)
{
	return t == PQ_INT16 || t == PQ_INT32 || t == PQ_INT64 || t == PQ_DATE ||
		t == PQ_TIMESTAMP || t == PQ_TIMESTAMPTZ;
}

static void
print_int(const PqValue *v)
{
	if (v->type == PQ_INT64 || v->type == PQ_TIMESTAMP || v->type == PQ_TIMESTAMPTZ)
		printf("\"%" PRId64 "\"", v->v.i64);
	else
		printf("\"%d\"", v->v.i32);
}

int
main(int argc, char **argv)
{
	FILE	   *f;
	PqSource	src;
	PqReaderOptions opts;
	PqError		err;
	PqReader   *r;

	if (argc != 2)
	{
		fprintf(stderr, "usage: pqindex FILE\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (f == NULL || fseeko(f, 0, SEEK_END) != 0)
	{
		perror(argv[1]);
		return 1;
	}
	src.read_at = file_read_at;
	src.size = (uint64_t) ftello(f);
	src.ctx = f;
	ParquetReaderOptionsInit(&opts);
	r = ParquetReaderOpen(&src, &opts, &ParquetMallocAllocator, argv[1], &err);
	if (r == NULL)
	{
		fprintf(stderr, "pqindex: %s\n", err.message);
		return 1;
	}
	for (int g = 0; g < ParquetReaderNumRowGroups(r); g++)
		for (int c = 0; c < ParquetReaderNumColumns(r); c++)
		{
			const PqColumnInfo *ci = ParquetReaderColumn(r, c);
			const PqPageIndex *pi;
			PqStatus	st = ParquetReaderPageIndex(r, g, c, &pi, &err);

			if (st != PQ_OK && st != PQ_END)
			{
				fprintf(stderr, "pqindex: %s\n", err.message);
				return 1;
			}
			printf("{\"rg\":%d,\"column\":\"%s\",\"pages\":", g, ci->name);
			if (st == PQ_END)
			{
				printf("null}\n");
				continue;
			}
			printf("[");
			for (int p = 0; p < pi->npages; p++)
			{
				const PqPageIndexEntry *e = &pi->pages[p];

				printf("%s{\"offset\":%" PRIu64 ",\"compressed_size\":%u,\"first_row\":%" PRId64
					   ",\"num_rows\":%" PRId64 ",\"null_page\":%s,\"null_count\":",
					   p ? "," : "", e->offset, e->compressed_size, e->first_row, e->num_rows,
					   e->null_page ? "true" : "false");
				if (e->has_null_count)
					printf("%" PRId64, e->null_count);
				else
					printf("null");
				if (integer_like(ci->type) && e->has_min_max)
				{
					printf(",\"min\":");
					print_int(&e->min);
					printf(",\"max\":");
					print_int(&e->max);
				}
				printf("}");
			}
			printf("]}\n");
		}
	ParquetReaderClose(r);
	fclose(f);
	return 0;
}
