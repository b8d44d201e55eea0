/*-------------------------------------------------------------------------
 * mksample.c
 *	  Writes a deterministic sample Parquet file with every lake_fdw type,
 *	  NULLs, several pages and row groups, bloom filters and key/value
 *	  metadata, for checking our files with independent readers:
 *
 *	  mksample OUT [zstd|lz4|none|snappy|gzip] [dict|nodict] [ROWS]
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "pq_test.h"

static PqStatus
fwrite_sink(void *ctx, const void *p, size_t n)
{
	return fwrite(p, 1, n, (FILE *) ctx) == n ? PQ_OK : PQ_ERR_IO;
}

int
main(int argc, char **argv)
{
	PqColumnSpec cols[] = {
		{"b", PQ_BOOL, true, 0, 0, false},
		{"i16", PQ_INT16, true, 0, 0, false},
		{"i32", PQ_INT32, false, 0, 0, false},
		{"i64", PQ_INT64, true, 0, 0, true},
		{"f32", PQ_FLOAT, true, 0, 0, false},
		{"f64", PQ_DOUBLE, true, 0, 0, false},
		{"d5", PQ_DECIMAL, true, 5, 2, false},
		{"d18", PQ_DECIMAL, true, 18, 3, false},
		{"d38", PQ_DECIMAL, true, 38, 10, false},
		{"s", PQ_STRING, true, 0, 0, true},
		{"by", PQ_BYTES, true, 0, 0, false},
		{"d", PQ_DATE, true, 0, 0, false},
		{"ts", PQ_TIMESTAMP, true, 0, 0, false},
		{"tstz", PQ_TIMESTAMPTZ, true, 0, 0, false},
		{"u", PQ_UUID, true, 0, 0, false},
		{"j", PQ_JSON, true, 0, 0, false},
	};
	enum {NC = sizeof(cols) / sizeof(cols[0])};
	uint32_t	n = argc > 4 ? (uint32_t) atoi(argv[4]) : 3000;
	PqSchema	schema = {NC, cols};
	PqWriterOptions o;
	PqColumnVector v[NC];
	uint8_t    *nulls[NC];
	char	   *arena = malloc((size_t) n * 200 + 64);
	size_t		al = 0;
	FILE	   *f;
	PqSink		sink;
	PqError		err;
	PqWriter   *w;

	if (argc < 2)
	{
		fprintf(stderr, "usage: mksample OUT [codec] [dict|nodict] [rows]\n");
		return 2;
	}
	ParquetWriterOptionsInit(&o);
	if (argc > 2)
		o.codec = strcmp(argv[2], "lz4") == 0 ? PQ_CODEC_LZ4_RAW :
			strcmp(argv[2], "none") == 0 ? PQ_CODEC_UNCOMPRESSED :
			strcmp(argv[2], "snappy") == 0 ? PQ_CODEC_SNAPPY :
			strcmp(argv[2], "gzip") == 0 ? PQ_CODEC_GZIP : PQ_CODEC_ZSTD;
	o.dictionary = !(argc > 3 && strcmp(argv[3], "nodict") == 0);
	o.page_rows = 500;
	o.row_group_rows = 1200;
	for (int c = 0; c < NC; c++)
	{
		v[c].type = cols[c].type;
		v[c].count = n;
		v[c].v.b = calloc(n ? n : 1, 16);
		nulls[c] = calloc(n ? n : 1, 1);
		v[c].nulls = cols[c].nullable ? nulls[c] : NULL;
	}
	for (uint32_t i = 0; i < n; i++)
	{
		uint64_t	x = rng();

		for (int c = 0; c < NC; c++)
			nulls[c][i] = cols[c].nullable && (rng() % 5 == 0);
		v[0].v.b[i] = x & 1;
		v[1].v.i32[i] = (int16_t) (x >> 3);
		v[2].v.i32[i] = i == 0 ? INT32_MIN : (int32_t) (x >> 7);
		v[3].v.i64[i] = i == 0 ? INT64_MAX : (int64_t) (x % 1000) - 500;
		v[4].v.f32[i] = i == 1 ? -0.0f : i == 2 ? NAN : (float) ((int) (x % 20000) - 10000) / 8.0f;
		v[5].v.f64[i] = i == 1 ? INFINITY : i == 2 ? -0.0 : (double) ((int64_t) (x % 2000000) - 1000000) / 1024.0;
		v[6].v.i64[i] = (int64_t) (x % 199999) - 99999;
		v[7].v.i64[i] = (int64_t) (x % 1999999999999999ULL) - 999999999999999LL;
		{
			pq_int128	m = 1;

			for (int k = 0; k < 37; k++)
				m *= 10;
			v[8].v.i128[i] = i == 0 ? -(m * 10 - 1) : ((pq_int128) (int64_t) x * 1000003) % m;
		}
		{
			int			len = sprintf(arena + al, "str-%u-%s", (unsigned) (x % 300),
									  x % 11 == 0 ? "Ünïcødé \"quoted\" \\ tab\t" : "");

			if (i == 3)
				len = 0;
			v[9].v.bytes[i].ptr = (uint8_t *) arena + al;
			v[9].v.bytes[i].len = (uint32_t) len;
			al += len;
			len = (int) (x % 6);
			for (int k = 0; k < len; k++)
				arena[al + k] = (char) (x >> (8 * k));
			v[10].v.bytes[i].ptr = (uint8_t *) arena + al;
			v[10].v.bytes[i].len = (uint32_t) len;
			al += len;
		}
		v[11].v.i32[i] = (int32_t) (x % 40000) - 10000;
		v[12].v.i64[i] = (int64_t) (x % 4000000000000000ULL) - 1000000000000000LL;
		v[13].v.i64[i] = (int64_t) (x % 3000000000000000ULL);
		for (int k = 0; k < 16; k++)
			arena[al + k] = (char) rng();
		v[14].v.bytes[i].ptr = (uint8_t *) arena + al;
		v[14].v.bytes[i].len = 16;
		al += 16;
		{
			int			len = sprintf(arena + al, "{\"a\":%u}", (unsigned) (x % 100));

			v[15].v.bytes[i].ptr = (uint8_t *) arena + al;
			v[15].v.bytes[i].len = (uint32_t) len;
			al += len;
		}
	}
	f = fopen(argv[1], "wb");
	if (!f)
	{
		perror(argv[1]);
		return 1;
	}
	sink.write = fwrite_sink;
	sink.ctx = f;
	w = ParquetWriterCreate(&schema, &o, &sink, &ParquetMallocAllocator, &err);
	if (!w || ParquetWriterSetKeyValue(w, "lake.sample", "yes", &err) != PQ_OK ||
		ParquetWriterWrite(w, v, n, &err) != PQ_OK || ParquetWriterFinish(w, &err) != PQ_OK)
	{
		fprintf(stderr, "mksample: %s\n", err.message);
		return 1;
	}
	ParquetWriterFree(w);
	fclose(f);
	return 0;
}
