/*-------------------------------------------------------------------------
 * pq_xxhash.c
 *	  XXH64, the 64-bit xxHash used by Parquet split-block bloom filters
 *	  (always with seed 0 there).  Written from the algorithm description
 *	  in the xxHash specification (xxhash_spec.md).
 *-------------------------------------------------------------------------
 */
#include "format/parquet/pq_internal.h"

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t
rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t
xx_round(uint64_t acc, uint64_t lane)
{
	acc += lane * P2;
	acc = rotl64(acc, 31);
	return acc * P1;
}

static inline uint64_t
xx_merge(uint64_t acc, uint64_t v)
{
	acc ^= xx_round(0, v);
	return acc * P1 + P4;
}

uint64_t
PqXxHash64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	const uint8_t *end = p + len;
	uint64_t	h;

	if (len >= 32)
	{
		uint64_t	v1 = seed + P1 + P2;
		uint64_t	v2 = seed + P2;
		uint64_t	v3 = seed;
		uint64_t	v4 = seed - P1;

		do
		{
			v1 = xx_round(v1, pq_load_u64(p));
			v2 = xx_round(v2, pq_load_u64(p + 8));
			v3 = xx_round(v3, pq_load_u64(p + 16));
			v4 = xx_round(v4, pq_load_u64(p + 24));
			p += 32;
		} while (end - p >= 32);
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
		h = xx_merge(h, v1);
		h = xx_merge(h, v2);
		h = xx_merge(h, v3);
		h = xx_merge(h, v4);
	}
	else
		h = seed + P5;
	h += (uint64_t) len;
	while (end - p >= 8)
	{
		h ^= xx_round(0, pq_load_u64(p));
		h = rotl64(h, 27) * P1 + P4;
		p += 8;
	}
	if (end - p >= 4)
	{
		h ^= (uint64_t) pq_load_u32(p) * P1;
		h = rotl64(h, 23) * P2 + P3;
		p += 4;
	}
	while (p < end)
	{
		h ^= (uint64_t) (*p) * P5;
		h = rotl64(h, 11) * P1;
		p++;
	}
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}
