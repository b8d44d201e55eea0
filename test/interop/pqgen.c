/*-------------------------------------------------------------------------
 * pqgen.c
 *	  Deterministic Parquet file generator for the interop tests: writes a
 *	  file with lake_fdw's ParquetWriter (every logical type, NULLs, a
 *	  chosen codec, dictionary or plain, small pages, several row groups,
 *	  bloom filters) from a seed, and prints what any reader must find in
 *	  it — computed here independently of the writer:
 *
 *	    OUT.parquet     the file
 *	    OUT.jsonl       every row as one JSON line (pqtool's cat contract)
 *	    OUT.stats.json  per row group and column: rows, null_count, min,
 *	                    max (spec sort order, NaN never a bound), and
 *	                    bloom probes (values present / absent per row group)
 *
 * Usage: pqgen [--seed N] [--rows N] [--codec C] [--dictionary on|off]
 *              [--row-group-rows N] [--page-rows N] [--page-bytes N] OUT
 *	 C: zstd | lz4_raw | uncompressed | snappy | gzip
 *-------------------------------------------------------------------------
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet/parquet.h"

typedef enum ColId
{
	C_ID, C_BOOL, C_I16, C_I32, C_I64, C_F32, C_F64, C_DEC9, C_DEC18, C_DEC38,
	C_STR, C_BYTES, C_DATE, C_TS, C_TSTZ, C_UUID, C_JSON, NCOLS
} ColId;

static const PqColumnSpec specs[NCOLS] = {
	{"id", PQ_INT64, false, 0, 0, true},
	{"c_bool", PQ_BOOL, true, 0, 0, false},
	{"c_i16", PQ_INT16, true, 0, 0, false},
	{"c_i32", PQ_INT32, true, 0, 0, true},
	{"c_i64", PQ_INT64, true, 0, 0, true},
	{"c_f32", PQ_FLOAT, true, 0, 0, false},
	{"c_f64", PQ_DOUBLE, true, 0, 0, true},
	{"c_dec9", PQ_DECIMAL, true, 9, 2, false},
	{"c_dec18", PQ_DECIMAL, true, 18, 4, false},
	{"c_dec38", PQ_DECIMAL, true, 38, 10, false},
	{"c_str", PQ_STRING, true, 0, 0, true},
	{"c_bytes", PQ_BYTES, true, 0, 0, false},
	{"c_date", PQ_DATE, true, 0, 0, true},
	{"c_ts", PQ_TIMESTAMP, true, 0, 0, false},
	{"c_tstz", PQ_TIMESTAMPTZ, true, 0, 0, false},
	{"c_uuid", PQ_UUID, true, 0, 0, true},
	{"c_json", PQ_JSON, true, 0, 0, false},
};

/* one column of the whole data set */
typedef struct Col
{
	uint8_t    *nulls;
	uint8_t    *b;
	int32_t    *i32;
	int64_t    *i64;
	float	   *f32;
	double	   *f64;
	pq_int128  *i128;
	PqBytes    *bytes;
} Col;

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* splitmix64 */
	uint64_t	z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void *
xmalloc(size_t n)
{
	void	   *p = calloc(1, n ? n : 1);

	if (p == NULL)
	{
		fprintf(stderr, "pqgen: out of memory\n");
		exit(2);
	}
	return p;
}

/* ---------------------------------------------------------------------
 * Canonical text of a value (the pqtool JSON contract)
 * ---------------------------------------------------------------------
 */
typedef struct Out
{
	char	   *s;
	size_t		len;
	size_t		cap;
} Out;

static void
out_put(Out *o, const char *p, size_t n)
{
	if (o->len + n + 1 > o->cap)
	{
		o->cap = (o->len + n + 1) * 2;
		o->s = realloc(o->s, o->cap);
		if (o->s == NULL)
			exit(2);
	}
	memcpy(o->s + o->len, p, n);
	o->len += n;
	o->s[o->len] = '\0';
}

static void
out_str(Out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static void
out_fmt(Out *o, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void
out_fmt(Out *o, const char *fmt,...)
{
	char		buf[128];
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_put(o, buf, (size_t) n);
}

/* JSON string literal of raw bytes (valid UTF-8 assumed) */
static void
out_json_string(Out *o, const uint8_t *p, size_t n)
{
	out_put(o, "\"", 1);
	for (size_t i = 0; i < n; i++)
	{
		uint8_t		c = p[i];

		if (c == '"' || c == '\\')
		{
			char		e[2] = {'\\', (char) c};

			out_put(o, e, 2);
		}
		else if (c < 0x20)
			out_fmt(o, "\\u%04x", c);
		else
			out_put(o, (const char *) &c, 1);
	}
	out_put(o, "\"", 1);
}

static void
out_int128(Out *o, pq_int128 v)
{
	char		buf[64];
	int			pos = 63;
	bool		neg = v < 0;
	unsigned __int128 u = neg ? -(unsigned __int128) v : (unsigned __int128) v;

	buf[pos] = '\0';
	do
	{
		buf[--pos] = (char) ('0' + (int) (u % 10));
		u /= 10;
	} while (u);
	if (neg)
		buf[--pos] = '-';
	out_str(o, buf + pos);
}

static void
out_decimal(Out *o, pq_int128 v, int scale)
{
	char		digits[64];
	Out			t = {0};
	bool		neg = v < 0;
	size_t		nd;

	out_int128(&t, neg ? -v : v);
	nd = t.len;
	memset(digits, '0', sizeof(digits));
	/* left-pad to at least scale + 1 digits */
	if (nd < (size_t) scale + 1)
	{
		size_t		pad = (size_t) scale + 1 - nd;

		memcpy(digits + pad, t.s, nd);
		nd += pad;
	}
	else
		memcpy(digits, t.s, nd);
	free(t.s);
	out_put(o, "\"", 1);
	if (neg)
		out_put(o, "-", 1);
	out_put(o, digits, nd - (size_t) scale);
	if (scale > 0)
	{
		out_put(o, ".", 1);
		out_put(o, digits + nd - scale, (size_t) scale);
	}
	out_put(o, "\"", 1);
}

/* proleptic Gregorian date of a day count since 1970-01-01 */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t		era;
	unsigned	doe,
				yoe,
				doy,
				mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned) (z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t) yoe + era * 400 + (*m <= 2);
}

static void
out_date_body(Out *o, int64_t days)
{
	int64_t		y;
	unsigned	m,
				d;

	civil_from_days(days, &y, &m, &d);
	out_fmt(o, "%04" PRId64 "-%02u-%02u", y, m, d);
}

static void
out_timestamp(Out *o, int64_t us, bool utc)
{
	int64_t		days = us / 86400000000LL;
	int64_t		rem = us % 86400000000LL;
	int64_t		secs;

	if (rem < 0)
	{
		rem += 86400000000LL;
		days--;
	}
	secs = rem / 1000000;
	out_put(o, "\"", 1);
	out_date_body(o, days);
	out_fmt(o, " %02d:%02d:%02d.%06d%s\"", (int) (secs / 3600), (int) (secs / 60 % 60),
			(int) (secs % 60), (int) (rem % 1000000), utc ? "Z" : "");
}

static void
out_double(Out *o, double v)
{
	if (isnan(v))
		out_str(o, "\"NaN\"");
	else if (isinf(v))
		out_str(o, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
		out_fmt(o, "%.17g", v);
}

static void
out_value(Out *o, ColId c, const Col *col, size_t i)
{
	const PqColumnSpec *s = &specs[c];

	if (col->nulls[i])
	{
		out_str(o, "null");
		return;
	}
	switch (s->type)
	{
		case PQ_BOOL:
			out_str(o, col->b[i] ? "true" : "false");
			break;
		case PQ_INT16:
		case PQ_INT32:
			out_fmt(o, "%d", col->i32[i]);
			break;
		case PQ_INT64:
			out_fmt(o, "%" PRId64, col->i64[i]);
			break;
		case PQ_FLOAT:
			out_double(o, (double) col->f32[i]);
			break;
		case PQ_DOUBLE:
			out_double(o, col->f64[i]);
			break;
		case PQ_DECIMAL:
			out_decimal(o, s->precision <= 18 ? (pq_int128) col->i64[i] : col->i128[i], s->scale);
			break;
		case PQ_STRING:
		case PQ_JSON:
			out_json_string(o, col->bytes[i].ptr, col->bytes[i].len);
			break;
		case PQ_BYTES:
			out_str(o, "\"\\\\x");
			for (uint32_t k = 0; k < col->bytes[i].len; k++)
				out_fmt(o, "%02x", col->bytes[i].ptr[k]);
			out_str(o, "\"");
			break;
		case PQ_DATE:
			out_put(o, "\"", 1);
			out_date_body(o, col->i32[i]);
			out_put(o, "\"", 1);
			break;
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			out_timestamp(o, col->i64[i], s->type == PQ_TIMESTAMPTZ);
			break;
		case PQ_UUID:
			{
				const uint8_t *u = col->bytes[i].ptr;

				out_fmt(o, "\"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\"",
						u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
						u[10], u[11], u[12], u[13], u[14], u[15]);
				break;
			}
	}
}

/* ---------------------------------------------------------------------
 * Data
 * ---------------------------------------------------------------------
 */
static const char *words[] = {
	"alpha", "beta", "gamma", "delta", "", "lake", "lakehouse", "parquet",
	"é✓ unicode", "quote\"back\\slash", "tab\tnewline\n", "zzz", "Zulu", "a", "ab", "abc"
};

static uint8_t *
dup_bytes(const void *p, size_t n)
{
	uint8_t    *q = xmalloc(n + 1);

	memcpy(q, p, n);
	return q;
}

static void
generate(Col *cols, size_t rows, bool dict_friendly)
{
	for (int c = 0; c < NCOLS; c++)
	{
		Col		   *col = &cols[c];

		col->nulls = xmalloc(rows);
		col->b = xmalloc(rows);
		col->i32 = xmalloc(rows * sizeof(int32_t));
		col->i64 = xmalloc(rows * sizeof(int64_t));
		col->f32 = xmalloc(rows * sizeof(float));
		col->f64 = xmalloc(rows * sizeof(double));
		col->i128 = xmalloc(rows * sizeof(pq_int128));
		col->bytes = xmalloc(rows * sizeof(PqBytes));
	}
	for (size_t i = 0; i < rows; i++)
	{
		for (int c = 0; c < NCOLS; c++)
		{
			Col		   *col = &cols[c];
			uint64_t	r = rnd();
			uint64_t	k = dict_friendly ? r % 23 : r;

			/* NULLs: every nullable column, a different rate each */
			col->nulls[i] = specs[c].nullable && (rnd() % (5 + c) == 0);
			switch ((ColId) c)
			{
				case C_ID:
					col->i64[i] = (int64_t) i;
					break;
				case C_BOOL:
					col->b[i] = (uint8_t) (r & 1);
					break;
				case C_I16:
					col->i32[i] = (int16_t) k;
					break;
				case C_I32:
					col->i32[i] = (int32_t) k;
					break;
				case C_I64:
					col->i64[i] = (int64_t) k;
					if (r % 101 == 1)
						col->i64[i] = INT64_MIN;
					if (r % 103 == 2)
						col->i64[i] = INT64_MAX;
					break;
				case C_F32:
					col->f32[i] = (float) ((double) (k % 2000001) / 1000.0 - 1000.0);
					if (r % 97 == 3)
						col->f32[i] = -0.0f;
					break;
				case C_F64:
					col->f64[i] = dict_friendly ? (double) k * 0.25 - 3 :
						((double) (int64_t) r) / 7.0e6;
					if (r % 89 == 4)
						col->f64[i] = NAN;
					if (r % 83 == 5)
						col->f64[i] = (r & 64) ? INFINITY : -INFINITY;
					break;
				case C_DEC9:
					col->i64[i] = (int64_t) (k % 1999999999) - 999999999;
					break;
				case C_DEC18:
					col->i64[i] = (int64_t) (k % 1999999999999999999ULL) - 999999999999999999LL;
					break;
				case C_DEC38:
					{
						pq_int128	v = (pq_int128) (k % 10000000000000000000ULL) *
							(pq_int128) (rnd() % 10000000000000000000ULL);

						col->i128[i] = (r & 2) ? -v : v;
						break;
					}
				case C_STR:
					if (dict_friendly || r % 3 != 0)
					{
						const char *w = words[k % (sizeof(words) / sizeof(words[0]))];

						col->bytes[i].ptr = dup_bytes(w, strlen(w));
						col->bytes[i].len = (uint32_t) strlen(w);
					}
					else
					{
						char		buf[80];
						int			n = snprintf(buf, sizeof(buf), "s%016" PRIx64 "%.*s", r,
												 (int) (r % 40), "----------------------------------------");

						col->bytes[i].ptr = dup_bytes(buf, (size_t) n);
						col->bytes[i].len = (uint32_t) n;
					}
					break;
				case C_BYTES:
					{
						uint8_t		buf[24];
						uint32_t	n = (uint32_t) (k % 25);

						for (uint32_t b = 0; b < n; b++)
							buf[b] = (uint8_t) (rnd() >> 56);
						col->bytes[i].ptr = dup_bytes(buf, n);
						col->bytes[i].len = n;
						break;
					}
				case C_DATE:
					col->i32[i] = (int32_t) (k % 80000) - 40000;
					break;
				case C_TS:
					col->i64[i] = (int64_t) (k % 4000000000000000ULL) - 2000000000000000LL;
					break;
				case C_TSTZ:
					col->i64[i] = (int64_t) (k % 4000000000000000ULL) - 1000000000000000LL;
					break;
				case C_UUID:
					{
						uint8_t		u[16];
						uint64_t	a = dict_friendly ? k * 0x9E3779B97F4A7C15ULL : rnd();
						uint64_t	b = dict_friendly ? ~a : rnd();

						for (int q = 0; q < 8; q++)
						{
							u[q] = (uint8_t) (a >> (56 - 8 * q));
							u[8 + q] = (uint8_t) (b >> (56 - 8 * q));
						}
						col->bytes[i].ptr = dup_bytes(u, 16);
						col->bytes[i].len = 16;
						break;
					}
				case C_JSON:
					{
						char		buf[64];
						int			n = snprintf(buf, sizeof(buf), "{\"k\":%" PRIu64 ",\"s\":\"v%d\"}",
												 k % 1000, (int) (r % 7));

						col->bytes[i].ptr = dup_bytes(buf, (size_t) n);
						col->bytes[i].len = (uint32_t) n;
						break;
					}
				default:
					break;
			}
			if (col->nulls[i])
			{
				/* a NULL slot holds a harmless value */
				col->i32[i] = 0;
				col->i64[i] = 0;
				col->i128[i] = 0;
				col->f32[i] = 0;
				col->f64[i] = 0;
				col->b[i] = 0;
				if (col->bytes[i].ptr == NULL)
				{
					col->bytes[i].ptr = dup_bytes("\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
					col->bytes[i].len = specs[c].type == PQ_UUID ? 16 : 0;
				}
			}
		}
	}
}

/* ---------------------------------------------------------------------
 * Expected statistics: spec sort order, computed independently
 * ---------------------------------------------------------------------
 */
static int
cmp_bytes(const PqBytes *a, const PqBytes *b)
{
	uint32_t	n = a->len < b->len ? a->len : b->len;
	int			r = n ? memcmp(a->ptr, b->ptr, n) : 0;

	if (r != 0)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* <0, 0, >0 comparing rows i and j of a column (neither NULL nor NaN) */
static int
cmp_rows(ColId c, const Col *col, size_t i, size_t j)
{
	switch (specs[c].type)
	{
		case PQ_BOOL:
			return (int) col->b[i] - (int) col->b[j];
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			return (col->i32[i] > col->i32[j]) - (col->i32[i] < col->i32[j]);
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			return (col->i64[i] > col->i64[j]) - (col->i64[i] < col->i64[j]);
		case PQ_FLOAT:
			return (col->f32[i] > col->f32[j]) - (col->f32[i] < col->f32[j]);
		case PQ_DOUBLE:
			return (col->f64[i] > col->f64[j]) - (col->f64[i] < col->f64[j]);
		case PQ_DECIMAL:
			if (specs[c].precision <= 18)
				return (col->i64[i] > col->i64[j]) - (col->i64[i] < col->i64[j]);
			return (col->i128[i] > col->i128[j]) - (col->i128[i] < col->i128[j]);
		default:
			return cmp_bytes(&col->bytes[i], &col->bytes[j]);
	}
}

static bool
is_nan(ColId c, const Col *col, size_t i)
{
	if (specs[c].type == PQ_FLOAT)
		return isnan(col->f32[i]);
	if (specs[c].type == PQ_DOUBLE)
		return isnan(col->f64[i]);
	return false;
}

static void
write_stats(FILE *f, const Col *cols, size_t rows, size_t rg_rows)
{
	size_t		nrg = rows == 0 ? 0 : (rows + rg_rows - 1) / rg_rows;

	fprintf(f, "{\"row_groups\": [\n");
	for (size_t g = 0; g < nrg; g++)
	{
		size_t		lo = g * rg_rows;
		size_t		hi = lo + rg_rows < rows ? lo + rg_rows : rows;

		fprintf(f, "%s  {\"rows\": %zu, \"columns\": {", g ? ",\n" : "", hi - lo);
		for (int c = 0; c < NCOLS; c++)
		{
			const Col  *col = &cols[c];
			size_t		nulls = 0;
			long		mn = -1,
						mx = -1;
			Out			o = {0};

			for (size_t i = lo; i < hi; i++)
			{
				if (col->nulls[i])
				{
					nulls++;
					continue;
				}
				if (is_nan((ColId) c, col, i))
					continue;
				if (mn < 0 || cmp_rows((ColId) c, col, i, (size_t) mn) < 0)
					mn = (long) i;
				if (mx < 0 || cmp_rows((ColId) c, col, i, (size_t) mx) > 0)
					mx = (long) i;
			}
			out_fmt(&o, "%s\"%s\": {\"null_count\": %zu", c ? ", " : "", specs[c].name, nulls);
			if (mn >= 0)
			{
				out_str(&o, ", \"min\": ");
				out_value(&o, (ColId) c, col, (size_t) mn);
				out_str(&o, ", \"max\": ");
				out_value(&o, (ColId) c, col, (size_t) mx);
			}
			out_str(&o, "}");
			fputs(o.s, f);
			free(o.s);
		}
		fprintf(f, "}}");
	}
	fprintf(f, "\n],\n");
}

/*
 * Bloom probes for the bloom-filtered columns: 20 values present in the
 * file (with the row groups that hold them) and 40 absent ones.
 */
static void
write_probes(FILE *f, const Col *cols, size_t rows, size_t rg_rows)
{
	bool		first = true;

	fprintf(f, "\"bloom_probes\": [\n");
	for (int c = 0; c < NCOLS; c++)
	{
		const Col  *col = &cols[c];

		if (!specs[c].bloom_filter || rows == 0)
			continue;
		for (int p = 0; p < 60; p++)
		{
			bool		present = p < 20;
			Out			o = {0};
			size_t		nrg = (rows + rg_rows - 1) / rg_rows;

			if (present)
			{
				size_t		i = (size_t) (rnd() % rows);

				if (col->nulls[i] || is_nan((ColId) c, col, i))
					continue;
				out_fmt(&o, "%s  {\"column\": \"%s\", \"value\": ", first ? "" : ",\n", specs[c].name);
				out_value(&o, (ColId) c, col, i);
				out_str(&o, ", \"in_row_groups\": [");
				for (size_t g = 0, n = 0; g < nrg; g++)
				{
					bool		in = false;

					for (size_t j = g * rg_rows; j < rows && j < (g + 1) * rg_rows && !in; j++)
						in = !col->nulls[j] && !is_nan((ColId) c, col, j) &&
							cmp_rows((ColId) c, col, i, j) == 0;
					if (in)
						out_fmt(&o, "%s%zu", n++ ? ", " : "", g);
				}
				out_str(&o, "]}");
			}
			else
			{
				/* absent: values outside every generated domain */
				char		buf[64];

				out_fmt(&o, "%s  {\"column\": \"%s\", \"value\": ", first ? "" : ",\n", specs[c].name);
				switch (specs[c].type)
				{
					case PQ_INT64:
						if (c == C_ID)
							out_fmt(&o, "%" PRId64, (int64_t) rows + 1000 + p);
						else
							out_fmt(&o, "%" PRId64, (int64_t) 0x7000000000000000LL + p);
						break;
					case PQ_INT32:
						/* not reachable: i32 draws are truncated 64-bit values */
						out_fmt(&o, "%d", 2147483000 + p);
						break;
					case PQ_DOUBLE:
						out_fmt(&o, "%.17g", 1e300 + p * 1e285);
						break;
					case PQ_DATE:
						snprintf(buf, sizeof(buf), "\"2200-01-%02d\"", 1 + p % 28);
						out_str(&o, buf);
						break;
					case PQ_UUID:
						out_fmt(&o, "\"ffffffff-ffff-ffff-ffff-%012d\"", p);
						break;
					default:
						out_fmt(&o, "\"absent value %d\"", p);
						break;
				}
				out_str(&o, ", \"in_row_groups\": []}");
			}
			fputs(o.s, f);
			free(o.s);
			first = false;
		}
	}
	fprintf(f, "\n]}\n");
}

/* ---------------------------------------------------------------------
 * Writing
 * ---------------------------------------------------------------------
 */
static PqStatus
file_write(void *ctx, const void *data, size_t len)
{
	return fwrite(data, 1, len, (FILE *) ctx) == len ? PQ_OK : PQ_ERR_IO;
}

static void
fill_vector(PqColumnVector *v, ColId c, const Col *col, size_t start, uint32_t n)
{
	v->type = specs[c].type;
	v->count = n;
	v->nulls = col->nulls + start;
	switch (specs[c].type)
	{
		case PQ_BOOL:
			v->v.b = col->b + start;
			break;
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			v->v.i32 = col->i32 + start;
			break;
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			v->v.i64 = col->i64 + start;
			break;
		case PQ_FLOAT:
			v->v.f32 = col->f32 + start;
			break;
		case PQ_DOUBLE:
			v->v.f64 = col->f64 + start;
			break;
		case PQ_DECIMAL:
			if (specs[c].precision <= 18)
				v->v.i64 = col->i64 + start;
			else
				v->v.i128 = col->i128 + start;
			break;
		default:
			v->v.bytes = col->bytes + start;
			break;
	}
}

static int
parse_codec(const char *s, PqCodec *c)
{
	if (strcmp(s, "zstd") == 0)
		*c = PQ_CODEC_ZSTD;
	else if (strcmp(s, "lz4_raw") == 0)
		*c = PQ_CODEC_LZ4_RAW;
	else if (strcmp(s, "uncompressed") == 0)
		*c = PQ_CODEC_UNCOMPRESSED;
	else if (strcmp(s, "snappy") == 0)
		*c = PQ_CODEC_SNAPPY;
	else if (strcmp(s, "gzip") == 0)
		*c = PQ_CODEC_GZIP;
	else
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	uint64_t	seed = 1;
	size_t		rows = 10000;
	PqWriterOptions opts;
	const char *out = NULL;
	char		path[4096];
	Col			cols[NCOLS];
	PqSchema	schema = {NCOLS, specs};
	PqError		err;
	PqWriter   *w;
	FILE	   *f;
	PqSink		sink;
	bool		dict_friendly = false;

	ParquetWriterOptionsInit(&opts);
	opts.row_group_rows = 4000;
	opts.page_rows = 700;
	for (int i = 1; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--seed") == 0 && v)
			seed = strtoull(v, NULL, 10), i++;
		else if (strcmp(a, "--rows") == 0 && v)
			rows = strtoull(v, NULL, 10), i++;
		else if (strcmp(a, "--codec") == 0 && v)
		{
			if (parse_codec(v, &opts.codec) != 0)
			{
				fprintf(stderr, "pqgen: unknown codec %s\n", v);
				return 2;
			}
			i++;
		}
		else if (strcmp(a, "--dictionary") == 0 && v)
		{
			opts.dictionary = strcmp(v, "on") == 0;
			dict_friendly = opts.dictionary;
			i++;
		}
		else if (strcmp(a, "--row-group-rows") == 0 && v)
			opts.row_group_rows = (uint32_t) strtoul(v, NULL, 10), i++;
		else if (strcmp(a, "--page-rows") == 0 && v)
			opts.page_rows = (uint32_t) strtoul(v, NULL, 10), i++;
		else if (strcmp(a, "--page-bytes") == 0 && v)
			opts.page_bytes = (uint32_t) strtoul(v, NULL, 10), i++;
		else if (a[0] != '-' && out == NULL)
			out = a;
		else
		{
			fprintf(stderr, "usage: pqgen [--seed N] [--rows N] [--codec C] [--dictionary on|off]\n"
					"             [--row-group-rows N] [--page-rows N] [--page-bytes N] OUT\n");
			return 2;
		}
	}
	if (out == NULL || opts.row_group_rows == 0)
	{
		fprintf(stderr, "pqgen: no output name\n");
		return 2;
	}

	rng_state = seed * 0x2545F4914F6CDD1DULL + 17;
	memset(cols, 0, sizeof(cols));
	generate(cols, rows, dict_friendly);

	/* the file */
	snprintf(path, sizeof(path), "%s.parquet", out);
	f = fopen(path, "wb");
	if (f == NULL)
	{
		perror(path);
		return 1;
	}
	sink.write = file_write;
	sink.ctx = f;
	w = ParquetWriterCreate(&schema, &opts, &sink, &ParquetMallocAllocator, &err);
	if (w == NULL)
	{
		fprintf(stderr, "pqgen: ParquetWriterCreate: %s\n", err.message);
		return 1;
	}
	ParquetWriterSetKeyValue(w, "pqgen.seed", "interop", &err);
	for (size_t start = 0; start < rows;)
	{
		/* uneven batches, so writes straddle pages and row groups */
		uint32_t	n = (uint32_t) (1 + rnd() % 3000);
		PqColumnVector vecs[NCOLS];

		if (n > rows - start)
			n = (uint32_t) (rows - start);
		for (int c = 0; c < NCOLS; c++)
			fill_vector(&vecs[c], (ColId) c, &cols[c], start, n);
		if (ParquetWriterWrite(w, vecs, n, &err) != PQ_OK)
		{
			fprintf(stderr, "pqgen: ParquetWriterWrite: %s\n", err.message);
			return 1;
		}
		start += n;
	}
	if (ParquetWriterFinish(w, &err) != PQ_OK)
	{
		fprintf(stderr, "pqgen: ParquetWriterFinish: %s\n", err.message);
		return 1;
	}
	ParquetWriterFree(w);
	if (fclose(f) != 0)
	{
		perror(path);
		return 1;
	}

	/* the expected rows */
	snprintf(path, sizeof(path), "%s.jsonl", out);
	f = fopen(path, "w");
	if (f == NULL)
	{
		perror(path);
		return 1;
	}
	for (size_t i = 0; i < rows; i++)
	{
		Out			o = {0};

		out_str(&o, "{");
		for (int c = 0; c < NCOLS; c++)
		{
			out_fmt(&o, "%s\"%s\":", c ? "," : "", specs[c].name);
			out_value(&o, (ColId) c, &cols[c], i);
		}
		out_str(&o, "}\n");
		fputs(o.s, f);
		free(o.s);
	}
	fclose(f);

	/* the expected statistics and bloom probes */
	snprintf(path, sizeof(path), "%s.stats.json", out);
	f = fopen(path, "w");
	if (f == NULL)
	{
		perror(path);
		return 1;
	}
	write_stats(f, cols, rows, opts.row_group_rows);
	write_probes(f, cols, rows, opts.row_group_rows);
	fclose(f);
	return 0;
}
