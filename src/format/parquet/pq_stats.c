/*-------------------------------------------------------------------------
 * pq_stats.c
 *	  Statistics and ordering rules: ParquetValueCompare, the sort order of
 *	  a column's statistics bytes (PqOrder), decoding statistics bytes into
 *	  PqValues, PLAIN-encoding a PqValue (bloom probes, statistics), and the
 *	  writer's min/max accumulator.
 *
 * Rules (parquet.thrift ColumnOrder / TypeDefinedOrder): signed order for
 * signed integers, decimals and temporals; unsigned for unsigned integers;
 * unsigned lexicographic bytes for strings, binary and UUID; floats by
 * value with NaN never a bound, -0.0 written as the min and +0.0 as the
 * max when a bound is zero; decimals in FLBA/BYTE_ARRAY as signed
 * big-endian integers.  INT96 has no defined order.
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "format/parquet/pq_plain.h"

static inline int
cmp_bytes(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
	uint32_t	n = alen < blen ? alen : blen;
	int			c = n ? memcmp(a, b, n) : 0;

	if (c)
		return c < 0 ? -1 : 1;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b) ? 1 : 0)

int
ParquetValueCompare(const PqValue *a, const PqValue *b)
{
	switch (a->type)
	{
		case PQ_BOOL:
			return CMP((int) a->v.b, (int) b->v.b);
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			return CMP(a->v.i32, b->v.i32);
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			return CMP(a->v.i64, b->v.i64);
		case PQ_FLOAT:
			return CMP(a->v.f32, b->v.f32);
		case PQ_DOUBLE:
			return CMP(a->v.f64, b->v.f64);
		case PQ_DECIMAL:
			if (a->precision <= 18 && b->precision <= 18)
				return CMP(a->v.i64, b->v.i64);
			{
				pq_int128	x = a->precision <= 18 ? (pq_int128) a->v.i64 : a->v.i128;
				pq_int128	y = b->precision <= 18 ? (pq_int128) b->v.i64 : b->v.i128;

				return CMP(x, y);
			}
		case PQ_STRING:
		case PQ_BYTES:
		case PQ_JSON:
		case PQ_UUID:
			return cmp_bytes(a->v.bytes.ptr, a->v.bytes.len,
							 b->v.bytes.ptr, b->v.bytes.len);
	}
	return 0;
}

bool
PqDecimalFromBE(const uint8_t *p, uint32_t len, pq_int128 *out)
{
	unsigned __int128 v;

	if (len == 0)
	{
		*out = 0;
		return true;
	}
	if (len > 16)
		return false;
	v = (p[0] & 0x80) ? ~(unsigned __int128) 0 : 0;
	for (uint32_t i = 0; i < len; i++)
		v = (v << 8) | p[i];
	*out = (pq_int128) v;
	return true;
}

static void
decimal_to_be16(pq_int128 v, uint8_t *out)
{
	unsigned __int128 u = (unsigned __int128) v;

	for (int i = 15; i >= 0; i--)
	{
		out[i] = (uint8_t) u;
		u >>= 8;
	}
}

int
PqValueEncodePlain(const PqValue *v, int ptype, int type_length,
				   uint8_t *out, const uint8_t **ptr)
{
	*ptr = NULL;
	switch (ptype)
	{
		case PQT_BOOLEAN:
			out[0] = v->v.b ? 1 : 0;
			return 1;
		case PQT_INT32:
			{
				int64_t		x;

				switch (v->type)
				{
					case PQ_INT16:
					case PQ_INT32:
					case PQ_DATE:
						x = v->v.i32;
						break;
					case PQ_INT64:
					case PQ_DECIMAL:
						if (v->type == PQ_DECIMAL && v->precision > 18)
						{
							if (v->v.i128 < INT32_MIN || v->v.i128 > INT32_MAX)
								return -1;
							x = (int64_t) v->v.i128;
						}
						else
							x = v->v.i64;
						/* an unsigned 32-bit column delivers int64 */
						if (x < INT32_MIN || x > (int64_t) UINT32_MAX)
							return -1;
						break;
					default:
						return -1;
				}
				pq_store_u32(out, (uint32_t) x);
				return 4;
			}
		case PQT_INT64:
			{
				int64_t		x;

				if (v->type == PQ_DECIMAL && v->precision > 18)
				{
					if (v->v.i128 < INT64_MIN || v->v.i128 > (pq_int128) UINT64_MAX)
						return -1;
					x = (int64_t) (uint64_t) v->v.i128;
				}
				else if (v->type == PQ_INT16 || v->type == PQ_INT32 || v->type == PQ_DATE)
					x = v->v.i32;
				else
					x = v->v.i64;
				memcpy(out, &x, 8);
				return 8;
			}
		case PQT_FLOAT:
			if (v->type != PQ_FLOAT)
				return -1;
			memcpy(out, &v->v.f32, 4);
			return 4;
		case PQT_DOUBLE:
			if (v->type != PQ_DOUBLE)
				return -1;
			memcpy(out, &v->v.f64, 8);
			return 8;
		case PQT_FLBA:
			if (v->type == PQ_DECIMAL)
			{
				pq_int128	x = v->precision <= 18 ? (pq_int128) v->v.i64 : v->v.i128;
				uint8_t		tmp[16];

				if (type_length < 1 || type_length > 16)
					return -1;
				decimal_to_be16(x, tmp);
				/* the dropped leading bytes must be pure sign extension */
				for (int i = 0; i < 16 - type_length; i++)
					if (tmp[i] != ((tmp[16 - type_length] & 0x80) ? 0xff : 0))
						return -1;
				memcpy(out, tmp + 16 - type_length, type_length);
				return type_length;
			}
			if (v->v.bytes.len != (uint32_t) type_length)
				return -1;
			*ptr = v->v.bytes.ptr;
			return (int) v->v.bytes.len;
		case PQT_BYTE_ARRAY:
			if (v->type == PQ_DECIMAL)
				return -1;		/* minimal-length encodings vary by writer */
			*ptr = v->v.bytes.ptr;
			return (int) v->v.bytes.len;
	}
	return -1;
}

PqOrder
PqOrderOf(int ptype, PqConv conv, PqType type)
{
	switch (conv)
	{
		case PQV_BOOL:
			return PQO_BOOL;
		case PQV_I32:
		case PQV_I32_TO_I64:
		case PQV_I32_TO_I128:
			return PQO_I32;
		case PQV_U32_TO_I64:
			return PQO_U32;
		case PQV_I64:
		case PQV_I64_MILLIS:
		case PQV_I64_NANOS:
		case PQV_I64_TO_I128:
			return PQO_I64;
		case PQV_U64_TO_I128:
			return PQO_U64;
		case PQV_INT96:
			return PQO_NONE;
		case PQV_F32:
			return PQO_FLOAT;
		case PQV_F64:
			return PQO_DOUBLE;
		case PQV_BYTES:
			(void) type;
			return PQO_BYTES;
		case PQV_DEC_BYTES:
			(void) ptype;
			return PQO_SIGNED_BE;
	}
	return PQO_NONE;
}

int
PqOrderCompare(PqOrder order, const uint8_t *a, uint32_t alen,
			   const uint8_t *b, uint32_t blen)
{
	switch (order)
	{
		case PQO_BOOL:
			return CMP(a[0] & 1, b[0] & 1);
		case PQO_I32:
			return CMP((int32_t) pq_load_u32(a), (int32_t) pq_load_u32(b));
		case PQO_U32:
			return CMP(pq_load_u32(a), pq_load_u32(b));
		case PQO_I64:
			return CMP((int64_t) pq_load_u64(a), (int64_t) pq_load_u64(b));
		case PQO_U64:
			return CMP(pq_load_u64(a), pq_load_u64(b));
		case PQO_FLOAT:
			{
				float		x,
							y;

				memcpy(&x, a, 4);
				memcpy(&y, b, 4);
				return CMP(x, y);
			}
		case PQO_DOUBLE:
			{
				double		x,
							y;

				memcpy(&x, a, 8);
				memcpy(&y, b, 8);
				return CMP(x, y);
			}
		case PQO_BYTES:
			return cmp_bytes(a, alen, b, blen);
		case PQO_SIGNED_BE:
			{
				pq_int128	x = 0,
							y = 0;

				if (!PqDecimalFromBE(a, alen, &x) || !PqDecimalFromBE(b, blen, &y))
					return cmp_bytes(a, alen, b, blen);
				return CMP(x, y);
			}
		case PQO_NONE:
			break;
	}
	return 0;
}

static int
fixed_len_of(PqOrder order)
{
	switch (order)
	{
		case PQO_BOOL:
			return 1;
		case PQO_I32:
		case PQO_U32:
		case PQO_FLOAT:
			return 4;
		case PQO_I64:
		case PQO_U64:
		case PQO_DOUBLE:
			return 8;
		default:
			return 0;
	}
}

bool
PqStatsDecodeValue(PqConv conv, int ptype, const PqColumnInfo *info,
				   const uint8_t *raw, uint32_t len, PqValue *out)
{
	int			need = fixed_len_of(PqOrderOf(ptype, conv, info->type));

	memset(out, 0, sizeof(*out));
	out->type = info->type;
	out->precision = info->precision;
	out->scale = info->scale;
	if (raw == NULL && len == 0 && need == 0)
		raw = (const uint8_t *) "";	/* an empty byte array */
	if (raw == NULL || (need > 0 && len < (uint32_t) need))
		return false;
	switch (conv)
	{
		case PQV_BOOL:
			out->v.b = raw[0] & 1;
			return true;
		case PQV_I32:
			out->v.i32 = (int32_t) pq_load_u32(raw);
			return true;
		case PQV_I32_TO_I64:
			out->v.i64 = (int32_t) pq_load_u32(raw);
			return true;
		case PQV_U32_TO_I64:
			out->v.i64 = pq_load_u32(raw);
			return true;
		case PQV_I32_TO_I128:
			out->v.i128 = (int32_t) pq_load_u32(raw);
			return true;
		case PQV_I64:
			out->v.i64 = (int64_t) pq_load_u64(raw);
			return true;
		case PQV_I64_MILLIS:
			{
				int64_t		x = (int64_t) pq_load_u64(raw);

				if (x > INT64_MAX / 1000 || x < INT64_MIN / 1000)
					return false;
				out->v.i64 = x * 1000;
				return true;
			}
		case PQV_I64_NANOS:
			{
				int64_t		x = (int64_t) pq_load_u64(raw);

				/* floor division keeps min a lower bound */
				out->v.i64 = x / 1000 - ((x % 1000) < 0 ? 1 : 0);
				return true;
			}
		case PQV_I64_TO_I128:
			out->v.i128 = (int64_t) pq_load_u64(raw);
			return true;
		case PQV_U64_TO_I128:
			out->v.i128 = (pq_int128) pq_load_u64(raw);
			return true;
		case PQV_INT96:
			return false;
		case PQV_F32:
			memcpy(&out->v.f32, raw, 4);
			return !isnan(out->v.f32);
		case PQV_F64:
			memcpy(&out->v.f64, raw, 8);
			return !isnan(out->v.f64);
		case PQV_BYTES:
			if (ptype == PQT_FLBA && len != (uint32_t) 0 && info->type == PQ_UUID && len != 16)
				return false;
			out->v.bytes.ptr = raw;
			out->v.bytes.len = len;
			return true;
		case PQV_DEC_BYTES:
			{
				pq_int128	x;

				if (!PqDecimalFromBE(raw, len, &x))
					return false;
				if (info->precision <= 18)
				{
					if (x < INT64_MIN || x > INT64_MAX)
						return false;
					out->v.i64 = (int64_t) x;
				}
				else
					out->v.i128 = x;
				return true;
			}
	}
	return false;
}

/* ---------------------------------------------------------------------
 * Accumulator
 * ---------------------------------------------------------------------
 */
void
PqStatAccInit(PqStatAcc *a, const PqAllocator *alloc)
{
	memset(a, 0, sizeof(*a));
	PqBufInit(&a->min, alloc);
	PqBufInit(&a->max, alloc);
}

void
PqStatAccReset(PqStatAcc *a)
{
	a->has = false;
	a->nulls = 0;
	a->values = 0;
	a->min.len = 0;
	a->max.len = 0;
}

void
PqStatAccFree(PqStatAcc *a)
{
	PqBufFree(&a->min);
	PqBufFree(&a->max);
}

bool
PqStatAccUpdate(PqStatAcc *a, PqOrder order, const uint8_t *mn, uint32_t mnlen,
				const uint8_t *mx, uint32_t mxlen)
{
	if (!a->has)
	{
		a->min.len = a->max.len = 0;
		if (!pq_buf_append(&a->min, mn, mnlen) || !pq_buf_append(&a->max, mx, mxlen))
			return false;
		a->has = true;
		return true;
	}
	if (PqOrderCompare(order, mn, mnlen, a->min.data, (uint32_t) a->min.len) < 0)
	{
		a->min.len = 0;
		if (!pq_buf_append(&a->min, mn, mnlen))
			return false;
	}
	if (PqOrderCompare(order, mx, mxlen, a->max.data, (uint32_t) a->max.len) > 0)
	{
		a->max.len = 0;
		if (!pq_buf_append(&a->max, mx, mxlen))
			return false;
	}
	return true;
}

bool
PqStatAccMerge(PqStatAcc *into, PqOrder order, const PqStatAcc *from)
{
	into->nulls += from->nulls;
	into->values += from->values;
	if (!from->has)
		return true;
	return PqStatAccUpdate(into, order, from->min.data, (uint32_t) from->min.len,
						   from->max.data, (uint32_t) from->max.len);
}

void
PqStatAccNormalizeZeros(PqStatAcc *a, PqOrder order)
{
	if (!a->has)
		return;
	if (order == PQO_FLOAT)
	{
		float		mn,
					mx;

		memcpy(&mn, a->min.data, 4);
		memcpy(&mx, a->max.data, 4);
		if (mn == 0.0f)
			mn = -0.0f;
		if (mx == 0.0f)
			mx = 0.0f;
		memcpy(a->min.data, &mn, 4);
		memcpy(a->max.data, &mx, 4);
	}
	else if (order == PQO_DOUBLE)
	{
		double		mn,
					mx;

		memcpy(&mn, a->min.data, 8);
		memcpy(&mx, a->max.data, 8);
		if (mn == 0.0)
			mn = -0.0;
		if (mx == 0.0)
			mx = 0.0;
		memcpy(a->min.data, &mn, 8);
		memcpy(a->max.data, &mx, 8);
	}
}

uint32_t
PqTruncateMin(uint32_t len, uint32_t limit)
{
	return len > limit ? limit : len;
}

uint32_t
PqTruncateMax(const uint8_t *v, uint32_t len, uint32_t limit, uint8_t *out)
{
	if (len <= limit)
		return 0;
	for (int i = (int) limit - 1; i >= 0; i--)
	{
		if (v[i] != 0xff)
		{
			memcpy(out, v, (size_t) i);
			out[i] = (uint8_t) (v[i] + 1);
			return (uint32_t) i + 1;
		}
	}
	return 0;
}
