/*-------------------------------------------------------------------------
 * test_encoders.c
 *	  Test-only encoders of the foreign Parquet encodings, written from
 *	  the specification (Encodings.md) to round-trip the decoders in
 *	  src/format/parquet/pq_decode_foreign.c.
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_encoders.h"

void
test_buf_init(TestBuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
test_buf_free(TestBuf *b)
{
	free(b->data);
	test_buf_init(b);
}

void
test_buf_put(TestBuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 64;

		while (cap < b->len + n)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (b->data == NULL)
		{
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
test_buf_byte(TestBuf *b, uint8_t v)
{
	test_buf_put(b, &v, 1);
}

void
test_buf_uleb(TestBuf *b, uint64_t v)
{
	do
	{
		uint8_t		byte = v & 0x7f;

		v >>= 7;
		if (v)
			byte |= 0x80;
		test_buf_byte(b, byte);
	} while (v);
}

void
test_buf_zigzag(TestBuf *b, int64_t v)
{
	test_buf_uleb(b, ((uint64_t) v << 1) ^ (uint64_t) (v >> 63));
}

static unsigned
bits_needed(uint64_t v)
{
	unsigned	n = 0;

	while (v)
	{
		n++;
		v >>= 1;
	}
	return n;
}

/* bit-pack count values (a multiple of 8) of width bits, LSB first */
static void
pack_bits(TestBuf *b, const uint64_t *vals, uint32_t count, unsigned width)
{
	uint64_t	nbytes = (uint64_t) count * width / 8;
	uint8_t    *out = calloc(nbytes + 1, 1);
	uint64_t	bit = 0;

	for (uint32_t i = 0; i < count; i++)
	{
		for (unsigned k = 0; k < width; k++, bit++)
			if ((vals[i] >> k) & 1)
				out[bit >> 3] |= (uint8_t) (1u << (bit & 7));
	}
	test_buf_put(b, out, nbytes);
	free(out);
}

void
test_encode_dbp(TestBuf *b, const int64_t *values, uint32_t n,
				const DbpEncodeOptions *opt)
{
	uint32_t	mbv = opt->block_size / opt->miniblocks;
	uint64_t   *deltas = malloc(sizeof(uint64_t) * (opt->block_size + 1));
	uint64_t	prng = 0x1234567;
	uint32_t	pos;

	test_buf_uleb(b, opt->block_size);
	test_buf_uleb(b, opt->miniblocks);
	test_buf_uleb(b, n);
	test_buf_zigzag(b, n > 0 ? values[0] : 0);

	for (pos = 1; pos < n;)
	{
		uint32_t	cnt = n - pos < opt->block_size ? n - pos : opt->block_size;
		int64_t		min_delta = 0;
		uint32_t	used_mb = (cnt + mbv - 1) / mbv;

		/* signed deltas in the chosen arithmetic, and their minimum */
		for (uint32_t i = 0; i < cnt; i++)
		{
			int64_t		d;

			if (opt->arith32)
				d = (int32_t) ((uint32_t) values[pos + i] - (uint32_t) values[pos + i - 1]);
			else
				d = (int64_t) ((uint64_t) values[pos + i] - (uint64_t) values[pos + i - 1]);
			deltas[i] = (uint64_t) d;
			if (i == 0 || d < min_delta)
				min_delta = d;
		}
		for (uint32_t i = 0; i < cnt; i++)
		{
			if (opt->arith32)
				deltas[i] = (uint32_t) ((uint32_t) deltas[i] - (uint32_t) min_delta);
			else
				deltas[i] = deltas[i] - (uint64_t) min_delta;
		}
		test_buf_zigzag(b, min_delta);

		/* widths, then the miniblocks actually used */
		{
			uint8_t    *widths = malloc(opt->miniblocks);

			for (uint32_t m = 0; m < opt->miniblocks; m++)
			{
				uint64_t	maxv = 0;

				if (m >= used_mb)
				{
					widths[m] = opt->garbage_padding ? 0xEE : 0;
					continue;
				}
				for (uint32_t i = m * mbv; i < (m + 1) * mbv && i < cnt; i++)
					if (deltas[i] > maxv)
						maxv = deltas[i];
				widths[m] = (uint8_t) bits_needed(maxv);
			}
			test_buf_put(b, widths, opt->miniblocks);
			for (uint32_t m = 0; m < used_mb; m++)
			{
				uint64_t   *mb = malloc(sizeof(uint64_t) * mbv);

				for (uint32_t i = 0; i < mbv; i++)
				{
					uint32_t	idx = m * mbv + i;

					if (idx < cnt)
						mb[i] = deltas[idx];
					else if (opt->garbage_padding)
					{
						prng = prng * 6364136223846793005ULL + 1442695040888963407ULL;
						mb[i] = widths[m] == 64 ? prng :
							(prng >> 7) & ((((uint64_t) 1) << widths[m]) - 1);
					}
					else
						mb[i] = 0;
				}
				pack_bits(b, mb, mbv, widths[m]);
				free(mb);
			}
			free(widths);
		}
		pos += cnt;
	}
	free(deltas);
}

void
test_encode_dlba(TestBuf *b, const uint8_t *const *vals,
				 const uint32_t *lens, uint32_t n,
				 const DbpEncodeOptions *opt)
{
	int64_t    *l = calloc(n + 1, sizeof(int64_t));

	for (uint32_t i = 0; i < n; i++)
		l[i] = lens[i];
	test_encode_dbp(b, l, n, opt);
	for (uint32_t i = 0; i < n; i++)
		test_buf_put(b, vals[i], lens[i]);
	free(l);
}

void
test_encode_dba(TestBuf *b, const uint8_t *const *vals,
				const uint32_t *lens, uint32_t n,
				const DbpEncodeOptions *opt)
{
	int64_t    *pre = malloc(sizeof(int64_t) * (n + 1));
	const uint8_t **suf = malloc(sizeof(uint8_t *) * (n + 1));
	uint32_t   *suflen = malloc(sizeof(uint32_t) * (n + 1));

	for (uint32_t i = 0; i < n; i++)
	{
		uint32_t	p = 0;

		if (i > 0)
			while (p < lens[i] && p < lens[i - 1] && vals[i][p] == vals[i - 1][p])
				p++;
		pre[i] = p;
		suf[i] = vals[i] + p;
		suflen[i] = lens[i] - p;
	}
	test_encode_dbp(b, pre, n, opt);
	test_encode_dlba(b, suf, suflen, n, opt);
	free(pre);
	free(suf);
	free(suflen);
}

void
test_encode_bss(TestBuf *b, const uint8_t *vals, uint32_t n, uint32_t width)
{
	for (uint32_t k = 0; k < width; k++)
		for (uint32_t i = 0; i < n; i++)
			test_buf_byte(b, vals[(size_t) i * width + k]);
}
