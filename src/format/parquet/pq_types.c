/*-------------------------------------------------------------------------
 * pq_types.c
 *	  Type names and the mapping between lake_fdw's logical types
 *	  (PqType) and Parquet physical types, logical types and converted
 *	  types, for the writer (PqTypeToSchema, matching DuckDB's choices) and
 *	  the reader (PqTypeFromSchema, accepting other writers' forms).
 *-------------------------------------------------------------------------
 */
#include <stdio.h>

#include "format/parquet/pq_metadata.h"

const char *
ParquetTypeName(PqType type)
{
	switch (type)
	{
		case PQ_BOOL:
			return "bool";
		case PQ_INT16:
			return "int16";
		case PQ_INT32:
			return "int32";
		case PQ_INT64:
			return "int64";
		case PQ_FLOAT:
			return "float";
		case PQ_DOUBLE:
			return "double";
		case PQ_DECIMAL:
			return "decimal";
		case PQ_STRING:
			return "string";
		case PQ_BYTES:
			return "bytes";
		case PQ_DATE:
			return "date";
		case PQ_TIMESTAMP:
			return "timestamp";
		case PQ_TIMESTAMPTZ:
			return "timestamptz";
		case PQ_UUID:
			return "uuid";
		case PQ_JSON:
			return "json";
	}
	return "unknown";
}

size_t
PqTypeSlotSize(PqType type, int precision)
{
	switch (type)
	{
		case PQ_BOOL:
			return 1;
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
		case PQ_FLOAT:
			return 4;
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
		case PQ_DOUBLE:
			return 8;
		case PQ_DECIMAL:
			return precision <= 18 ? 8 : 16;
		case PQ_STRING:
		case PQ_BYTES:
		case PQ_JSON:
		case PQ_UUID:
			return sizeof(PqBytes);
	}
	return 0;
}

size_t
ParquetColumnSlotSize(const PqColumnInfo *info)
{
	return PqTypeSlotSize(info->type, info->precision);
}

int
PqTypePhysical(PqType type, int precision, int *type_length)
{
	*type_length = 0;
	switch (type)
	{
		case PQ_BOOL:
			return PQT_BOOLEAN;
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			return PQT_INT32;
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			return PQT_INT64;
		case PQ_FLOAT:
			return PQT_FLOAT;
		case PQ_DOUBLE:
			return PQT_DOUBLE;
		case PQ_DECIMAL:
			if (precision <= 9)
				return PQT_INT32;
			if (precision <= 18)
				return PQT_INT64;
			*type_length = 16;
			return PQT_FLBA;
		case PQ_UUID:
			*type_length = 16;
			return PQT_FLBA;
		case PQ_STRING:
		case PQ_BYTES:
		case PQ_JSON:
			return PQT_BYTE_ARRAY;
	}
	return PQT_BYTE_ARRAY;
}

int
PqPhysicalWidth(int ptype, int type_length)
{
	switch (ptype)
	{
		case PQT_BOOLEAN:
			return -1;
		case PQT_INT32:
		case PQT_FLOAT:
			return 4;
		case PQT_INT64:
		case PQT_DOUBLE:
			return 8;
		case PQT_INT96:
			return 12;
		case PQT_FLBA:
			return type_length;
		default:
			return 0;
	}
}

void
PqTypeToSchema(const PqColumnSpec *spec, PqMetaSchema *s)
{
	memset(s, 0, sizeof(*s));
	s->has_type = true;
	s->type = PqTypePhysical(spec->type, spec->precision, &s->type_length);
	s->has_repetition = true;
	s->repetition = spec->nullable ? 1 : 0;
	s->name.ptr = (const uint8_t *) spec->name;
	s->name.len = (uint32_t) strlen(spec->name);
	s->converted_type = -1;
	switch (spec->type)
	{
		case PQ_INT16:
			s->converted_type = PQC_INT_16;
			s->logical.kind = PQL_INTEGER;
			s->logical.bit_width = 16;
			s->logical.is_signed = true;
			break;
		case PQ_DECIMAL:
			s->converted_type = PQC_DECIMAL;
			s->scale = spec->scale;
			s->precision = spec->precision;
			s->logical.kind = PQL_DECIMAL;
			s->logical.scale = spec->scale;
			s->logical.precision = spec->precision;
			break;
		case PQ_STRING:
			s->converted_type = PQC_UTF8;
			s->logical.kind = PQL_STRING;
			break;
		case PQ_JSON:
			s->converted_type = PQC_JSON;
			s->logical.kind = PQL_JSON;
			break;
		case PQ_DATE:
			s->converted_type = PQC_DATE;
			s->logical.kind = PQL_DATE;
			break;
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			s->converted_type = PQC_TIMESTAMP_MICROS;
			s->logical.kind = PQL_TIMESTAMP;
			s->logical.adjusted_to_utc = (spec->type == PQ_TIMESTAMPTZ);
			s->logical.unit = PQU_MICROS;
			break;
		case PQ_UUID:
			s->logical.kind = PQL_UUID;
			break;
		default:
			break;
	}
}

static PqStatus
unsupported(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return PQ_ERR_UNSUPPORTED;
}

static PqStatus
set_decimal(PqColumnInfo *info, PqConv *conv, int ptype, int precision,
			int scale, int type_length, char *why, size_t whylen)
{
	if (precision < 1 || precision > 38 || scale < 0 || scale > precision)
	{
		snprintf(why, whylen, "DECIMAL(%d,%d) outside 1..38 digits",
				 precision, scale);
		return PQ_ERR_UNSUPPORTED;
	}
	info->type = PQ_DECIMAL;
	info->precision = precision;
	info->scale = scale;
	switch (ptype)
	{
		case PQT_INT32:
			*conv = precision <= 18 ? PQV_I32_TO_I64 : PQV_I32_TO_I128;
			return PQ_OK;
		case PQT_INT64:
			*conv = precision <= 18 ? PQV_I64 : PQV_I64_TO_I128;
			return PQ_OK;
		case PQT_FLBA:
			if (type_length < 1 || type_length > 16)
				return unsupported(why, whylen,
								   "DECIMAL stored in more than 16 bytes");
			*conv = PQV_DEC_BYTES;
			return PQ_OK;
		case PQT_BYTE_ARRAY:
			*conv = PQV_DEC_BYTES;
			return PQ_OK;
	}
	return unsupported(why, whylen, "DECIMAL on this physical type");
}

PqStatus
PqTypeFromSchema(const PqMetaSchema *s, PqColumnInfo *info, PqConv *conv,
				 char *why, size_t whylen)
{
	const PqMetaLogical *lt = &s->logical;
	int			ct = s->converted_type;
	int			pt = s->type;

	info->physical_type = pt;
	info->precision = 0;
	info->scale = 0;

	/* decimal first: its annotation is independent of the physical type */
	if (lt->kind == PQL_DECIMAL)
		return set_decimal(info, conv, pt, lt->precision, lt->scale,
						   s->type_length, why, whylen);
	if (lt->kind == PQL_NONE && ct == PQC_DECIMAL)
		return set_decimal(info, conv, pt, s->precision, s->scale,
						   s->type_length, why, whylen);

	switch (pt)
	{
		case PQT_BOOLEAN:
			info->type = PQ_BOOL;
			*conv = PQV_BOOL;
			return PQ_OK;
		case PQT_INT32:
			info->type = PQ_INT32;
			*conv = PQV_I32;
			if (lt->kind == PQL_INTEGER)
			{
				if (lt->is_signed)
					info->type = lt->bit_width <= 16 ? PQ_INT16 : PQ_INT32;
				else if (lt->bit_width <= 16)
					info->type = PQ_INT32;
				else
				{
					info->type = PQ_INT64;
					*conv = PQV_U32_TO_I64;
				}
			}
			else if (lt->kind == PQL_DATE || (lt->kind == PQL_NONE && ct == PQC_DATE))
				info->type = PQ_DATE;
			else if (lt->kind == PQL_TIME || ct == PQC_TIME_MILLIS)
				return unsupported(why, whylen, "TIME columns");
			else if (lt->kind == PQL_NONE && (ct == PQC_INT_8 || ct == PQC_INT_16))
				info->type = PQ_INT16;
			else if (lt->kind == PQL_NONE && (ct == PQC_UINT_8 || ct == PQC_UINT_16))
				info->type = PQ_INT32;
			else if (lt->kind == PQL_NONE && ct == PQC_UINT_32)
			{
				info->type = PQ_INT64;
				*conv = PQV_U32_TO_I64;
			}
			else if (lt->kind != PQL_NONE && lt->kind != PQL_UNKNOWN)
				return unsupported(why, whylen, "this INT32 logical type");
			return PQ_OK;
		case PQT_INT64:
			info->type = PQ_INT64;
			*conv = PQV_I64;
			if (lt->kind == PQL_INTEGER && !lt->is_signed)
			{
				info->type = PQ_DECIMAL;
				info->precision = 20;
				*conv = PQV_U64_TO_I128;
			}
			else if (lt->kind == PQL_INTEGER)
				;
			else if (lt->kind == PQL_TIMESTAMP)
			{
				info->type = lt->adjusted_to_utc ? PQ_TIMESTAMPTZ : PQ_TIMESTAMP;
				*conv = lt->unit == PQU_MILLIS ? PQV_I64_MILLIS :
					lt->unit == PQU_NANOS ? PQV_I64_NANOS : PQV_I64;
				if (lt->unit < PQU_MILLIS || lt->unit > PQU_NANOS)
					return unsupported(why, whylen, "TIMESTAMP with an unknown unit");
			}
			else if (lt->kind == PQL_TIME || ct == PQC_TIME_MICROS)
				return unsupported(why, whylen, "TIME columns");
			else if (lt->kind == PQL_NONE && (ct == PQC_TIMESTAMP_MILLIS ||
											  ct == PQC_TIMESTAMP_MICROS))
			{
				/* legacy converted types imply UTC-adjusted instants */
				info->type = PQ_TIMESTAMPTZ;
				*conv = ct == PQC_TIMESTAMP_MILLIS ? PQV_I64_MILLIS : PQV_I64;
			}
			else if (lt->kind == PQL_NONE && ct == PQC_UINT_64)
			{
				info->type = PQ_DECIMAL;
				info->precision = 20;
				*conv = PQV_U64_TO_I128;
			}
			else if (lt->kind != PQL_NONE && lt->kind != PQL_UNKNOWN)
				return unsupported(why, whylen, "this INT64 logical type");
			return PQ_OK;
		case PQT_INT96:
			info->type = PQ_TIMESTAMP;
			*conv = PQV_INT96;
			return PQ_OK;
		case PQT_FLOAT:
			info->type = PQ_FLOAT;
			*conv = PQV_F32;
			return PQ_OK;
		case PQT_DOUBLE:
			info->type = PQ_DOUBLE;
			*conv = PQV_F64;
			return PQ_OK;
		case PQT_BYTE_ARRAY:
			*conv = PQV_BYTES;
			if (lt->kind == PQL_STRING || lt->kind == PQL_ENUM ||
				(lt->kind == PQL_NONE && (ct == PQC_UTF8 || ct == PQC_ENUM)))
				info->type = PQ_STRING;
			else if (lt->kind == PQL_JSON || (lt->kind == PQL_NONE && ct == PQC_JSON))
				info->type = PQ_JSON;
			else
				info->type = PQ_BYTES;
			return PQ_OK;
		case PQT_FLBA:
			if (s->type_length < 1)
				return unsupported(why, whylen, "FIXED_LEN_BYTE_ARRAY without a positive type_length");
			*conv = PQV_BYTES;
			if (lt->kind == PQL_UUID && s->type_length == 16)
				info->type = PQ_UUID;
			else
				info->type = PQ_BYTES;
			return PQ_OK;
	}
	snprintf(why, whylen, "physical type %d", pt);
	return PQ_ERR_UNSUPPORTED;
}
