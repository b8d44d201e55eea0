/*-------------------------------------------------------------------------
 * pq_bloom.c
 *	  Parquet split-block bloom filters (sizing, insert, check), the set
 *	  of distinct value hashes a writer keeps per chunk to size them, and
 *	  ParquetBloomHash.
 *
 * Algorithm (Parquet BloomFilter.md): the bitset is an array of 256-bit
 * blocks of eight 32-bit words.  The upper 32 bits of the 64-bit hash pick
 * the block ((h >> 32) * nblocks >> 32); the lower 32 bits, multiplied by
 * eight salt constants, set one bit (top 5 bits of the product) in each
 * word.
 *-------------------------------------------------------------------------
 */
#include <math.h>

#include "format/parquet/pq_internal.h"

#define BLOOM_MIN_BYTES 32
#define BLOOM_MAX_BYTES (128 * 1024 * 1024)

static const uint32_t bloom_salt[8] = {
	0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
	0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U
};

uint32_t
PqBloomSizeBytes(uint64_t ndv, double fpp)
{
	double		bits;
	uint64_t	bytes;
	uint32_t	pow2 = BLOOM_MIN_BYTES;

	if (!(fpp > 0.0 && fpp < 1.0))
		fpp = 0.01;
	if (ndv == 0)
		ndv = 1;
	/* m = -8 n / ln(1 - p^(1/8)) bits for k = 8 hash bits per block */
	bits = -8.0 * (double) ndv / log(1.0 - pow(fpp, 1.0 / 8.0));
	if (!(bits < (double) BLOOM_MAX_BYTES * 8.0))
		return BLOOM_MAX_BYTES;
	bytes = (uint64_t) (bits / 8.0) + 1;
	while (pow2 < bytes && pow2 < BLOOM_MAX_BYTES)
		pow2 *= 2;
	return pow2;
}

static inline uint32_t
bloom_block(uint64_t hash, uint32_t nbytes)
{
	uint64_t	nblocks = nbytes / 32;

	return (uint32_t) (((hash >> 32) * nblocks) >> 32);
}

void
PqBloomInsert(uint8_t *bitset, uint32_t nbytes, uint64_t hash)
{
	uint8_t    *block = bitset + (size_t) bloom_block(hash, nbytes) * 32;
	uint32_t	key = (uint32_t) hash;

	for (int i = 0; i < 8; i++)
	{
		uint32_t	w = pq_load_u32(block + 4 * i);

		w |= 1U << ((key * bloom_salt[i]) >> 27);
		pq_store_u32(block + 4 * i, w);
	}
}

bool
PqBloomCheck(const uint8_t *bitset, uint32_t nbytes, uint64_t hash)
{
	const uint8_t *block = bitset + (size_t) bloom_block(hash, nbytes) * 32;
	uint32_t	key = (uint32_t) hash;

	for (int i = 0; i < 8; i++)
	{
		uint32_t	w = pq_load_u32(block + 4 * i);

		if (!(w & (1U << ((key * bloom_salt[i]) >> 27))))
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Hash set of 64-bit hashes
 * ---------------------------------------------------------------------
 */
static bool
hashset_grow(PqHashSet *s)
{
	uint32_t	ncap = s->cap ? s->cap * 2 : 1024;
	uint64_t   *ns;

	if (ncap == 0)
		return false;
	ns = PqAllocZero(s->alloc, sizeof(uint64_t) * (size_t) ncap);
	if (!ns)
		return false;
	for (uint32_t i = 0; i < s->cap; i++)
	{
		uint64_t	h = s->slots[i];

		if (h)
		{
			uint32_t	j = (uint32_t) h & (ncap - 1);

			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = h;
		}
	}
	pq_free(s->alloc, s->slots);
	s->slots = ns;
	s->cap = ncap;
	return true;
}

bool
PqHashSetAdd(PqHashSet *s, uint64_t h)
{
	uint32_t	j;

	if (h == 0)
	{
		if (!s->has_zero)
		{
			s->has_zero = true;
			s->count++;
		}
		return true;
	}
	if ((uint64_t) (s->count + 1) * 4 > (uint64_t) s->cap * 3 && !hashset_grow(s))
		return false;
	j = (uint32_t) h & (s->cap - 1);
	while (s->slots[j])
	{
		if (s->slots[j] == h)
			return true;
		j = (j + 1) & (s->cap - 1);
	}
	s->slots[j] = h;
	s->count++;
	return true;
}

void
PqHashSetReset(PqHashSet *s)
{
	if (s->slots)
		memset(s->slots, 0, sizeof(uint64_t) * (size_t) s->cap);
	s->count = 0;
	s->has_zero = false;
}

void
PqHashSetFree(PqHashSet *s)
{
	pq_free(s->alloc, s->slots);
	s->slots = NULL;
	s->cap = s->count = 0;
	s->has_zero = false;
}

/* ---------------------------------------------------------------------
 * ParquetBloomHash: the hash of a value as lake_fdw's writer stores it
 * ---------------------------------------------------------------------
 */
uint64_t
ParquetBloomHash(const PqValue *value)
{
	uint8_t		tmp[16];
	const uint8_t *ptr = NULL;
	int			tl = 0;
	int			pt = PqTypePhysical(value->type, value->precision, &tl);
	int			len = PqValueEncodePlain(value, pt, tl, tmp, &ptr);

	if (len < 0)
		return 0;
	return PqXxHash64(ptr ? ptr : tmp, (size_t) len, 0);
}
