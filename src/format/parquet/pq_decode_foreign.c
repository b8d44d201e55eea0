/*-------------------------------------------------------------------------
 * pq_decode_foreign.c
 *	  Decoders for the value encodings other engines write and lake_fdw
 *	  does not: DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 *	  DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT.
 *
 * This file owns the byte layout of those four encodings as the Parquet
 * specification (Encodings.md) defines them, and nothing else: the caller
 * hands in the value section of one data page (levels stripped,
 * decompressed) and the number of non-NULL values it holds.
 *
 * DELTA_BINARY_PACKED is decoded in 64-bit wrapping arithmetic for both
 * INT32 and INT64 (the 32-bit result is the low half, which is what the
 * spec's wrapping 32-bit arithmetic gives too), so miniblock bit widths of
 * 0..64 are accepted for either.  Every varint, count, width and length is
 * checked before use; hostile input yields PQ_ERR_CORRUPT (or
 * PQ_ERR_LIMIT / PQ_ERR_NOMEM for DELTA_BYTE_ARRAY's rebuilt values),
 * never an over-read.
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "format/parquet/pq_decode_foreign.h"

/* values are bit-packed and unpacked 32 at a time (4 * width bytes) */
#define DBP_GROUP			32

/* sanity bounds on a DELTA_BINARY_PACKED header */
#define DBP_MAX_BLOCK_SIZE	((uint64_t) 1 << 30)

/* DELTA_BYTE_ARRAY: largest buffer of rebuilt values (PostgreSQL's 1 GB) */
#define DBA_MAX_ARENA		((uint64_t) 0x3fffffff)

/* lengths are decoded through a stack buffer of this many values */
#define LEN_CHUNK			256

typedef struct DbpState
{
	const uint8_t *start;		/* the encoded stream */
	const uint8_t *p;			/* next unread byte */
	const uint8_t *end;
	uint64_t	block_size;		/* values per block */
	uint64_t	mb_count;		/* miniblocks per block */
	uint64_t	mb_values;		/* values per miniblock */
	uint64_t	remaining;		/* values not yet delivered */
	bool		first_pending;	/* the header's first value not delivered */
	uint64_t	last;			/* the previous value */
	/* the current block */
	uint64_t	min_delta;
	const uint8_t *widths;		/* mb_count bytes */
	uint64_t	mb_index;		/* current miniblock, == mb_count: none */
	/* the current miniblock */
	const uint8_t *mb_data;
	unsigned	mb_width;
	uint64_t	mb_pos;			/* values of it unpacked so far */
	/* unpacked deltas of the current group of 32 */
	uint64_t	group[DBP_GROUP];
	unsigned	group_idx;
	unsigned	group_len;
} DbpState;

static PqStatus
decode_fail(PqError *err, PqStatus status, const char *fmt,...)
	__attribute__((format(printf, 3, 4)));

static PqStatus
decode_fail(PqError *err, PqStatus status, const char *fmt,...)
{
	va_list		ap;

	if (err != NULL)
	{
		err->status = status;
		err->offset = UINT64_MAX;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return status;
}

static inline uint64_t
load64_le(const uint8_t *p)
{
	return (uint64_t) p[0] | ((uint64_t) p[1] << 8) |
		((uint64_t) p[2] << 16) | ((uint64_t) p[3] << 24) |
		((uint64_t) p[4] << 32) | ((uint64_t) p[5] << 40) |
		((uint64_t) p[6] << 48) | ((uint64_t) p[7] << 56);
}

/* ULEB128 of at most 64 bits; false when truncated or too long */
static bool
read_uleb(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t	v = 0;
	int			shift = 0;

	for (;;)
	{
		uint8_t		b;

		if (p >= end)
			return false;
		b = *p++;
		if (shift == 63 && (b & 0x7e) != 0)
			return false;		/* more than 64 bits */
		v |= (uint64_t) (b & 0x7f) << shift;
		if ((b & 0x80) == 0)
			break;
		shift += 7;
		if (shift > 63)
			return false;
	}
	*pp = p;
	*out = v;
	return true;
}

static inline uint64_t
zigzag_decode(uint64_t u)
{
	return (u >> 1) ^ (0 - (u & 1));
}

/*
 * Unpack 32 values of width bits (0..64), LSB first, from src, which holds
 * exactly 4 * width bytes.
 */
static void
unpack_group(const uint8_t *src, unsigned width, uint64_t *out)
{
	uint8_t		tmp[4 * 64 + 16];
	uint64_t	mask;
	unsigned	i;

	if (width == 0)
	{
		memset(out, 0, DBP_GROUP * sizeof(uint64_t));
		return;
	}
	memcpy(tmp, src, 4 * width);
	memset(tmp + 4 * width, 0, 16);
	mask = width == 64 ? ~(uint64_t) 0 : (((uint64_t) 1 << width) - 1);
	for (i = 0; i < DBP_GROUP; i++)
	{
		unsigned	bit = i * width;
		unsigned	byte = bit >> 3;
		unsigned	shift = bit & 7;
		uint64_t	v = load64_le(tmp + byte) >> shift;

		if (shift + width > 64)
			v |= (uint64_t) tmp[byte + 8] << (64 - shift);
		out[i] = v & mask;
	}
}

static PqStatus
dbp_open(DbpState *s, const uint8_t *buf, size_t len, uint32_t n, PqError *err)
{
	uint64_t	total;
	uint64_t	first;

	memset(s, 0, sizeof(*s));
	s->start = buf;
	s->p = buf;
	s->end = buf + len;
	if (!read_uleb(&s->p, s->end, &s->block_size) ||
		!read_uleb(&s->p, s->end, &s->mb_count) ||
		!read_uleb(&s->p, s->end, &total) ||
		!read_uleb(&s->p, s->end, &first))
		return decode_fail(err, PQ_ERR_CORRUPT,
						   "DELTA_BINARY_PACKED: truncated or overlong header varint at byte %zu of %zu",
						   (size_t) (s->p - buf), len);
	if (s->block_size == 0 || s->block_size % 128 != 0 ||
		s->block_size > DBP_MAX_BLOCK_SIZE)
		return decode_fail(err, PQ_ERR_CORRUPT,
						   "DELTA_BINARY_PACKED: block size %llu is not a positive multiple of 128",
						   (unsigned long long) s->block_size);
	if (s->mb_count == 0 || s->mb_count > s->block_size ||
		s->block_size % s->mb_count != 0 ||
		(s->block_size / s->mb_count) % DBP_GROUP != 0)
		return decode_fail(err, PQ_ERR_CORRUPT,
						   "DELTA_BINARY_PACKED: %llu miniblocks do not split a block of %llu into multiples of 32",
						   (unsigned long long) s->mb_count,
						   (unsigned long long) s->block_size);
	if (total != n)
		return decode_fail(err, PQ_ERR_CORRUPT,
						   "DELTA_BINARY_PACKED: header holds %llu values, page has %u",
						   (unsigned long long) total, n);
	s->mb_values = s->block_size / s->mb_count;
	s->remaining = total;
	s->first_pending = total > 0;
	s->last = zigzag_decode(first);
	s->mb_index = s->mb_count;	/* no block read yet */
	return PQ_OK;
}

/* Start the next miniblock (and block, when the current one is used up). */
static PqStatus
dbp_next_miniblock(DbpState *s, PqError *err)
{
	uint64_t	bytes;

	if (s->mb_index + 1 >= s->mb_count || s->widths == NULL)
	{
		uint64_t	md;

		if (!read_uleb(&s->p, s->end, &md))
			return decode_fail(err, PQ_ERR_CORRUPT,
							   "DELTA_BINARY_PACKED: truncated min delta at byte %zu",
							   (size_t) (s->p - s->start));
		s->min_delta = zigzag_decode(md);
		if ((uint64_t) (s->end - s->p) < s->mb_count)
			return decode_fail(err, PQ_ERR_CORRUPT,
							   "DELTA_BINARY_PACKED: truncated bit widths at byte %zu (%llu needed, %zu left)",
							   (size_t) (s->p - s->start),
							   (unsigned long long) s->mb_count,
							   (size_t) (s->end - s->p));
		s->widths = s->p;
		s->p += s->mb_count;
		s->mb_index = 0;
	}
	else
		s->mb_index++;

	s->mb_width = s->widths[s->mb_index];
	if (s->mb_width > 64)
		return decode_fail(err, PQ_ERR_CORRUPT,
						   "DELTA_BINARY_PACKED: miniblock bit width %u > 64 at byte %zu",
						   s->mb_width,
						   (size_t) (s->widths + s->mb_index - s->start));
	/* mb_values <= 2^30 and width <= 64: no overflow */
	bytes = s->mb_values / 8 * s->mb_width;
	if ((uint64_t) (s->end - s->p) < bytes)
		return decode_fail(err, PQ_ERR_CORRUPT,
						   "DELTA_BINARY_PACKED: truncated miniblock at byte %zu (%llu bytes needed, %zu left)",
						   (size_t) (s->p - s->start), (unsigned long long) bytes,
						   (size_t) (s->end - s->p));
	s->mb_data = s->p;
	s->p += bytes;				/* a miniblock is always stored whole */
	s->mb_pos = 0;
	return PQ_OK;
}

/* Deliver the next count values (count <= s->remaining) into out. */
static PqStatus
dbp_read(DbpState *s, uint64_t *out, uint32_t count, PqError *err)
{
	uint32_t	i = 0;

	if (count > 0 && s->first_pending)
	{
		out[i++] = s->last;
		s->first_pending = false;
		s->remaining--;
	}
	while (i < count)
	{
		uint32_t	k;
		uint64_t	last = s->last;
		uint64_t	min_delta;
		const uint64_t *g;

		if (s->group_idx == s->group_len)
		{
			PqStatus	st;

			if (s->widths == NULL || s->mb_pos == s->mb_values)
			{
				st = dbp_next_miniblock(s, err);
				if (st != PQ_OK)
					return st;
			}
			unpack_group(s->mb_data + (s->mb_pos / 8) * s->mb_width,
						 s->mb_width, s->group);
			s->mb_pos += DBP_GROUP;
			s->group_idx = 0;
			s->group_len = DBP_GROUP;
		}
		k = s->group_len - s->group_idx;
		if (k > count - i)
			k = count - i;
		min_delta = s->min_delta;
		g = s->group + s->group_idx;
		for (uint32_t j = 0; j < k; j++)
		{
			last += min_delta + g[j];
			out[i + j] = last;
		}
		s->last = last;
		s->group_idx += k;
		s->remaining -= k;
		i += k;
	}
	return PQ_OK;
}

PqStatus
PqDecodeDeltaBinaryPacked64(const uint8_t *buf, size_t len,
							uint32_t n, int64_t *out,
							size_t *consumed, PqError *err)
{
	DbpState	s;
	PqStatus	st;

	*consumed = 0;
	if (n == 0 && len == 0)
		return PQ_OK;
	if (n > 0 && out == NULL)
		return decode_fail(err, PQ_ERR_ARG, "DELTA_BINARY_PACKED: NULL output");
	st = dbp_open(&s, buf, len, n, err);
	if (st == PQ_OK)
		st = dbp_read(&s, (uint64_t *) out, n, err);
	if (st == PQ_OK)
		*consumed = (size_t) (s.p - buf);
	return st;
}

PqStatus
PqDecodeDeltaBinaryPacked32(const uint8_t *buf, size_t len,
							uint32_t n, int32_t *out,
							size_t *consumed, PqError *err)
{
	DbpState	s;
	PqStatus	st;
	uint64_t	chunk[LEN_CHUNK];
	uint32_t	done = 0;

	*consumed = 0;
	if (n == 0 && len == 0)
		return PQ_OK;
	if (n > 0 && out == NULL)
		return decode_fail(err, PQ_ERR_ARG, "DELTA_BINARY_PACKED: NULL output");
	st = dbp_open(&s, buf, len, n, err);
	while (st == PQ_OK && done < n)
	{
		uint32_t	k = n - done > LEN_CHUNK ? LEN_CHUNK : n - done;

		st = dbp_read(&s, chunk, k, err);
		if (st != PQ_OK)
			break;
		/* wrapping 32-bit arithmetic: keep the low half */
		for (uint32_t j = 0; j < k; j++)
			out[done + j] = (int32_t) (uint32_t) chunk[j];
		done += k;
	}
	if (st == PQ_OK)
		*consumed = (size_t) (s.p - buf);
	return st;
}

/*
 * DELTA_LENGTH_BYTE_ARRAY: n lengths (DELTA_BINARY_PACKED) then the n
 * values' bytes back to back.  ptrs point into buf.
 */
PqStatus
PqDecodeDeltaLengthByteArray(const uint8_t *buf, size_t len,
							 uint32_t n, PqBytes *out,
							 size_t *consumed, PqError *err)
{
	DbpState	s;
	PqStatus	st;
	uint64_t	chunk[LEN_CHUNK];
	uint32_t	done = 0;
	uint64_t	total = 0;
	const uint8_t *data;
	size_t		data_len;

	*consumed = 0;
	if (n == 0 && len == 0)
		return PQ_OK;
	if (n > 0 && out == NULL)
		return decode_fail(err, PQ_ERR_ARG, "DELTA_LENGTH_BYTE_ARRAY: NULL output");
	st = dbp_open(&s, buf, len, n, err);
	while (st == PQ_OK && done < n)
	{
		uint32_t	k = n - done > LEN_CHUNK ? LEN_CHUNK : n - done;

		st = dbp_read(&s, chunk, k, err);
		if (st != PQ_OK)
			break;
		for (uint32_t j = 0; j < k; j++)
		{
			int32_t		l = (int32_t) (uint32_t) chunk[j];

			if (l < 0)
				return decode_fail(err, PQ_ERR_CORRUPT,
								   "DELTA_LENGTH_BYTE_ARRAY: value %u has length %d",
								   done + j, l);
			out[done + j].len = (uint32_t) l;
			total += (uint32_t) l;
		}
		done += k;
	}
	if (st != PQ_OK)
		return st;

	data = s.p;
	data_len = (size_t) (s.end - s.p);
	if (total > data_len)
		return decode_fail(err, PQ_ERR_CORRUPT,
						   "DELTA_LENGTH_BYTE_ARRAY: lengths add up to %llu bytes, %zu left in the page",
						   (unsigned long long) total, data_len);
	for (uint32_t i = 0; i < n; i++)
	{
		out[i].ptr = data;
		data += out[i].len;
	}
	*consumed = (size_t) (data - buf);
	return PQ_OK;
}

/*
 * DELTA_BYTE_ARRAY: n prefix lengths (DELTA_BINARY_PACKED) then n suffixes
 * (DELTA_LENGTH_BYTE_ARRAY); value i is the first prefix[i] bytes of value
 * i - 1 followed by suffix i.  A value with an empty suffix is a prefix of
 * its predecessor and shares its bytes in the arena.
 */
PqStatus
PqDecodeDeltaByteArray(const uint8_t *buf, size_t len,
					   uint32_t n, PqBytes *out,
					   const PqAllocator *alloc,
					   uint8_t **arena,
					   size_t *consumed, PqError *err)
{
	DbpState	s;
	PqStatus	st;
	uint64_t	chunk[LEN_CHUNK];
	int32_t    *prefix;
	size_t		pconsumed;
	size_t		sconsumed;
	uint32_t	done = 0;
	uint64_t	prev_len = 0;
	uint64_t	need = 0;
	uint8_t    *mem;
	uint8_t    *dst;
	const uint8_t *prev_ptr;

	*consumed = 0;
	*arena = NULL;
	if (n == 0 && len == 0)
		return PQ_OK;
	if (n > 0 && (out == NULL || alloc == NULL))
		return decode_fail(err, PQ_ERR_ARG, "DELTA_BYTE_ARRAY: NULL output or allocator");

	/* the prefix lengths, kept aside while the suffixes are decoded */
	st = dbp_open(&s, buf, len, n, err);
	if (st != PQ_OK)
		return st;
	if (n == 0)
	{
		/* a header for no values, then an empty DELTA_LENGTH section */
		st = PqDecodeDeltaLengthByteArray(s.p, (size_t) (s.end - s.p), 0, out,
										  &sconsumed, err);
		if (st == PQ_OK)
			*consumed = (size_t) (s.p - buf) + sconsumed;
		return st;
	}
	prefix = alloc->alloc(alloc->ctx, (size_t) n * sizeof(int32_t));
	if (prefix == NULL)
		return decode_fail(err, PQ_ERR_NOMEM,
						   "DELTA_BYTE_ARRAY: cannot allocate %u prefix lengths", n);
	while (done < n)
	{
		uint32_t	k = n - done > LEN_CHUNK ? LEN_CHUNK : n - done;

		st = dbp_read(&s, chunk, k, err);
		if (st != PQ_OK)
			goto fail;
		for (uint32_t j = 0; j < k; j++)
			prefix[done + j] = (int32_t) (uint32_t) chunk[j];
		done += k;
	}
	pconsumed = (size_t) (s.p - buf);

	st = PqDecodeDeltaLengthByteArray(buf + pconsumed, len - pconsumed, n, out,
									  &sconsumed, err);
	if (st != PQ_OK)
	{
		if (err != NULL)
		{
			char		tmp[sizeof(err->message)];

			snprintf(tmp, sizeof(tmp), "DELTA_BYTE_ARRAY suffixes: %.200s", err->message);
			memcpy(err->message, tmp, sizeof(tmp));
		}
		goto fail;
	}

	/* validate the prefixes and size the arena */
	for (uint32_t i = 0; i < n; i++)
	{
		int32_t		p = prefix[i];

		if (p < 0 || (uint64_t) p > prev_len)
		{
			st = decode_fail(err, PQ_ERR_CORRUPT,
							 "DELTA_BYTE_ARRAY: value %u has prefix length %d, previous value is %llu bytes",
							 i, p, (unsigned long long) prev_len);
			goto fail;
		}
		prev_len = (uint64_t) p + out[i].len;
		if (prev_len > UINT32_MAX)
		{
			st = decode_fail(err, PQ_ERR_CORRUPT,
							 "DELTA_BYTE_ARRAY: value %u is %llu bytes long", i,
							 (unsigned long long) prev_len);
			goto fail;
		}
		if (out[i].len > 0)
			need += prev_len;
		if (need > DBA_MAX_ARENA)
		{
			st = decode_fail(err, PQ_ERR_LIMIT,
							 "DELTA_BYTE_ARRAY: values rebuilt from prefixes exceed %llu bytes",
							 (unsigned long long) DBA_MAX_ARENA);
			goto fail;
		}
	}

	mem = alloc->alloc(alloc->ctx, need > 0 ? (size_t) need : 1);
	if (mem == NULL)
	{
		st = decode_fail(err, PQ_ERR_NOMEM,
						 "DELTA_BYTE_ARRAY: cannot allocate %llu bytes of values",
						 (unsigned long long) need);
		goto fail;
	}

	dst = mem;
	prev_ptr = mem;
	for (uint32_t i = 0; i < n; i++)
	{
		uint32_t	p = (uint32_t) prefix[i];
		uint32_t	sl = out[i].len;

		if (sl == 0)
		{
			/* a prefix of the previous value: share its bytes */
			out[i].ptr = prev_ptr;
			out[i].len = p;
			continue;
		}
		if (p > 0)
			memcpy(dst, prev_ptr, p);
		memcpy(dst + p, out[i].ptr, sl);
		out[i].ptr = dst;
		out[i].len = p + sl;
		prev_ptr = dst;
		dst += p + sl;
	}

	alloc->free(alloc->ctx, prefix);
	*arena = mem;
	*consumed = pconsumed + sconsumed;
	return PQ_OK;

fail:
	alloc->free(alloc->ctx, prefix);
	return st;
}

/*
 * BYTE_STREAM_SPLIT: byte k of value i is at buf[k * n + i].  out receives
 * n * width bytes, value after value.
 */
PqStatus
PqDecodeByteStreamSplit(const uint8_t *buf, size_t len,
						uint32_t n, uint32_t width,
						void *out, size_t *consumed, PqError *err)
{
	uint8_t    *o = (uint8_t *) out;
	uint64_t	total;

	*consumed = 0;
	if (width == 0)
		return decode_fail(err, PQ_ERR_CORRUPT, "BYTE_STREAM_SPLIT: value width 0");
	total = (uint64_t) n * width;
	if (total > len)
		return decode_fail(err, PQ_ERR_CORRUPT,
						   "BYTE_STREAM_SPLIT: %u values of %u bytes need %llu bytes, page has %zu",
						   n, width, (unsigned long long) total, len);
	if (n == 0)
		return PQ_OK;
	if (out == NULL)
		return decode_fail(err, PQ_ERR_ARG, "BYTE_STREAM_SPLIT: NULL output");

	if (width == 4)
	{
		const uint8_t *s0 = buf,
				   *s1 = buf + n,
				   *s2 = buf + 2 * (size_t) n,
				   *s3 = buf + 3 * (size_t) n;

		for (uint32_t i = 0; i < n; i++)
		{
			o[4 * (size_t) i] = s0[i];
			o[4 * (size_t) i + 1] = s1[i];
			o[4 * (size_t) i + 2] = s2[i];
			o[4 * (size_t) i + 3] = s3[i];
		}
	}
	else if (width == 8)
	{
		for (uint32_t i = 0; i < n; i++)
		{
			uint8_t    *v = o + 8 * (size_t) i;

			for (unsigned k = 0; k < 8; k++)
				v[k] = buf[k * (size_t) n + i];
		}
	}
	else
	{
		for (uint32_t k = 0; k < width; k++)
		{
			const uint8_t *stream = buf + (size_t) k * n;

			for (uint32_t i = 0; i < n; i++)
				o[(size_t) i * width + k] = stream[i];
		}
	}
	*consumed = (size_t) total;
	return PQ_OK;
}
