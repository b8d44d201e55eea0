/*-------------------------------------------------------------------------
 * pqtool.c
 *	  Command-line tool over the Parquet layer, for tests and interop:
 *
 *	  pqtool cat FILE    every row as one JSON object per line, keys are
 *	                     column names: ints as numbers, decimals as strings
 *	                     ("-12.340"), dates "YYYY-MM-DD", timestamps
 *	                     "YYYY-MM-DD HH:MM:SS.ffffff" (+"Z" when UTC-
 *	                     adjusted), uuid 8-4-4-4-12, bytes as "\\x<hex>",
 *	                     floats %.17g with "NaN"/"Infinity"/"-Infinity" as
 *	                     strings, NULL as null.
 *	  pqtool meta FILE   per row group and column: physical type,
 *	                     encodings, codec, statistics, page count.
 *
 * Exit status 0 on success, 1 on any error (message on stderr).
 *-------------------------------------------------------------------------
 */
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/parquet/parquet.h"
#include "format/parquet/pq_metadata.h"

static PqStatus
file_read(void *ctx, uint64_t off, size_t len, void *buf)
{
	int			fd = *(int *) ctx;
	size_t		done = 0;

	while (done < len)
	{
		ssize_t		n = pread(fd, (char *) buf + done, len - done, (off_t) (off + done));

		if (n <= 0)
			return PQ_ERR_IO;
		done += (size_t) n;
	}
	return PQ_OK;
}

static void
put_json_string(const uint8_t *p, uint32_t len)
{
	putchar('"');
	for (uint32_t i = 0; i < len; i++)
	{
		uint8_t		c = p[i];

		if (c == '"' || c == '\\')
		{
			putchar('\\');
			putchar(c);
		}
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c == '\r')
			fputs("\\r", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* days since 1970-01-01 -> civil date (proleptic Gregorian) */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t		era,
				doe,
				yoe,
				doy,
				mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void
put_date(int64_t days)
{
	int64_t		y;
	int			m,
				d;

	civil_from_days(days, &y, &m, &d);
	printf("\"%04" PRId64 "-%02d-%02d\"", y, m, d);
}

static void
put_timestamp(int64_t us, bool tz)
{
	int64_t		days = us / 86400000000LL;
	int64_t		rem = us % 86400000000LL;
	int64_t		y;
	int			m,
				d;

	if (rem < 0)
	{
		rem += 86400000000LL;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	printf("\"%04" PRId64 "-%02d-%02d %02d:%02d:%02d.%06d%s\"", y, m, d,
		   (int) (rem / 3600000000LL), (int) (rem / 60000000LL % 60),
		   (int) (rem / 1000000LL % 60), (int) (rem % 1000000LL), tz ? "Z" : "");
}

static void
put_decimal(pq_int128 v, int scale)
{
	char		digits[64];
	int			n = 0;
	bool		neg = v < 0;
	unsigned __int128 u = neg ? (unsigned __int128) (-(v + 1)) + 1 : (unsigned __int128) v;

	do
	{
		digits[n++] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u > 0);
	while (n <= scale)
		digits[n++] = '0';
	putchar('"');
	if (neg)
		putchar('-');
	for (int i = n - 1; i >= 0; i--)
	{
		putchar(digits[i]);
		if (i == scale && scale > 0)
			putchar('.');
	}
	putchar('"');
}

static void
put_double(double d)
{
	if (isnan(d))
		fputs("\"NaN\"", stdout);
	else if (isinf(d))
		fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", stdout);
	else
		printf("%.17g", d);
}

static void
put_value(const PqColumnInfo *ci, const PqColumnVector *v, uint32_t j)
{
	if (v->nulls && v->nulls[j])
	{
		fputs("null", stdout);
		return;
	}
	switch (ci->type)
	{
		case PQ_BOOL:
			fputs(v->v.b[j] ? "true" : "false", stdout);
			break;
		case PQ_INT16:
		case PQ_INT32:
			printf("%d", v->v.i32[j]);
			break;
		case PQ_INT64:
			printf("%" PRId64, v->v.i64[j]);
			break;
		case PQ_FLOAT:
			put_double((double) v->v.f32[j]);
			break;
		case PQ_DOUBLE:
			put_double(v->v.f64[j]);
			break;
		case PQ_DECIMAL:
			put_decimal(ci->precision <= 18 ? (pq_int128) v->v.i64[j] : v->v.i128[j], ci->scale);
			break;
		case PQ_DATE:
			put_date(v->v.i32[j]);
			break;
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			put_timestamp(v->v.i64[j], ci->type == PQ_TIMESTAMPTZ);
			break;
		case PQ_UUID:
			{
				const uint8_t *p = v->v.bytes[j].ptr;

				putchar('"');
				for (int k = 0; k < 16; k++)
				{
					printf("%02x", p[k]);
					if (k == 3 || k == 5 || k == 7 || k == 9)
						putchar('-');
				}
				putchar('"');
				break;
			}
		case PQ_BYTES:
			fputs("\"\\\\x", stdout);
			for (uint32_t k = 0; k < v->v.bytes[j].len; k++)
				printf("%02x", v->v.bytes[j].ptr[k]);
			putchar('"');
			break;
		case PQ_STRING:
		case PQ_JSON:
			put_json_string(v->v.bytes[j].ptr, v->v.bytes[j].len);
			break;
	}
}

static PqReader *
open_file(const char *path, int *fd, PqSource *src)
{
	struct stat sb;
	PqError		err;
	PqReader   *r;

	*fd = open(path, O_RDONLY);
	if (*fd < 0 || fstat(*fd, &sb) != 0)
	{
		perror(path);
		return NULL;
	}
	src->read_at = file_read;
	src->size = (uint64_t) sb.st_size;
	src->ctx = fd;
	r = ParquetReaderOpen(src, NULL, &ParquetMallocAllocator, path, &err);
	if (!r)
		fprintf(stderr, "pqtool: %s: %s\n", ParquetStatusName(err.status), err.message);
	return r;
}

static int
cmd_cat(const char *path)
{
	int			fd;
	PqSource	src;
	PqReader   *r = open_file(path, &fd, &src);
	PqError		err;
	int			nc;
	PqColumnVector *out;

	if (!r)
		return 1;
	nc = ParquetReaderNumColumns(r);
	out = calloc(nc ? nc : 1, sizeof(PqColumnVector));
	for (int g = 0; g < ParquetReaderNumRowGroups(r); g++)
	{
		PqStatus	st = ParquetReaderStartRowGroup(r, g, NULL, 0, &err);

		while (st == PQ_OK)
		{
			uint32_t	n;

			st = ParquetReaderReadBatch(r, 4096, out, &n, &err);
			if (st != PQ_OK)
				break;
			for (uint32_t j = 0; j < n; j++)
			{
				putchar('{');
				for (int c = 0; c < nc; c++)
				{
					const PqColumnInfo *ci = ParquetReaderColumn(r, c);

					if (c)
						putchar(',');
					put_json_string((const uint8_t *) ci->name, (uint32_t) strlen(ci->name));
					putchar(':');
					put_value(ci, &out[c], j);
				}
				fputs("}\n", stdout);
			}
		}
		if (st != PQ_END)
		{
			fprintf(stderr, "pqtool: %s: %s\n", ParquetStatusName(st), err.message);
			free(out);
			ParquetReaderClose(r);
			close(fd);
			return 1;
		}
	}
	free(out);
	ParquetReaderClose(r);
	close(fd);
	return 0;
}

static const char *
physical_name(int t)
{
	static const char *const n[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT",
	"DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};

	return t >= 0 && t <= 7 ? n[t] : "?";
}

static const char *
encoding_name(int e)
{
	static const char *const n[] = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE",
		"BIT_PACKED", "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY",
	"DELTA_BYTE_ARRAY", "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};

	return e >= 0 && e <= 9 ? n[e] : "?";
}

static void
put_stat_value(const PqColumnInfo *ci, const PqValue *v)
{
	PqColumnVector one;
	uint8_t		slot[32];

	memset(&one, 0, sizeof(one));
	memcpy(slot, &v->v, sizeof(v->v) < sizeof(slot) ? sizeof(v->v) : sizeof(slot));
	if (ci->type == PQ_BOOL)
		slot[0] = v->v.b;
	one.type = ci->type;
	one.count = 1;
	one.v.b = slot;
	put_value(ci, &one, 0);
}

/* count pages by walking the page headers of the chunk */
static int
count_pages(int fd, const PqMetaColumn *m)
{
	uint64_t	off = (uint64_t) m->data_page_offset;
	uint64_t	end;
	int			pages = 0;

	if (m->dictionary_page_offset > 0 && m->dictionary_page_offset < m->data_page_offset)
		off = (uint64_t) m->dictionary_page_offset;
	end = off + (uint64_t) m->total_compressed_size;
	while (off < end)
	{
		uint8_t		buf[65536];
		size_t		n = end - off < sizeof(buf) ? (size_t) (end - off) : sizeof(buf);
		PqPageHeader h;
		PqError		err;

		if (file_read(&fd, off, n, buf) != PQ_OK ||
			PqPageHeaderParse(buf, n, off, &h, &err) != PQ_OK || h.compressed_size < 0)
			return -1;
		pages++;
		off += h.header_len + (uint64_t) h.compressed_size;
	}
	return pages;
}

static int
cmd_meta(const char *path)
{
	int			fd;
	PqSource	src;
	PqReader   *r = open_file(path, &fd, &src);
	PqError		err;
	uint8_t		tail[8];
	uint32_t	flen;
	uint8_t    *footer;
	PqMetaFile	meta;

	if (!r)
		return 1;
	/* the public API has no encodings/codec: read the footer raw too */
	if (file_read(&fd, src.size - 8, 8, tail) != PQ_OK)
		return 1;
	memcpy(&flen, tail, 4);
	footer = malloc(flen);
	if (file_read(&fd, src.size - 8 - flen, flen, footer) != PQ_OK ||
		PqMetaFileParse(footer, flen, src.size - 8 - flen, 100000,
						&ParquetMallocAllocator, &meta, &err) != PQ_OK)
	{
		fprintf(stderr, "pqtool: footer: %s\n", err.message);
		return 1;
	}
	printf("file %s: %lld rows, %d row groups, %d columns, version %d, created_by \"%.*s\"\n",
		   path, (long long) ParquetReaderNumRows(r), ParquetReaderNumRowGroups(r),
		   ParquetReaderNumColumns(r), meta.version, (int) meta.created_by.len,
		   meta.created_by.ptr ? (const char *) meta.created_by.ptr : "");
	for (int i = 0; i < meta.nkv; i++)
		printf("  kv %.*s = %.*s\n", (int) meta.kv[i].key.len, (const char *) meta.kv[i].key.ptr,
			   (int) meta.kv[i].value.len,
			   meta.kv[i].value.ptr ? (const char *) meta.kv[i].value.ptr : "");
	for (int g = 0; g < meta.nrowgroups; g++)
	{
		printf("row group %d: %lld rows\n", g, (long long) meta.rowgroups[g].num_rows);
		for (int c = 0; c < ParquetReaderNumColumns(r); c++)
		{
			const PqColumnInfo *ci = ParquetReaderColumn(r, c);
			const PqMetaColumn *m = &meta.rowgroups[g].columns[c];
			PqColumnStats st;
			bool		first = true;

			printf("  column %s: %s as %s, codec %s, encodings ", ci->name,
				   physical_name(m->type), ParquetTypeName(ci->type),
				   ParquetCodecName((PqCodec) m->codec));
			for (int e = 0; e < 32; e++)
				if (m->encodings_mask & (1u << e))
				{
					printf("%s%s", first ? "" : ",", encoding_name(e));
					first = false;
				}
			printf(", pages %d, %lld bytes", count_pages(fd, m),
				   (long long) m->total_compressed_size);
			if (ParquetReaderChunkStats(r, g, c, &st, &err) == PQ_OK)
			{
				if (st.has_null_count)
					printf(", null_count %lld", (long long) st.null_count);
				if (st.has_min_max)
				{
					printf(", min ");
					put_stat_value(ci, &st.min);
					printf(", max ");
					put_stat_value(ci, &st.max);
				}
			}
			printf("%s%s\n", m->offset_index_offset >= 0 ? ", offset index" : "",
				   m->bloom_filter_offset >= 0 ? ", bloom filter" : "");
		}
	}
	PqMetaFileFree(&meta, &ParquetMallocAllocator);
	free(footer);
	ParquetReaderClose(r);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "cat") == 0)
		return cmd_cat(argv[2]);
	if (argc == 3 && strcmp(argv[1], "meta") == 0)
		return cmd_meta(argv[2]);
	fprintf(stderr, "usage: pqtool cat FILE | pqtool meta FILE\n");
	return 2;
}
