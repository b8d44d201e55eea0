/*-------------------------------------------------------------------------
 * pq_plain.c
 *	  PLAIN decoding for every physical type, and the conversion of
 *	  physical values into the value slots a column is delivered as
 *	  (widening, unit conversion, INT96, big-endian decimals).
 *
 * PLAIN (Parquet encodings spec): BOOLEAN bit-packed LSB first; INT32,
 * INT64, FLOAT, DOUBLE little-endian; INT96 12 bytes (8 bytes nanoseconds
 * of the day, 4 bytes Julian day); BYTE_ARRAY a 4-byte little-endian
 * length then the bytes; FIXED_LEN_BYTE_ARRAY the bytes.
 *-------------------------------------------------------------------------
 */
#include "format/parquet/pq_plain.h"

#define JULIAN_UNIX_EPOCH 2440588LL
#define USECS_PER_DAY 86400000000LL

void
PqConvertFixed(PqConv conv, const PqColumnInfo *info, int w,
			   const uint8_t *phys, uint32_t n, void *out)
{
	if (n == 0)
		return;
	switch (conv)
	{
		case PQV_I32:
		case PQV_I64:
		case PQV_F32:
		case PQV_F64:
			memcpy(out, phys, (size_t) n * w);
			break;
		case PQV_I32_TO_I64:
			{
				int64_t    *o = out;

				for (uint32_t i = 0; i < n; i++)
					o[i] = (int32_t) pq_load_u32(phys + 4 * (size_t) i);
				break;
			}
		case PQV_U32_TO_I64:
			{
				int64_t    *o = out;

				for (uint32_t i = 0; i < n; i++)
					o[i] = pq_load_u32(phys + 4 * (size_t) i);
				break;
			}
		case PQV_I32_TO_I128:
			{
				pq_int128  *o = out;

				for (uint32_t i = 0; i < n; i++)
					o[i] = (int32_t) pq_load_u32(phys + 4 * (size_t) i);
				break;
			}
		case PQV_I64_MILLIS:
			{
				int64_t    *o = out;

				for (uint32_t i = 0; i < n; i++)
					o[i] = (int64_t) (pq_load_u64(phys + 8 * (size_t) i) * 1000);
				break;
			}
		case PQV_I64_NANOS:
			{
				int64_t    *o = out;

				for (uint32_t i = 0; i < n; i++)
				{
					int64_t		x = (int64_t) pq_load_u64(phys + 8 * (size_t) i);

					o[i] = x / 1000 - ((x % 1000) < 0 ? 1 : 0);
				}
				break;
			}
		case PQV_I64_TO_I128:
			{
				pq_int128  *o = out;

				for (uint32_t i = 0; i < n; i++)
					o[i] = (int64_t) pq_load_u64(phys + 8 * (size_t) i);
				break;
			}
		case PQV_U64_TO_I128:
			{
				pq_int128  *o = out;

				for (uint32_t i = 0; i < n; i++)
					o[i] = (pq_int128) pq_load_u64(phys + 8 * (size_t) i);
				break;
			}
		case PQV_INT96:
			{
				int64_t    *o = out;

				for (uint32_t i = 0; i < n; i++)
				{
					const uint8_t *p = phys + 12 * (size_t) i;
					int64_t		nanos = (int64_t) pq_load_u64(p);
					int64_t		day = (int32_t) pq_load_u32(p + 8);

					o[i] = (int64_t) ((uint64_t) (day - JULIAN_UNIX_EPOCH) * (uint64_t) USECS_PER_DAY +
									  (uint64_t) (nanos / 1000));
				}
				break;
			}
		case PQV_BYTES:
			{
				PqBytes    *o = out;

				for (uint32_t i = 0; i < n; i++)
				{
					o[i].ptr = phys + (size_t) w * i;
					o[i].len = (uint32_t) w;
				}
				break;
			}
		case PQV_DEC_BYTES:
			{
				for (uint32_t i = 0; i < n; i++)
				{
					pq_int128	x = 0;

					(void) PqDecimalFromBE(phys + (size_t) w * i, (uint32_t) w, &x);
					if (info->precision <= 18)
						((int64_t *) out)[i] = (int64_t) x;
					else
						((pq_int128 *) out)[i] = x;
				}
				break;
			}
		case PQV_BOOL:
			{
				uint8_t    *o = out;

				for (uint32_t i = 0; i < n; i++)
					o[i] = phys[i] ? 1 : 0;
				break;
			}
	}
}

bool
PqConvertBytesToDecimal(const PqColumnInfo *info, void *slots, uint32_t n)
{
	PqBytes    *in = slots;

	for (uint32_t i = 0; i < n; i++)
	{
		PqBytes		b = in[i];
		pq_int128	x;

		if (!PqDecimalFromBE(b.ptr, b.len, &x))
			return false;
		if (info->precision <= 18)
		{
			int64_t		y = (int64_t) x;

			memcpy((uint8_t *) slots + 8 * (size_t) i, &y, 8);
		}
		else
			memcpy((uint8_t *) slots + 16 * (size_t) i, &x, 16);
	}
	return true;
}

bool
PqPlainDecode(PqConv conv, const PqColumnInfo *info, int ptype,
			  int type_length, const uint8_t *buf, size_t len, uint32_t n,
			  void *out, size_t *consumed)
{
	int			w = PqPhysicalWidth(ptype, type_length);

	if (ptype == PQT_BOOLEAN)
	{
		uint8_t    *o = out;
		size_t		need = ((size_t) n + 7) / 8;

		if (need > len)
			return false;
		for (uint32_t i = 0; i < n; i++)
			o[i] = (buf[i >> 3] >> (i & 7)) & 1;
		*consumed = need;
		return true;
	}
	if (ptype == PQT_BYTE_ARRAY)
	{
		PqBytes    *o = out;
		size_t		pos = 0;

		for (uint32_t i = 0; i < n; i++)
		{
			uint32_t	l;

			if (len - pos < 4)
				return false;
			l = pq_load_u32(buf + pos);
			pos += 4;
			if (l > len - pos)
				return false;
			o[i].ptr = buf + pos;
			o[i].len = l;
			pos += l;
		}
		*consumed = pos;
		if (conv == PQV_DEC_BYTES)
			return PqConvertBytesToDecimal(info, out, n);
		return true;
	}
	if (w <= 0 || (uint64_t) n * (uint64_t) w > len)
		return false;
	PqConvertFixed(conv, info, w, buf, n, out);
	*consumed = (size_t) n * w;
	return true;
}
