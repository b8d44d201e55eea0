/*-------------------------------------------------------------------------
 * parquet_bench.c
 *	  Benchmark of the Parquet layer: encode and decode throughput of an
 *	  INT64 column and a string column with ZSTD and LZ4_RAW, printed next
 *	  to the speed of raw libzstd / liblz4 on the very same page bytes,
 *	  measured in the same run, with ratios.  Also writes one file per
 *	  codec with the writer's default options (both columns) for the
 *	  file-size comparison with DuckDB done by ./parquet-bench.
 *
 * Throughput is in MB/s (10^6 bytes) of PLAIN-encoded data: 8 bytes per
 * INT64, 4 + length per string, and in values/s.  Each figure is the best
 * of several repetitions.  A benchmark, not a test: it never fails on
 * slowness (only on an API error).
 *
 * Usage: parquet_bench [--rows N] [--reps N] [--outdir DIR]
 *-------------------------------------------------------------------------
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lz4.h>
#include <zstd.h>

#include "format/parquet/parquet.h"
#include "format/parquet/pq_metadata.h"

typedef struct MemSink
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
} MemSink;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
xmalloc(size_t n)
{
	void	   *p = malloc(n ? n : 1);

	if (p == NULL)
	{
		fprintf(stderr, "parquet_bench: out of memory\n");
		exit(2);
	}
	return p;
}

static void
die(const char *what, const PqError *err)
{
	fprintf(stderr, "parquet_bench: %s: %s\n", what, err ? err->message : "");
	exit(1);
}

static PqStatus
mem_write(void *ctx, const void *data, size_t len)
{
	MemSink    *m = (MemSink *) ctx;

	if (m->len + len > m->cap)
	{
		size_t		cap = m->cap ? m->cap : 1 << 20;

		while (cap < m->len + len)
			cap *= 2;
		m->data = realloc(m->data, cap);
		if (m->data == NULL)
			return PQ_ERR_IO;
		m->cap = cap;
	}
	memcpy(m->data + m->len, data, len);
	m->len += len;
	return PQ_OK;
}

typedef struct MemSrc
{
	const uint8_t *data;
	size_t		len;
} MemSrc;

static PqStatus
mem_read_at(void *ctx, uint64_t off, size_t len, void *buf)
{
	MemSrc	   *m = (MemSrc *) ctx;

	if (off > m->len || len > m->len - off)
		return PQ_ERR_IO;
	memcpy(buf, m->data + off, len);
	return PQ_OK;
}

/* ---------------------------------------------------------------------
 * Data
 * ---------------------------------------------------------------------
 */
typedef struct Data
{
	uint32_t	rows;
	int64_t    *i64;			/* event times in microseconds */
	PqBytes    *str;			/* URLs */
	uint8_t    *str_arena;
	double		i64_plain_mb;
	double		str_plain_mb;
} Data;

static uint64_t rng = 0x853c49e6748fea9bULL;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static void
make_data(Data *d, uint32_t rows)
{
	size_t		cap = (size_t) rows * 64;
	size_t		used = 0;
	uint64_t	total = 0;
	int64_t		t = 1795000000000000LL;

	d->rows = rows;
	d->i64 = xmalloc(sizeof(int64_t) * rows);
	d->str = xmalloc(sizeof(PqBytes) * rows);
	d->str_arena = xmalloc(cap);
	for (uint32_t i = 0; i < rows; i++)
	{
		int			n;

		/* mostly increasing timestamps with jitter, as an event log has */
		t += (int64_t) (rnd() % 2000);
		d->i64[i] = t - (int64_t) (rnd() % 5000);
		n = snprintf((char *) d->str_arena + used, 64, "https://example.com/p/%" PRIu64 "?ref=%u",
					 rnd() % 200000, (unsigned) (rnd() % 50));
		d->str[i].ptr = d->str_arena + used;
		d->str[i].len = (uint32_t) n;
		used += (size_t) n;
		total += 4 + (uint64_t) n;
	}
	d->i64_plain_mb = rows * 8.0 / 1e6;
	d->str_plain_mb = total / 1e6;
}

/* ---------------------------------------------------------------------
 * Our writer and reader
 * ---------------------------------------------------------------------
 */
static void
write_file(const Data *d, int which, PqCodec codec, bool dictionary, MemSink *out)
{
	/* which: 0 INT64 only, 1 string only, 2 both */
	PqColumnSpec cols[2] = {
		{"ts", PQ_INT64, false, 0, 0, false},
		{"url", PQ_STRING, false, 0, 0, false},
	};
	PqSchema	schema;
	PqWriterOptions opts;
	PqSink		sink = {mem_write, out};
	PqError		err;
	PqWriter   *w;
	const uint32_t batch = 65536;

	schema.ncolumns = which == 2 ? 2 : 1;
	schema.columns = which == 1 ? &cols[1] : cols;
	ParquetWriterOptionsInit(&opts);
	opts.codec = codec;
	opts.dictionary = dictionary;
	if (getenv("BENCH_PAGE_ROWS"))	/* e.g. 2048: primary-key files' pages */
		opts.page_rows = (uint32_t) atoi(getenv("BENCH_PAGE_ROWS"));
	if (getenv("BENCH_PAGE_BYTES"))
		opts.page_bytes = (uint32_t) atoi(getenv("BENCH_PAGE_BYTES"));
	out->len = 0;
	w = ParquetWriterCreate(&schema, &opts, &sink, &ParquetMallocAllocator, &err);
	if (w == NULL)
		die("ParquetWriterCreate", &err);
	for (uint32_t s = 0; s < d->rows; s += batch)
	{
		uint32_t	n = d->rows - s < batch ? d->rows - s : batch;
		PqColumnVector v[2];

		memset(v, 0, sizeof(v));
		v[0].type = PQ_INT64;
		v[0].count = n;
		v[0].v.i64 = d->i64 + s;
		v[1].type = PQ_STRING;
		v[1].count = n;
		v[1].v.bytes = d->str + s;
		if (ParquetWriterWrite(w, which == 1 ? &v[1] : v, n, &err) != PQ_OK)
			die("ParquetWriterWrite", &err);
	}
	if (ParquetWriterFinish(w, &err) != PQ_OK)
		die("ParquetWriterFinish", &err);
	ParquetWriterFree(w);
}

/* read every value of column 0; returns a checksum so nothing is elided */
static uint64_t
read_file(const MemSink *f, uint64_t *nvalues)
{
	MemSrc		m = {f->data, f->len};
	PqSource	src = {mem_read_at, f->len, &m};
	PqError		err;
	PqReaderOptions o;
	PqReader   *r;
	uint64_t	h = 0;

	ParquetReaderOptionsInit(&o);
	r = ParquetReaderOpen(&src, &o, &ParquetMallocAllocator, "bench", &err);
	if (r == NULL)
		die("ParquetReaderOpen", &err);
	*nvalues = 0;
	for (int g = 0; g < ParquetReaderNumRowGroups(r); g++)
	{
		PqColumnVector v;
		uint32_t	n;
		PqStatus	st;

		if (ParquetReaderStartRowGroup(r, g, NULL, 0, &err) != PQ_OK)
			die("ParquetReaderStartRowGroup", &err);
		while ((st = ParquetReaderReadBatch(r, 65536, &v, &n, &err)) == PQ_OK)
		{
			if (v.type == PQ_INT64)
				h += (uint64_t) v.v.i64[0] + (uint64_t) v.v.i64[n - 1];
			else
				h += v.v.bytes[0].len + v.v.bytes[n - 1].ptr[0];
			*nvalues += n;
		}
		if (st != PQ_END)
			die("ParquetReaderReadBatch", &err);
	}
	ParquetReaderClose(r);
	return h;
}

/* ---------------------------------------------------------------------
 * The same page bytes through raw libzstd / liblz4
 * ---------------------------------------------------------------------
 */
typedef struct Pages
{
	int			n;
	const uint8_t **comp;		/* compressed segment of each page */
	size_t	   *comp_len;
	size_t	   *raw_len;		/* its decompressed size */
	uint8_t   **raw;			/* decompressed bytes (for raw compression) */
	size_t		total_raw;
	size_t		max_raw;
} Pages;

static void
collect_pages(const MemSink *f, PqCodec codec, Pages *p)
{
	MemSrc		m = {f->data, f->len};
	PqSource	src = {mem_read_at, f->len, &m};
	PqError		err;
	PqReaderOptions o;
	PqReader   *r;
	int			cap = 0;

	ParquetReaderOptionsInit(&o);
	r = ParquetReaderOpen(&src, &o, &ParquetMallocAllocator, "bench", &err);
	if (r == NULL)
		die("ParquetReaderOpen", &err);
	memset(p, 0, sizeof(*p));
	for (int g = 0; g < ParquetReaderNumRowGroups(r); g++)
	{
		const PqPageIndex *pi;

		if (ParquetReaderPageIndex(r, g, 0, &pi, &err) != PQ_OK)
			die("ParquetReaderPageIndex (the writer's page index is needed to find pages)", &err);
		for (int k = 0; k < pi->npages; k++)
		{
			const uint8_t *at = f->data + pi->pages[k].offset;
			PqPageHeader h;
			size_t		lev;

			if (PqPageHeaderParse(at, f->len - pi->pages[k].offset, pi->pages[k].offset, &h, &err) != PQ_OK)
				die("PqPageHeaderParse", &err);
			lev = h.type == 3 ? (size_t) h.def_len + (size_t) h.rep_len : 0;
			if (p->n == cap)
			{
				cap = cap ? cap * 2 : 64;
				p->comp = realloc(p->comp, sizeof(*p->comp) * cap);
				p->comp_len = realloc(p->comp_len, sizeof(size_t) * cap);
				p->raw_len = realloc(p->raw_len, sizeof(size_t) * cap);
				p->raw = realloc(p->raw, sizeof(uint8_t *) * cap);
			}
			p->comp[p->n] = at + h.header_len + lev;
			p->comp_len[p->n] = (size_t) h.compressed_size - lev;
			p->raw_len[p->n] = (size_t) h.uncompressed_size - lev;
			p->raw[p->n] = xmalloc(p->raw_len[p->n]);
			if (codec == PQ_CODEC_ZSTD)
			{
				if (ZSTD_decompress(p->raw[p->n], p->raw_len[p->n], p->comp[p->n], p->comp_len[p->n]) != p->raw_len[p->n])
					die("ZSTD_decompress of a page", NULL);
			}
			else if (LZ4_decompress_safe((const char *) p->comp[p->n], (char *) p->raw[p->n],
										 (int) p->comp_len[p->n], (int) p->raw_len[p->n]) != (int) p->raw_len[p->n])
				die("LZ4_decompress_safe of a page", NULL);
			p->total_raw += p->raw_len[p->n];
			if (p->raw_len[p->n] > p->max_raw)
				p->max_raw = p->raw_len[p->n];
			p->n++;
		}
	}
	ParquetReaderClose(r);
}

static double
raw_decompress_secs(const Pages *p, PqCodec codec)
{
	uint8_t    *dst = xmalloc(p->max_raw);
	ZSTD_DCtx  *dctx = ZSTD_createDCtx();
	double		t0 = now();

	for (int i = 0; i < p->n; i++)
	{
		if (codec == PQ_CODEC_ZSTD)
			ZSTD_decompressDCtx(dctx, dst, p->raw_len[i], p->comp[i], p->comp_len[i]);
		else
			LZ4_decompress_safe((const char *) p->comp[i], (char *) dst, (int) p->comp_len[i], (int) p->raw_len[i]);
	}
	t0 = now() - t0;
	ZSTD_freeDCtx(dctx);
	free(dst);
	return t0;
}

static double
raw_compress_secs(const Pages *p, PqCodec codec)
{
	size_t		cap = ZSTD_compressBound(p->max_raw) + LZ4_compressBound((int) p->max_raw);
	uint8_t    *dst = xmalloc(cap);
	ZSTD_CCtx  *cctx = ZSTD_createCCtx();
	double		t0 = now();

	for (int i = 0; i < p->n; i++)
	{
		if (codec == PQ_CODEC_ZSTD)
			ZSTD_compressCCtx(cctx, dst, cap, p->raw[i], p->raw_len[i], ZSTD_CLEVEL_DEFAULT);
		else
			LZ4_compress_default((const char *) p->raw[i], (char *) dst, (int) p->raw_len[i], (int) cap);
	}
	t0 = now() - t0;
	ZSTD_freeCCtx(cctx);
	free(dst);
	return t0;
}

static void
free_pages(Pages *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->raw[i]);
	free(p->comp);
	free(p->comp_len);
	free(p->raw_len);
	free(p->raw);
}

/* ---------------------------------------------------------------------
 * Main
 * ---------------------------------------------------------------------
 */
int
main(int argc, char **argv)
{
	uint32_t	rows = 4000000;
	int			reps = 3;
	const char *outdir = NULL;
	Data		d;
	static const PqCodec codecs[] = {PQ_CODEC_ZSTD, PQ_CODEC_LZ4_RAW};
	static const char *cnames[] = {"zstd", "lz4_raw"};
	volatile uint64_t sink = 0;

	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			rows = (uint32_t) strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (strcmp(argv[i], "--outdir") == 0 && i + 1 < argc)
			outdir = argv[++i];
		else
		{
			fprintf(stderr, "usage: parquet_bench [--rows N] [--reps N] [--outdir DIR]\n");
			return 2;
		}
	}
	if (reps < 1)
		reps = 1;
	make_data(&d, rows);
	printf("Parquet layer benchmark: %u rows; INT64 column %.1f MB plain, string column %.1f MB plain; best of %d\n",
		   rows, d.i64_plain_mb, d.str_plain_mb, reps);
	printf("(PLAIN encoding, no dictionary, so the compressed pages are the whole column; "
		   "raw = the same page bytes through libzstd level %d / liblz4 directly)\n\n", ZSTD_CLEVEL_DEFAULT);
	printf("%-8s %-7s | %9s %11s %9s | %9s %11s %9s | %9s %9s | %7s %7s | %s\n",
		   "codec", "column", "enc MB/s", "enc val/s", "raw c MB/s", "dec MB/s", "dec val/s",
		   "raw d MB/s", "enc/raw", "dec/raw", "ratio", "pages", "file MB");

	for (int c = 0; c < 2; c++)
		for (int which = 0; which < 2; which++)
		{
			MemSink		f = {0};
			double		best_enc = 1e30,
						best_dec = 1e30,
						best_rawd = 1e30,
						best_rawc = 1e30;
			double		plain_mb = which == 0 ? d.i64_plain_mb : d.str_plain_mb;
			uint64_t	nvalues = 0;
			Pages		pages;

			for (int r = 0; r < reps; r++)
			{
				double		t0 = now();

				write_file(&d, which, codecs[c], false, &f);
				t0 = now() - t0;
				if (t0 < best_enc)
					best_enc = t0;
			}
			for (int r = 0; r < reps; r++)
			{
				double		t0 = now();

				sink += read_file(&f, &nvalues);
				t0 = now() - t0;
				if (t0 < best_dec)
					best_dec = t0;
			}
			if (nvalues != rows)
			{
				fprintf(stderr, "parquet_bench: read %" PRIu64 " values, wrote %u\n", nvalues, rows);
				return 1;
			}
			collect_pages(&f, codecs[c], &pages);
			for (int r = 0; r < reps; r++)
			{
				double		t = raw_decompress_secs(&pages, codecs[c]);

				if (t < best_rawd)
					best_rawd = t;
				t = raw_compress_secs(&pages, codecs[c]);
				if (t < best_rawc)
					best_rawc = t;
			}
			{
				double		raw_mb = pages.total_raw / 1e6;
				double		enc = plain_mb / best_enc,
							dec = plain_mb / best_dec;
				double		rawc = raw_mb / best_rawc,
							rawd = raw_mb / best_rawd;

				printf("%-8s %-7s | %9.0f %11.3g %9.0f | %9.0f %11.3g %9.0f | %9.2f %9.2f | %7.2f %7d | %.2f\n",
					   cnames[c], which == 0 ? "int64" : "string",
					   enc, rows / best_enc, rawc, dec, rows / best_dec, rawd,
					   enc / rawc, dec / rawd, plain_mb * 1e6 / (double) f.len, pages.n, f.len / 1e6);
			}
			free_pages(&pages);
			free(f.data);
		}
	printf("\nenc/raw, dec/raw: our whole encode/decode path relative to the codec alone on the same bytes\n"
		   "(1.0 = no overhead beyond compression); ratio = plain bytes / file bytes.\n");

	/* files with the writer's default options, both columns, for ./parquet-bench */
	if (outdir)
	{
		for (int c = 0; c < 2; c++)
		{
			MemSink		f = {0};
			char		path[4096];
			FILE	   *fp;

			write_file(&d, 2, codecs[c], true, &f);
			snprintf(path, sizeof(path), "%s/ours-%s.parquet", outdir, cnames[c]);
			fp = fopen(path, "wb");
			if (fp == NULL || fwrite(f.data, 1, f.len, fp) != f.len || fclose(fp) != 0)
			{
				perror(path);
				return 1;
			}
			free(f.data);
		}
	}
	(void) sink;
	return 0;
}
