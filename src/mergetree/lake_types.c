/*-------------------------------------------------------------------------
 * lake_types.c
 *	  PostgreSQL types <-> Parquet logical types, and value conversions in
 *	  both directions.
 *
 * Supported: bool, int2, int4, int8, float4, float8, numeric(p,s) with
 * p <= 38, text, varchar, bpchar, bytea, date, timestamp, timestamptz, uuid,
 * json, jsonb.  Dates and timestamps shift between PostgreSQL's 2000 epoch
 * and Parquet's 1970 epoch; +-infinity keep their sentinel values.
 * Decimals travel as unscaled integers at the column's declared scale.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "mergetree/lake_types.h"
#include "miscadmin.h"
#include "common/shortest_dec.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

bool
LakeTypeFromPg(Oid typid, int32 typmod, LakeTypeInfo *out,
			   const char **why, const char **hint)
{
	memset(out, 0, sizeof(*out));
	out->typid = typid;
	out->typmod = typmod;
	get_typlenbyval(typid, &out->typlen, &out->typbyval);
	*why = NULL;
	*hint = NULL;

	switch (typid)
	{
		case BOOLOID:
			out->pqtype = PQ_BOOL;
			return true;
		case INT2OID:
			out->pqtype = PQ_INT16;
			return true;
		case INT4OID:
			out->pqtype = PQ_INT32;
			return true;
		case INT8OID:
			out->pqtype = PQ_INT64;
			return true;
		case FLOAT4OID:
			out->pqtype = PQ_FLOAT;
			return true;
		case FLOAT8OID:
			out->pqtype = PQ_DOUBLE;
			return true;
		case NUMERICOID:
			if (typmod < (int32) VARHDRSZ)
			{
				*why = "numeric without a precision has no fixed scale to store it at.";
				*hint = "Declare it as numeric(p,s) with p up to 38, e.g. numeric(18,4).";
				return false;
			}
			out->precision = ((typmod - VARHDRSZ) >> 16) & 0xffff;
			out->scale = (typmod - VARHDRSZ) & 0xffff;
			/* PostgreSQL 15 allows a negative or larger-than-p scale */
			if (out->precision < 1 || out->precision > 38 ||
				out->scale > out->precision || out->scale >= 0x8000)
			{
				*why = "Parquet DECIMAL holds at most 38 digits, with 0 <= scale <= precision.";
				*hint = "Declare it as numeric(p,s) with 1 <= p <= 38 and 0 <= s <= p.";
				return false;
			}
			out->pqtype = PQ_DECIMAL;
			return true;
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			out->pqtype = PQ_STRING;
			return true;
		case BYTEAOID:
			out->pqtype = PQ_BYTES;
			return true;
		case DATEOID:
			out->pqtype = PQ_DATE;
			return true;
		case TIMESTAMPOID:
			out->pqtype = PQ_TIMESTAMP;
			return true;
		case TIMESTAMPTZOID:
			out->pqtype = PQ_TIMESTAMPTZ;
			return true;
		case UUIDOID:
			out->pqtype = PQ_UUID;
			return true;
		case JSONOID:
		case JSONBOID:
			out->pqtype = PQ_JSON;
			return true;
		default:
			*why = "lake tables store bool, int2, int4, int8, float4, float8, numeric(p,s), "
				"text, varchar, char, bytea, date, timestamp, timestamptz, uuid, json and jsonb.";
			*hint = "Cast the column to one of the supported types.";
			return false;
	}
}

void
LakeTypeFromPgOrError(Oid typid, int32 typmod, const char *colname,
					  LakeTypeInfo *out)
{
	const char *why;
	const char *hint;

	if (!LakeTypeFromPg(typid, typmod, out, &why, &hint))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("column \"%s\" has type %s, which lake tables do not support",
						colname, format_type_with_typemod(typid, typmod)),
				 errdetail("%s", why),
				 errhint("%s", hint)));
}

char *
LakeTypeName(Oid typid, int32 typmod)
{
	return format_type_with_typemod(typid, typmod);
}

size_t
LakeTypeValueSize(const LakeTypeInfo *ti)
{
	switch (ti->pqtype)
	{
		case PQ_BOOL:
			return sizeof(uint8_t);
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			return sizeof(int32_t);
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			return sizeof(int64_t);
		case PQ_FLOAT:
			return sizeof(float);
		case PQ_DOUBLE:
			return sizeof(double);
		case PQ_DECIMAL:
			return ti->precision <= 18 ? sizeof(int64_t) : sizeof(pq_int128);
		case PQ_STRING:
		case PQ_BYTES:
		case PQ_JSON:
		case PQ_UUID:
			return sizeof(PqBytes);
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * Decimals: numeric <-> unscaled integer at the column's scale
 * ---------------------------------------------------------------------
 */
static pq_int128
numeric_to_unscaled(Numeric num, int scale, int precision)
{
	char	   *s;
	const char *p;
	bool		neg = false;
	pq_int128	v = 0;
	int			frac = -1;		/* digits seen after the point, -1 before */
	int			digits = 0;

	if (numeric_is_nan(num) || numeric_is_inf(num))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("cannot store numeric value %s in a lake table",
						numeric_is_nan(num) ? "NaN" : "Infinity"),
				 errdetail("Parquet DECIMAL has no NaN or infinity.")));

	s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
	p = s;
	if (*p == '-')
	{
		neg = true;
		p++;
	}
	for (; *p; p++)
	{
		if (*p == '.')
		{
			frac = 0;
			continue;
		}
		if (frac >= 0)
		{
			if (frac == scale)
				break;			/* typmod coercion already rounded */
			frac++;
		}
		v = v * 10 + (*p - '0');
		if (v != 0)
			digits++;
	}
	for (int i = frac < 0 ? 0 : frac; i < scale; i++)
	{
		v *= 10;
		if (v != 0)
			digits++;
	}
	if (digits > precision)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("numeric value %s does not fit numeric(%d,%d)", s, precision, scale)));
	pfree(s);
	return neg ? -v : v;
}

static Datum
unscaled_to_numeric(pq_int128 v, int scale)
{
	char		buf[64];
	char		digits[48];
	int			n = 0;
	int			pos = 0;
	bool		neg = v < 0;
	unsigned __int128 u = neg ? -(unsigned __int128) v : (unsigned __int128) v;

	if (scale == 0 && v >= PG_INT64_MIN && v <= PG_INT64_MAX)
		return NumericGetDatum(int64_to_numeric((int64) v));
	if (v >= PG_INT64_MIN && v <= PG_INT64_MAX && scale <= 18)
		return NumericGetDatum(int64_div_fast_to_numeric((int64) v, scale));

	do
	{
		digits[n++] = '0' + (int) (u % 10);
		u /= 10;
	} while (u != 0);
	while (n <= scale)
		digits[n++] = '0';
	if (neg)
		buf[pos++] = '-';
	for (int i = n - 1; i >= 0; i--)
	{
		buf[pos++] = digits[i];
		if (i == scale && scale > 0)
			buf[pos++] = '.';
	}
	buf[pos] = '\0';
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/* ---------------------------------------------------------------------
 * Datum -> vector slot
 * ---------------------------------------------------------------------
 */
static int32
date_to_lake(DateADT d)
{
	if (DATE_NOT_FINITE(d))
		return d;
	return d + LAKE_DATE_EPOCH_SHIFT;
}

static int64
timestamp_to_lake(Timestamp t)
{
	if (TIMESTAMP_NOT_FINITE(t))
		return t;
	/* PostgreSQL reaches 294276 AD; 64-bit microseconds since 1970 stop earlier */
	if (t > PG_INT64_MAX - 1 - LAKE_TIMESTAMP_EPOCH_SHIFT)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for a lake table"),
				 errdetail("Parquet counts microseconds since 1970 in 64 bits; the latest it can hold is in the year 294247.")));
	return t + LAKE_TIMESTAMP_EPOCH_SHIFT;
}

static DateADT
date_from_lake(int32 d)
{
	if (d == PG_INT32_MIN || d == PG_INT32_MAX)
		return d;
	return d - LAKE_DATE_EPOCH_SHIFT;
}

static Timestamp
timestamp_from_lake(int64 t)
{
	if (t == PG_INT64_MIN || t == PG_INT64_MAX)
		return t;
	return t - LAKE_TIMESTAMP_EPOCH_SHIFT;
}

void
LakeDatumToValue(const LakeTypeInfo *ti, Datum d, void *dst,
				 LakeCopyBytesFn copy_bytes, void *copy_arg)
{
	switch (ti->pqtype)
	{
		case PQ_BOOL:
			*(uint8_t *) dst = DatumGetBool(d) ? 1 : 0;
			break;
		case PQ_INT16:
			*(int32_t *) dst = DatumGetInt16(d);
			break;
		case PQ_INT32:
			*(int32_t *) dst = DatumGetInt32(d);
			break;
		case PQ_DATE:
			*(int32_t *) dst = date_to_lake(DatumGetDateADT(d));
			break;
		case PQ_INT64:
			*(int64_t *) dst = DatumGetInt64(d);
			break;
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			*(int64_t *) dst = timestamp_to_lake(DatumGetTimestamp(d));
			break;
		case PQ_FLOAT:
			*(float *) dst = DatumGetFloat4(d);
			break;
		case PQ_DOUBLE:
			*(double *) dst = DatumGetFloat8(d);
			break;
		case PQ_DECIMAL:
			{
				pq_int128	v = numeric_to_unscaled(DatumGetNumeric(d), ti->scale,
													ti->precision);

				if (ti->precision <= 18)
					*(int64_t *) dst = (int64_t) v;
				else
					memcpy(dst, &v, sizeof(v));
				break;
			}
		case PQ_STRING:
		case PQ_BYTES:
			{
				struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
				PqBytes    *b = (PqBytes *) dst;
				size_t		len = VARSIZE_ANY_EXHDR(v);

				/* bpchar keeps its padding, as PostgreSQL stores it */
				b->ptr = copy_bytes(copy_arg, VARDATA_ANY(v), len);
				b->len = (uint32_t) len;
				if ((Pointer) v != DatumGetPointer(d))
					pfree(v);
				break;
			}
		case PQ_JSON:
			{
				PqBytes    *b = (PqBytes *) dst;
				char	   *str;

				if (ti->typid == JSONBOID)
					str = DatumGetCString(DirectFunctionCall1(jsonb_out, d));
				else
					str = TextDatumGetCString(d);
				b->len = (uint32_t) strlen(str);
				b->ptr = copy_bytes(copy_arg, str, b->len);
				pfree(str);
				break;
			}
		case PQ_UUID:
			{
				PqBytes    *b = (PqBytes *) dst;

				b->ptr = copy_bytes(copy_arg, DatumGetUUIDP(d)->data, UUID_LEN);
				b->len = UUID_LEN;
				break;
			}
	}
}

void
LakeDatumToPqValue(const LakeTypeInfo *ti, Datum d, PqValue *out)
{
	union
	{
		uint8_t		b;
		int32_t		i32;
		int64_t		i64;
		float		f32;
		double		f64;
		pq_int128	i128;
		PqBytes		bytes;
	}			slot;

	memset(out, 0, sizeof(*out));
	out->type = ti->pqtype;
	out->precision = ti->precision;
	out->scale = ti->scale;

	/* by-reference payloads must point into d's own memory: no copy */
	if (ti->pqtype == PQ_STRING || ti->pqtype == PQ_BYTES)
	{
		struct varlena *v = PG_DETOAST_DATUM_PACKED(d);

		out->v.bytes.ptr = (const uint8_t *) VARDATA_ANY(v);
		out->v.bytes.len = VARSIZE_ANY_EXHDR(v);
		return;
	}
	if (ti->pqtype == PQ_UUID)
	{
		out->v.bytes.ptr = DatumGetUUIDP(d)->data;
		out->v.bytes.len = UUID_LEN;
		return;
	}
	if (ti->pqtype == PQ_JSON)
	{
		char	   *str = ti->typid == JSONBOID
			? DatumGetCString(DirectFunctionCall1(jsonb_out, d))
			: TextDatumGetCString(d);

		out->v.bytes.ptr = (const uint8_t *) str;
		out->v.bytes.len = strlen(str);
		return;
	}
	LakeDatumToValue(ti, d, &slot, NULL, NULL);
	switch (ti->pqtype)
	{
		case PQ_BOOL:
			out->v.b = slot.b != 0;
			break;
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			out->v.i32 = slot.i32;
			break;
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			out->v.i64 = slot.i64;
			break;
		case PQ_FLOAT:
			out->v.f32 = slot.f32;
			break;
		case PQ_DOUBLE:
			out->v.f64 = slot.f64;
			break;
		case PQ_DECIMAL:
			if (ti->precision <= 18)
				out->v.i64 = slot.i64;
			else
				out->v.i128 = slot.i128;
			break;
		default:
			break;
	}
}

/* ---------------------------------------------------------------------
 * Vector -> Datums
 * ---------------------------------------------------------------------
 */

/* row i of a conversion: first + i, or first + sel[i] */
#define ROW_AT(i) (first + (sel ? sel[i] : (i)))

/* text/bytea values of a batch, laid out in one palloc'd chunk */
static pg_attribute_always_inline void
bytes_to_varlenas(const PqColumnVector *vec, uint32 first, const uint32 *sel, uint32 n,
				  Datum *values, bool *isnull)
{
	size_t		total = 0;
	char	   *chunk;
	const PqBytes *b = vec->v.bytes;
	const uint8_t *nulls = vec->nulls;

	for (uint32 i = 0; i < n; i++)
	{
		uint32		r = ROW_AT(i);

		if (!(nulls && nulls[r]))
			total += MAXALIGN(VARHDRSZ + b[r].len);
	}
	chunk = total ? palloc(total) : NULL;
	for (uint32 i = 0; i < n; i++)
	{
		uint32		r = ROW_AT(i);

		if (nulls && nulls[r])
		{
			values[i] = (Datum) 0;
			isnull[i] = true;
			continue;
		}
		SET_VARSIZE(chunk, VARHDRSZ + b[r].len);
		memcpy(VARDATA(chunk), b[r].ptr, b[r].len);
		values[i] = PointerGetDatum(chunk);
		isnull[i] = false;
		chunk += MAXALIGN(VARHDRSZ + b[r].len);
	}
}

/*
 * Per-type loops: the switch on the type runs once per call, not per row.
 * EXPR computes the Datum of vector row r; NULL rows read as 0.
 */
#define VECTOR_LOOP(EXPR) \
	do { \
		for (uint32 i = 0; i < n; i++) \
		{ \
			uint32		r = ROW_AT(i); \
			\
			if (nulls && nulls[r]) \
			{ \
				values[i] = (Datum) 0; \
				isnull[i] = true; \
				continue; \
			} \
			isnull[i] = false; \
			values[i] = (EXPR); \
		} \
	} while (0)

static Datum
uuid_datum(const PqBytes *b)
{
	pg_uuid_t  *u;

	if (b->len != UUID_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("uuid value of %u bytes in a lake data file", b->len)));
	u = palloc(sizeof(pg_uuid_t));
	memcpy(u->data, b->ptr, UUID_LEN);
	return UUIDPGetDatum(u);
}

static Datum
json_datum(const LakeTypeInfo *ti, const PqBytes *b)
{
	char	   *s = palloc(b->len + 1);

	memcpy(s, b->ptr, b->len);
	s[b->len] = '\0';
	if (ti->typid == JSONBOID)
		return DirectFunctionCall1(jsonb_in, CStringGetDatum(s));
	return CStringGetTextDatum(s);
}

/*
 * The conversion; sel NULL: rows first .. first + n - 1.  Inlined into
 * both entry points, so the contiguous one has no selection lookups.
 */
static pg_attribute_always_inline void
vector_to_datums(const LakeTypeInfo *ti, const PqColumnVector *vec, uint32 first,
				 const uint32 *sel, uint32 n, Datum *values, bool *isnull)
{
	const uint8_t *nulls = vec->nulls;

	switch (ti->pqtype)
	{
		case PQ_STRING:
		case PQ_BYTES:
			bytes_to_varlenas(vec, first, sel, n, values, isnull);
			break;
		case PQ_BOOL:
			VECTOR_LOOP(BoolGetDatum(vec->v.b[r] != 0));
			break;
		case PQ_INT16:
			VECTOR_LOOP(Int16GetDatum((int16) vec->v.i32[r]));
			break;
		case PQ_INT32:
			VECTOR_LOOP(Int32GetDatum(vec->v.i32[r]));
			break;
		case PQ_DATE:
			VECTOR_LOOP(DateADTGetDatum(date_from_lake(vec->v.i32[r])));
			break;
		case PQ_INT64:
			VECTOR_LOOP(Int64GetDatum(vec->v.i64[r]));
			break;
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			VECTOR_LOOP(TimestampGetDatum(timestamp_from_lake(vec->v.i64[r])));
			break;
		case PQ_FLOAT:
			VECTOR_LOOP(Float4GetDatum(vec->v.f32[r]));
			break;
		case PQ_DOUBLE:
			VECTOR_LOOP(Float8GetDatum(vec->v.f64[r]));
			break;
		case PQ_DECIMAL:
			if (vec->type == PQ_DECIMAL && ti->precision <= 18)
				VECTOR_LOOP(unscaled_to_numeric(vec->v.i64[r], ti->scale));
			else
				VECTOR_LOOP(unscaled_to_numeric(vec->v.i128[r], ti->scale));
			break;
		case PQ_UUID:
			VECTOR_LOOP(uuid_datum(&vec->v.bytes[r]));
			break;
		case PQ_JSON:
			VECTOR_LOOP(json_datum(ti, &vec->v.bytes[r]));
			break;
		default:
			elog(ERROR, "unexpected lake type %d", (int) ti->pqtype);
	}
}

#undef VECTOR_LOOP
#undef ROW_AT

void
LakeVectorToDatums(const LakeTypeInfo *ti, const PqColumnVector *vec,
				   uint32 first, uint32 n, Datum *values, bool *isnull)
{
	vector_to_datums(ti, vec, first, NULL, n, values, isnull);
}

void
LakeVectorToDatumsSel(const LakeTypeInfo *ti, const PqColumnVector *vec,
					  uint32 first, const uint32 *sel, uint32 n,
					  Datum *values, bool *isnull)
{
	vector_to_datums(ti, vec, first, sel, n, values, isnull);
}

Datum
LakeValueToDatum(const LakeTypeInfo *ti, const PqValue *value)
{
	PqColumnVector vec;
	Datum		d;
	bool		isnull;
	union
	{
		uint8_t		b;
		int32_t		i32;
		int64_t		i64;
		float		f32;
		double		f64;
		pq_int128	i128;
		PqBytes		bytes;
	}			slot;

	memset(&vec, 0, sizeof(vec));
	vec.type = value->type;
	vec.count = 1;
	switch (value->type)
	{
		case PQ_BOOL:
			slot.b = value->v.b;
			break;
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			slot.i32 = value->v.i32;
			break;
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			slot.i64 = value->v.i64;
			break;
		case PQ_FLOAT:
			slot.f32 = value->v.f32;
			break;
		case PQ_DOUBLE:
			slot.f64 = value->v.f64;
			break;
		case PQ_DECIMAL:
			if (ti->precision <= 18)
				slot.i64 = value->v.i64;
			else
				slot.i128 = value->v.i128;
			break;
		default:
			slot.bytes = value->v.bytes;
			break;
	}
	vec.v.b = (uint8_t *) &slot;
	LakeVectorToDatums(ti, &vec, 0, 1, &d, &isnull);
	return d;
}

/*
 * The text of a value that names a partition directory or shows a key:
 * independent of DateStyle, extra_float_digits, bytea_output and TimeZone,
 * so the same value always gets the same name.
 */
char *
LakeValueCanonicalText(const LakeTypeInfo *ti, Datum d)
{
	char		buf[MAXDATELEN + 64];
	struct pg_tm tm;
	fsec_t		fsec;

	switch (ti->pqtype)
	{
		case PQ_BOOL:
			return pstrdup(DatumGetBool(d) ? "true" : "false");
		case PQ_FLOAT:
			float_to_shortest_decimal_buf(DatumGetFloat4(d), buf);
			return pstrdup(buf);
		case PQ_DOUBLE:
			double_to_shortest_decimal_buf(DatumGetFloat8(d), buf);
			return pstrdup(buf);
		case PQ_STRING:
		case PQ_JSON:
			if (ti->typid == JSONBOID)
				return DatumGetCString(DirectFunctionCall1(jsonb_out, d));
			return TextDatumGetCString(d);
		case PQ_BYTES:
			{
				bytea	   *b = DatumGetByteaPP(d);
				size_t		len = VARSIZE_ANY_EXHDR(b);
				char	   *out = palloc(3 + 2 * len);

				out[0] = '\\';
				out[1] = 'x';
				hex_encode(VARDATA_ANY(b), len, out + 2);
				out[2 + 2 * len] = '\0';
				return out;
			}
		case PQ_DATE:
			{
				DateADT		date = DatumGetDateADT(d);

				if (DATE_NOT_FINITE(date))
					return pstrdup(DATE_IS_NOBEGIN(date) ? "-infinity" : "infinity");
				j2date(date + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
				EncodeDateOnly(&tm, USE_ISO_DATES, buf);
				return pstrdup(buf);
			}
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			{
				Timestamp	ts = DatumGetTimestamp(d);

				if (TIMESTAMP_NOT_FINITE(ts))
					return pstrdup(TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity");
				/* no time zone given: the fields are UTC */
				if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
					ereport(ERROR,
							(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							 errmsg("timestamp out of range")));
				EncodeDateTime(&tm, fsec, false, 0, NULL, USE_ISO_DATES, buf);
				if (ti->pqtype == PQ_TIMESTAMPTZ)
					strcat(buf, "+00");
				return pstrdup(buf);
			}
		default:
			{
				Oid			out;
				bool		isvarlena;

				/* integers, numeric, uuid: their output does not vary */
				getTypeOutputInfo(ti->typid, &out, &isvarlena);
				return OidOutputFunctionCall(out, d);
			}
	}
}
