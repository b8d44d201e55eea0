/*-------------------------------------------------------------------------
 * pq_rle.c
 *	  RLE / bit-packed hybrid encoder and decoder, and bit (un)packing with
 *	  unrolled fast paths for every width 1..32.
 *
 * Format (Parquet encodings spec): a sequence of runs, each starting with
 * a ULEB128 header h.  h & 1 = 0: an RLE run of h >> 1 copies of one value
 * stored in ceil(width / 8) little-endian bytes.  h & 1 = 1: a bit-packed
 * run of (h >> 1) groups of 8 values, LSB first.
 *-------------------------------------------------------------------------
 */
#include "format/parquet/pq_rle.h"

/* ---------------------------------------------------------------------
 * Bit packing
 * ---------------------------------------------------------------------
 */
void
PqBitPack(uint8_t *out, const uint32_t *vals, uint32_t n, int width)
{
	uint64_t	acc = 0;
	int			bits = 0;
	size_t		o = 0;

	if (width == 0)
		return;
	for (uint32_t i = 0; i < n; i++)
	{
		acc |= (uint64_t) vals[i] << bits;
		bits += width;
		while (bits >= 8)
		{
			out[o++] = (uint8_t) acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	if (bits > 0)
		out[o++] = (uint8_t) acc;
}

/* 8 values of constant width from in; needs w + 8 readable bytes at in */
static inline __attribute__((always_inline)) void
unpack8_fast(const uint8_t *in, uint32_t *out, const int w)
{
	const uint64_t mask = (w == 32) ? 0xffffffffULL : ((1ULL << w) - 1);

	for (int i = 0; i < 8; i++)
	{
		const int	bit = i * w;

		out[i] = (uint32_t) ((pq_load_u64(in + (bit >> 3)) >> (bit & 7)) & mask);
	}
}

#define UNPACK_CASE(W) \
	case W: \
		for (; g < safe_groups; g++) \
			unpack8_fast(in + (size_t) g * W, out + (size_t) g * 8, W); \
		break;

/*
 * Unpack whole groups of 8; returns the number of groups done with the
 * fast path (the caller finishes the rest byte by byte).
 */
static uint32_t
unpack_groups_fast(const uint8_t *in, size_t inlen, uint32_t *out,
				   uint32_t ngroups, int width)
{
	uint32_t	g = 0;
	uint32_t	safe_groups;

	/* groups whose 8-byte loads stay inside in[0..inlen) */
	if (inlen < (size_t) width + 8)
		return 0;
	safe_groups = (uint32_t) ((inlen - 8) / width);
	if (safe_groups > ngroups)
		safe_groups = ngroups;
	switch (width)
	{
			UNPACK_CASE(1) UNPACK_CASE(2) UNPACK_CASE(3) UNPACK_CASE(4)
			UNPACK_CASE(5) UNPACK_CASE(6) UNPACK_CASE(7) UNPACK_CASE(8)
			UNPACK_CASE(9) UNPACK_CASE(10) UNPACK_CASE(11) UNPACK_CASE(12)
			UNPACK_CASE(13) UNPACK_CASE(14) UNPACK_CASE(15) UNPACK_CASE(16)
			UNPACK_CASE(17) UNPACK_CASE(18) UNPACK_CASE(19) UNPACK_CASE(20)
			UNPACK_CASE(21) UNPACK_CASE(22) UNPACK_CASE(23) UNPACK_CASE(24)
			UNPACK_CASE(25) UNPACK_CASE(26) UNPACK_CASE(27) UNPACK_CASE(28)
			UNPACK_CASE(29) UNPACK_CASE(30) UNPACK_CASE(31) UNPACK_CASE(32)
		default:
			return 0;
	}
	return g;
}

/* slow, exact: value i of width w from in[0..inlen) (missing bits = 0) */
static inline uint32_t
unpack_one(const uint8_t *in, size_t inlen, uint64_t i, int width)
{
	uint64_t	bit = i * (uint64_t) width;
	uint64_t	v = 0;
	size_t		byte = (size_t) (bit >> 3);

	for (int k = 0; k < 5 && byte + k < inlen; k++)
		v |= (uint64_t) in[byte + k] << (8 * k);
	v >>= (bit & 7);
	return (uint32_t) (v & ((width == 32) ? 0xffffffffULL : ((1ULL << width) - 1)));
}

void
PqBitUnpack32(const uint8_t *in, size_t inlen, uint32_t *out, uint32_t n,
			  int width)
{
	uint32_t	done;

	if (width == 0)
	{
		memset(out, 0, sizeof(uint32_t) * n);
		return;
	}
	done = unpack_groups_fast(in, inlen, out, n / 8, width) * 8;
	for (uint32_t i = done; i < n; i++)
		out[i] = unpack_one(in, inlen, i, width);
}

/* ---------------------------------------------------------------------
 * Encoder
 * ---------------------------------------------------------------------
 */
static bool
put_varint(PqBuf *buf, uint64_t v)
{
	uint8_t		tmp[10];
	int			n = 0;

	while (v >= 0x80)
	{
		tmp[n++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t) v;
	return pq_buf_append(buf, tmp, n);
}

static inline uint32_t
run_length(const uint32_t *vals, uint32_t i, uint32_t n)
{
	uint32_t	j = i + 1;

	while (j < n && vals[j] == vals[i])
		j++;
	return j - i;
}

bool
PqRleEncode(PqBuf *buf, const uint32_t *vals, uint32_t n, int width)
{
	uint32_t	i = 0;
	int			vbytes = (width + 7) / 8;

	while (i < n)
	{
		uint32_t	run = run_length(vals, i, n);

		if (run >= 8)
		{
			uint8_t		v[4];

			if (!put_varint(buf, (uint64_t) run << 1))
				return false;
			pq_store_u32(v, vals[i]);
			if (!pq_buf_append(buf, v, vbytes))
				return false;
			i += run;
		}
		else
		{
			/* literal groups of 8 until a long run starts at a group edge */
			uint32_t	start = i;
			uint32_t	groups = 0;
			size_t		nbytes;
			uint32_t	packed_n;

			while (i < n)
			{
				if (groups > 0 && run_length(vals, i, n) >= 8)
					break;
				i += 8;
				groups++;
			}
			if (i > n)
				i = n;
			packed_n = groups * 8;
			nbytes = (size_t) groups * width;
			if (!put_varint(buf, ((uint64_t) groups << 1) | 1) ||
				!pq_buf_reserve(buf, nbytes))
				return false;
			memset(buf->data + buf->len, 0, nbytes);
			/* pack the real values; the padding of the last group is 0 */
			PqBitPack(buf->data + buf->len, vals + start,
					  (start + packed_n <= n) ? packed_n : n - start, width);
			buf->len += nbytes;
		}
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Decoder
 * ---------------------------------------------------------------------
 */
void
PqRleDecoderInit(PqRleDecoder *d, const uint8_t *buf, size_t len, int width)
{
	d->p = buf;
	d->end = buf + len;
	d->width = width;
	d->rle_left = 0;
	d->rle_value = 0;
	d->bp_left = 0;
	d->bp_ptr = NULL;
	d->bp_buf_pos = 8;
}

static bool
next_run(PqRleDecoder *d)
{
	uint64_t	h = 0;
	int			shift = 0;

	for (;;)
	{
		uint8_t		b;

		if (d->p >= d->end || shift > 35)
			return false;
		b = *d->p++;
		h |= (uint64_t) (b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
	}
	if (h & 1)
	{
		uint64_t	groups = h >> 1;
		size_t		avail = (size_t) (d->end - d->p);
		uint64_t	nbytes = groups * (uint64_t) d->width;

		if (groups == 0)
			return next_run(d);
		/* a final run may be cut short by the writer: keep what is there */
		if (nbytes > avail)
		{
			if (d->width == 0)
				return false;
			groups = avail / d->width;
			if (groups == 0)
				return false;
			nbytes = groups * (uint64_t) d->width;
		}
		if (groups * 8 > UINT32_MAX)
			groups = UINT32_MAX / 8;
		d->bp_left = (uint32_t) (groups * 8);
		d->bp_ptr = d->p;
		d->bp_buf_pos = 8;
		d->p += nbytes;
	}
	else
	{
		int			vbytes = (d->width + 7) / 8;
		uint32_t	v = 0;

		if (h >> 1 == 0 || (h >> 1) > UINT32_MAX)
			return false;
		if ((size_t) (d->end - d->p) < (size_t) vbytes)
			return false;
		for (int k = 0; k < vbytes; k++)
			v |= (uint32_t) d->p[k] << (8 * k);
		d->p += vbytes;
		d->rle_left = (uint32_t) (h >> 1);
		d->rle_value = v;
	}
	return true;
}

bool
PqRleSkip(PqRleDecoder *d, uint32_t n)
{
	while (n > 0)
	{
		uint32_t	k;

		if (d->rle_left > 0)
		{
			k = d->rle_left < n ? d->rle_left : n;
			d->rle_left -= k;
			n -= k;
		}
		else if (d->bp_left > 0)
		{
			if (d->bp_buf_pos < 8)
			{
				/* the rest of the decoded group */
				k = 8 - d->bp_buf_pos;
				k = k < d->bp_left ? k : d->bp_left;
				k = k < n ? k : n;
				d->bp_buf_pos += k;
				d->bp_left -= k;
				n -= k;
			}
			else if (n >= 8 && d->bp_left >= 8)
			{
				/* whole groups: width bytes each, not unpacked */
				k = n / 8 < d->bp_left / 8 ? n / 8 : d->bp_left / 8;
				d->bp_ptr += (size_t) k * d->width;
				d->bp_left -= k * 8;
				n -= k * 8;
			}
			else
			{
				/* part of a group: unpack it, the next pass skips inside */
				PqBitUnpack32(d->bp_ptr, (size_t) (d->end - d->bp_ptr), d->bp_buf, 8,
							  d->width);
				d->bp_ptr += d->width;
				d->bp_buf_pos = 0;
			}
		}
		else if (!next_run(d))
			return false;
	}
	return true;
}

/* byte b -> eight bytes holding its bits, LSB first (width-1 unpacking) */
static uint64_t bit_spread[256];
static bool bit_spread_ready = false;

static void
init_bit_spread(void)
{
	for (int b = 0; b < 256; b++)
	{
		uint64_t	v = 0;

		for (int k = 0; k < 8; k++)
			v |= (uint64_t) ((b >> k) & 1) << (8 * k);
		bit_spread[b] = v;
	}
	bit_spread_ready = true;
}

#define RLE_DECODE_BODY(T) \
	uint32_t	i = 0; \
	while (i < n) \
	{ \
		if (d->rle_left > 0) \
		{ \
			uint32_t	k = d->rle_left < n - i ? d->rle_left : n - i; \
			T			v = (T) d->rle_value; \
			for (uint32_t j = 0; j < k; j++) \
				out[i + j] = v; \
			i += k; \
			d->rle_left -= k; \
		} \
		else if (d->bp_left > 0) \
		{ \
			/* drain a partly used group */ \
			while (d->bp_buf_pos < 8 && d->bp_left > 0 && i < n) \
			{ \
				out[i++] = (T) d->bp_buf[d->bp_buf_pos++]; \
				d->bp_left--; \
			} \
			if (i == n || d->bp_left == 0) \
				continue; \
			/* whole groups straight into out (via a 32-bit stage) */ \
			while (n - i >= 8 && d->bp_left >= 8) \
			{ \
				uint32_t	tmp[64]; \
				uint32_t	g = (n - i) / 8; \
				size_t		gl = (size_t) (d->end - d->bp_ptr); \
				if (g > d->bp_left / 8) \
					g = d->bp_left / 8; \
				if (g > 8) \
					g = 8; \
				PqBitUnpack32(d->bp_ptr, gl, tmp, g * 8, d->width); \
				for (uint32_t j = 0; j < g * 8; j++) \
					out[i + j] = (T) tmp[j]; \
				i += g * 8; \
				d->bp_left -= g * 8; \
				d->bp_ptr += (size_t) g * d->width; \
			} \
			if (i < n && d->bp_left > 0) \
			{ \
				PqBitUnpack32(d->bp_ptr, (size_t) (d->end - d->bp_ptr), \
							  d->bp_buf, 8, d->width); \
				d->bp_ptr += d->width; \
				d->bp_buf_pos = 0; \
			} \
		} \
		else if (!next_run(d)) \
			return false; \
	} \
	return true;

bool
PqRleDecode32(PqRleDecoder *d, uint32_t *out, uint32_t n)
{
	/* fast path: a bit-packed run straight into out */
	uint32_t	i = 0;

	while (i < n)
	{
		if (d->bp_left >= 8 && d->bp_buf_pos >= 8 && n - i >= 8)
		{
			uint32_t	g = (n - i) / 8;

			if (g > d->bp_left / 8)
				g = d->bp_left / 8;
			PqBitUnpack32(d->bp_ptr, (size_t) (d->end - d->bp_ptr), out + i,
						  g * 8, d->width);
			i += g * 8;
			d->bp_left -= g * 8;
			d->bp_ptr += (size_t) g * d->width;
			continue;
		}
		if (d->rle_left == 0 && d->bp_left == 0)
		{
			if (!next_run(d))
				return false;
			continue;
		}
		/* the general path for the rest of this run */
		{
			uint32_t	k;

			if (d->rle_left > 0)
			{
				k = d->rle_left < n - i ? d->rle_left : n - i;
				for (uint32_t j = 0; j < k; j++)
					out[i + j] = d->rle_value;
				i += k;
				d->rle_left -= k;
			}
			else
			{
				if (d->bp_buf_pos >= 8)
				{
					PqBitUnpack32(d->bp_ptr, (size_t) (d->end - d->bp_ptr),
								  d->bp_buf, 8, d->width);
					d->bp_ptr += d->width;
					d->bp_buf_pos = 0;
				}
				while (d->bp_buf_pos < 8 && d->bp_left > 0 && i < n)
				{
					out[i++] = d->bp_buf[d->bp_buf_pos++];
					d->bp_left--;
				}
			}
		}
	}
	return true;
}

bool
PqRleDecode8(PqRleDecoder *d, uint8_t *out, uint32_t n)
{
	if (d->width == 1)
	{
		/* levels and booleans: whole bit-packed groups byte by byte */
		uint32_t	i = 0;

		if (!bit_spread_ready)
			init_bit_spread();
		while (i < n)
		{
			if (d->bp_left >= 8 && d->bp_buf_pos >= 8 && n - i >= 8)
			{
				uint32_t	g = (n - i) / 8;

				if (g > d->bp_left / 8)
					g = d->bp_left / 8;
				for (uint32_t k = 0; k < g; k++)
					memcpy(out + i + 8 * (size_t) k, &bit_spread[d->bp_ptr[k]], 8);
				i += g * 8;
				d->bp_left -= g * 8;
				d->bp_ptr += g;
				continue;
			}
			if (d->rle_left > 0)
			{
				uint32_t	k = d->rle_left < n - i ? d->rle_left : n - i;

				memset(out + i, (uint8_t) d->rle_value, k);
				i += k;
				d->rle_left -= k;
				continue;
			}
			if (d->bp_left > 0)
			{
				if (d->bp_buf_pos >= 8)
				{
					uint8_t		b = *d->bp_ptr++;

					for (int k = 0; k < 8; k++)
						d->bp_buf[k] = (b >> k) & 1;
					d->bp_buf_pos = 0;
				}
				while (d->bp_buf_pos < 8 && d->bp_left > 0 && i < n)
				{
					out[i++] = (uint8_t) d->bp_buf[d->bp_buf_pos++];
					d->bp_left--;
				}
				continue;
			}
			if (!next_run(d))
				return false;
		}
		return true;
	}
	{
RLE_DECODE_BODY(uint8_t)
	}
}
