/*-------------------------------------------------------------------------
 * pq_thrift.c
 *	  Thrift compact protocol reader (bounds-checked, depth-limited, skips
 *	  unknown fields) and writer, as used by Parquet metadata.
 *
 * Encoding facts (Thrift compact protocol spec): field header byte
 * (delta << 4 | type) for deltas 1..15, else the type byte followed by a
 * zigzag varint i16 id; i16/i32/i64 are zigzag varints; binary is a varint
 * length plus bytes; lists start with (n << 4 | elemtype) or 0xF0|elemtype
 * followed by a varint n; bools carry their value in the type nibble of a
 * field header, and take one byte (1 true, 2 false) inside a list.
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>

#include "format/parquet/pq_thrift.h"

void
PqThriftReaderInit(PqThriftReader *r, const uint8_t *buf, size_t len,
				   uint64_t base_offset, const char *what)
{
	r->start = buf;
	r->p = buf;
	r->end = buf + len;
	r->base_offset = base_offset;
	r->depth = 0;
	r->failed = false;
	r->truncated = false;
	r->what = what;
	r->msg[0] = '\0';
}

void
PqThriftFail(PqThriftReader *r, const char *fmt,...)
{
	va_list		ap;

	if (r->failed)
		return;
	r->failed = true;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	/* stop all further consumption */
	r->end = r->p;
}

static void
fail_truncated(PqThriftReader *r)
{
	if (r->failed)
		return;
	PqThriftFail(r, "%s truncated at offset %llu", r->what,
				 (unsigned long long) pq_thrift_offset(r));
	r->truncated = true;
}

static uint64_t
read_varint(PqThriftReader *r)
{
	uint64_t	v = 0;
	int			shift = 0;

	while (r->p < r->end)
	{
		uint8_t		b = *r->p++;

		if (shift == 63 && (b & 0x7e))
		{
			PqThriftFail(r, "%s: varint overflow at offset %llu", r->what,
						 (unsigned long long) pq_thrift_offset(r));
			return 0;
		}
		v |= (uint64_t) (b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			return v;
		shift += 7;
		if (shift > 63)
		{
			PqThriftFail(r, "%s: varint too long at offset %llu", r->what,
						 (unsigned long long) pq_thrift_offset(r));
			return 0;
		}
	}
	fail_truncated(r);
	return 0;
}

static inline int64_t
unzigzag(uint64_t v)
{
	return (int64_t) (v >> 1) ^ -(int64_t) (v & 1);
}

void
PqThriftStructBegin(PqThriftReader *r, int16_t *last_id)
{
	*last_id = 0;
	if (++r->depth > PQ_THRIFT_MAX_DEPTH)
		PqThriftFail(r, "%s: structures nested deeper than %d at offset %llu",
					 r->what, PQ_THRIFT_MAX_DEPTH,
					 (unsigned long long) pq_thrift_offset(r));
}

void
PqThriftStructEnd(PqThriftReader *r)
{
	r->depth--;
}

bool
PqThriftFieldBegin(PqThriftReader *r, int16_t *last_id, int16_t *id, int *type)
{
	uint8_t		b;
	int			delta;

	if (r->failed)
		return false;
	if (r->p >= r->end)
	{
		fail_truncated(r);
		return false;
	}
	b = *r->p++;
	if (b == TT_STOP)
		return false;
	*type = b & 0x0f;
	if (*type > TT_STRUCT)
	{
		r->p--;
		PqThriftFail(r, "%s: invalid field type %d at offset %llu", r->what,
					 *type, (unsigned long long) pq_thrift_offset(r));
		return false;
	}
	delta = b >> 4;
	if (delta)
		*id = (int16_t) (*last_id + delta);
	else
	{
		int64_t		v = unzigzag(read_varint(r));

		if (v < INT16_MIN || v > INT16_MAX)
			PqThriftFail(r, "%s: field id out of range at offset %llu",
						 r->what, (unsigned long long) pq_thrift_offset(r));
		*id = (int16_t) v;
	}
	*last_id = *id;
	return !r->failed;
}

int64_t
PqThriftReadI64(PqThriftReader *r, int type)
{
	if (type == TT_BYTE)
	{
		if (r->p >= r->end)
		{
			fail_truncated(r);
			return 0;
		}
		return (int8_t) *r->p++;
	}
	if (type != TT_I16 && type != TT_I32 && type != TT_I64)
	{
		PqThriftFail(r, "%s: expected an integer, found type %d at offset %llu",
					 r->what, type, (unsigned long long) pq_thrift_offset(r));
		return 0;
	}
	return unzigzag(read_varint(r));
}

int32_t
PqThriftReadI32(PqThriftReader *r, int type)
{
	int64_t		v = PqThriftReadI64(r, type);

	if (v < INT32_MIN || v > INT32_MAX)
	{
		PqThriftFail(r, "%s: i32 value %lld out of range at offset %llu",
					 r->what, (long long) v,
					 (unsigned long long) pq_thrift_offset(r));
		return 0;
	}
	return (int32_t) v;
}

bool
PqThriftReadBool(PqThriftReader *r, int type)
{
	if (type == TT_TRUE)
		return true;
	if (type == TT_FALSE)
		return false;
	PqThriftFail(r, "%s: expected a bool, found type %d at offset %llu",
				 r->what, type, (unsigned long long) pq_thrift_offset(r));
	return false;
}

double
PqThriftReadDouble(PqThriftReader *r, int type)
{
	double		d;

	if (type != TT_DOUBLE)
	{
		PqThriftFail(r, "%s: expected a double at offset %llu", r->what,
					 (unsigned long long) pq_thrift_offset(r));
		return 0;
	}
	if (r->end - r->p < 8)
	{
		fail_truncated(r);
		return 0;
	}
	memcpy(&d, r->p, 8);
	r->p += 8;
	return d;
}

const uint8_t *
PqThriftReadBinary(PqThriftReader *r, int type, uint32_t *len)
{
	uint64_t	n;
	const uint8_t *p;

	*len = 0;
	if (type != TT_BINARY)
	{
		PqThriftFail(r, "%s: expected binary, found type %d at offset %llu",
					 r->what, type, (unsigned long long) pq_thrift_offset(r));
		return NULL;
	}
	n = read_varint(r);
	if (r->failed)
		return NULL;
	if (n > (uint64_t) (r->end - r->p))
	{
		if (n <= INT32_MAX)
			fail_truncated(r);
		else
			PqThriftFail(r, "%s: binary length %llu exceeds the data at offset %llu",
						 r->what, (unsigned long long) n,
						 (unsigned long long) pq_thrift_offset(r));
		return NULL;
	}
	p = r->p;
	r->p += n;
	*len = (uint32_t) n;
	return p;
}

uint32_t
PqThriftReadList(PqThriftReader *r, int type, int *etype)
{
	uint8_t		b;
	uint64_t	n;

	*etype = 0;
	if (type != TT_LIST && type != TT_SET)
	{
		PqThriftFail(r, "%s: expected a list, found type %d at offset %llu",
					 r->what, type, (unsigned long long) pq_thrift_offset(r));
		return 0;
	}
	if (r->p >= r->end)
	{
		fail_truncated(r);
		return 0;
	}
	b = *r->p++;
	*etype = b & 0x0f;
	n = b >> 4;
	if (n == 15)
		n = read_varint(r);
	if (r->failed)
		return 0;
	if (*etype == TT_STOP || *etype > TT_STRUCT)
	{
		PqThriftFail(r, "%s: invalid list element type %d at offset %llu",
					 r->what, *etype, (unsigned long long) pq_thrift_offset(r));
		return 0;
	}
	/* every element takes at least one byte (doubles eight) */
	if (n > (uint64_t) (r->end - r->p) ||
		(*etype == TT_DOUBLE && n * 8 > (uint64_t) (r->end - r->p)))
	{
		if (n <= INT32_MAX)
			fail_truncated(r);
		else
			PqThriftFail(r, "%s: list of %llu elements exceeds the data at offset %llu",
						 r->what, (unsigned long long) n,
						 (unsigned long long) pq_thrift_offset(r));
		return 0;
	}
	return (uint32_t) n;
}

bool
PqThriftReadListBool(PqThriftReader *r)
{
	if (r->p >= r->end)
	{
		fail_truncated(r);
		return false;
	}
	return *r->p++ == 1;
}

static void
skip_value(PqThriftReader *r, int type)
{
	uint32_t	len;

	if (r->failed)
		return;
	switch (type)
	{
		case TT_TRUE:
		case TT_FALSE:
			break;
		case TT_BYTE:
		case TT_I16:
		case TT_I32:
		case TT_I64:
			(void) PqThriftReadI64(r, type);
			break;
		case TT_DOUBLE:
			(void) PqThriftReadDouble(r, type);
			break;
		case TT_BINARY:
			(void) PqThriftReadBinary(r, type, &len);
			break;
		case TT_LIST:
		case TT_SET:
			{
				int			et;
				uint32_t	n = PqThriftReadList(r, type, &et);

				if (++r->depth > PQ_THRIFT_MAX_DEPTH)
				{
					PqThriftFail(r, "%s: nesting deeper than %d at offset %llu",
								 r->what, PQ_THRIFT_MAX_DEPTH,
								 (unsigned long long) pq_thrift_offset(r));
					return;
				}
				for (uint32_t i = 0; i < n && !r->failed; i++)
				{
					if (et == TT_TRUE || et == TT_FALSE)
						(void) PqThriftReadListBool(r);
					else
						skip_value(r, et);
				}
				r->depth--;
				break;
			}
		case TT_MAP:
			{
				uint64_t	n = read_varint(r);
				int			kt = 0,
							vt = 0;

				if (n == 0 || r->failed)
					break;
				if (r->p >= r->end)
				{
					fail_truncated(r);
					return;
				}
				kt = *r->p >> 4;
				vt = *r->p & 0x0f;
				r->p++;
				if (n > (uint64_t) (r->end - r->p) || kt == 0 || vt == 0 ||
					kt > TT_STRUCT || vt > TT_STRUCT)
				{
					PqThriftFail(r, "%s: invalid map header at offset %llu",
								 r->what, (unsigned long long) pq_thrift_offset(r));
					return;
				}
				if (++r->depth > PQ_THRIFT_MAX_DEPTH)
				{
					PqThriftFail(r, "%s: nesting deeper than %d", r->what,
								 PQ_THRIFT_MAX_DEPTH);
					return;
				}
				for (uint64_t i = 0; i < n && !r->failed; i++)
				{
					if (kt == TT_TRUE || kt == TT_FALSE)
						(void) PqThriftReadListBool(r);
					else
						skip_value(r, kt);
					if (vt == TT_TRUE || vt == TT_FALSE)
						(void) PqThriftReadListBool(r);
					else
						skip_value(r, vt);
				}
				r->depth--;
				break;
			}
		case TT_STRUCT:
			{
				int16_t		last,
							id;
				int			ft;

				PqThriftStructBegin(r, &last);
				while (PqThriftFieldBegin(r, &last, &id, &ft))
					skip_value(r, ft);
				PqThriftStructEnd(r);
				break;
			}
		default:
			PqThriftFail(r, "%s: cannot skip type %d at offset %llu", r->what,
						 type, (unsigned long long) pq_thrift_offset(r));
	}
}

void
PqThriftSkip(PqThriftReader *r, int type)
{
	skip_value(r, type);
}

/* ---------------------------------------------------------------------
 * Writer
 * ---------------------------------------------------------------------
 */
void
PqThriftWriterInit(PqThriftWriter *w, PqBuf *buf)
{
	w->buf = buf;
	w->depth = 0;
	w->last[0] = 0;
	w->nomem = false;
}

static inline void
put_byte(PqThriftWriter *w, uint8_t b)
{
	if (!pq_buf_reserve(w->buf, 1))
	{
		w->nomem = true;
		return;
	}
	w->buf->data[w->buf->len++] = b;
}

void
PqThriftWriteVarint(PqThriftWriter *w, uint64_t v)
{
	uint8_t		tmp[10];
	int			n = 0;

	while (v >= 0x80)
	{
		tmp[n++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t) v;
	if (!pq_buf_append(w->buf, tmp, n))
		w->nomem = true;
}

void
PqThriftWriteZigzag(PqThriftWriter *w, int64_t v)
{
	PqThriftWriteVarint(w, ((uint64_t) v << 1) ^ (uint64_t) (v >> 63));
}

void
PqThriftWriteFieldBegin(PqThriftWriter *w, int16_t id, int type)
{
	int			delta = id - w->last[w->depth];

	if (delta > 0 && delta <= 15)
		put_byte(w, (uint8_t) ((delta << 4) | type));
	else
	{
		put_byte(w, (uint8_t) type);
		PqThriftWriteZigzag(w, id);
	}
	w->last[w->depth] = id;
}

void
PqThriftWriteI32(PqThriftWriter *w, int16_t id, int32_t v)
{
	PqThriftWriteFieldBegin(w, id, TT_I32);
	PqThriftWriteZigzag(w, v);
}

void
PqThriftWriteI64(PqThriftWriter *w, int16_t id, int64_t v)
{
	PqThriftWriteFieldBegin(w, id, TT_I64);
	PqThriftWriteZigzag(w, v);
}

void
PqThriftWriteBool(PqThriftWriter *w, int16_t id, bool v)
{
	PqThriftWriteFieldBegin(w, id, v ? TT_TRUE : TT_FALSE);
}

void
PqThriftWriteRawBinary(PqThriftWriter *w, const void *p, size_t len)
{
	PqThriftWriteVarint(w, len);
	if (!pq_buf_append(w->buf, p, len))
		w->nomem = true;
}

void
PqThriftWriteBinary(PqThriftWriter *w, int16_t id, const void *p, size_t len)
{
	PqThriftWriteFieldBegin(w, id, TT_BINARY);
	PqThriftWriteRawBinary(w, p, len);
}

void
PqThriftWriteStructBegin(PqThriftWriter *w, int16_t id)
{
	if (id > 0)
		PqThriftWriteFieldBegin(w, id, TT_STRUCT);
	if (w->depth + 1 >= PQ_THRIFT_MAX_DEPTH)
	{
		w->nomem = true;		/* can't happen with our schemas */
		return;
	}
	w->last[++w->depth] = 0;
}

void
PqThriftWriteStructEnd(PqThriftWriter *w)
{
	put_byte(w, TT_STOP);
	if (w->depth > 0)
		w->depth--;
}

void
PqThriftWriteListBegin(PqThriftWriter *w, int16_t id, int etype, uint32_t n)
{
	PqThriftWriteFieldBegin(w, id, TT_LIST);
	if (n < 15)
		put_byte(w, (uint8_t) ((n << 4) | etype));
	else
	{
		put_byte(w, (uint8_t) (0xf0 | etype));
		PqThriftWriteVarint(w, n);
	}
}

void
PqThriftWriteListBool(PqThriftWriter *w, bool v)
{
	put_byte(w, v ? 1 : 2);
}
