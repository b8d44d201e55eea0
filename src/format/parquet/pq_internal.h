/*-------------------------------------------------------------------------
 * pq_internal.h
 *	  Internal helpers shared by the files of the Parquet layer: error
 *	  reporting, allocation through the caller's PqAllocator, a growable
 *	  byte buffer, PLAIN encoding, statistics accumulation, the dictionary
 *	  table, bloom filters and the logical/physical type mapping.
 *
 * Nothing here is part of the layer's public API (parquet.h).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_PQ_INTERNAL_H
#define LAKE_PQ_INTERNAL_H

#include <string.h>

#include "format/parquet/parquet.h"

/* Parquet physical types */
#define PQT_BOOLEAN		0
#define PQT_INT32		1
#define PQT_INT64		2
#define PQT_INT96		3
#define PQT_FLOAT		4
#define PQT_DOUBLE		5
#define PQT_BYTE_ARRAY	6
#define PQT_FLBA		7

/* Encodings */
#define PQE_PLAIN				0
#define PQE_PLAIN_DICTIONARY	2
#define PQE_RLE					3
#define PQE_BIT_PACKED			4
#define PQE_DELTA_BINARY_PACKED 5
#define PQE_DELTA_LENGTH_BYTE_ARRAY 6
#define PQE_DELTA_BYTE_ARRAY	7
#define PQE_RLE_DICTIONARY		8
#define PQE_BYTE_STREAM_SPLIT	9
#define PQE_MAX					9

/* Page types */
#define PQP_DATA_PAGE		0
#define PQP_INDEX_PAGE		1
#define PQP_DICTIONARY_PAGE 2
#define PQP_DATA_PAGE_V2	3

/* Converted types */
#define PQC_UTF8			0
#define PQC_MAP				1
#define PQC_MAP_KEY_VALUE	2
#define PQC_LIST			3
#define PQC_ENUM			4
#define PQC_DECIMAL			5
#define PQC_DATE			6
#define PQC_TIME_MILLIS		7
#define PQC_TIME_MICROS		8
#define PQC_TIMESTAMP_MILLIS 9
#define PQC_TIMESTAMP_MICROS 10
#define PQC_UINT_8			11
#define PQC_UINT_16			12
#define PQC_UINT_32			13
#define PQC_UINT_64			14
#define PQC_INT_8			15
#define PQC_INT_16			16
#define PQC_INT_32			17
#define PQC_INT_64			18
#define PQC_JSON			19
#define PQC_BSON			20
#define PQC_INTERVAL		21

/* LogicalType union field ids */
#define PQL_NONE		0
#define PQL_STRING		1
#define PQL_MAP			2
#define PQL_LIST		3
#define PQL_ENUM		4
#define PQL_DECIMAL		5
#define PQL_DATE		6
#define PQL_TIME		7
#define PQL_TIMESTAMP	8
#define PQL_INTEGER		10
#define PQL_UNKNOWN		11
#define PQL_JSON		12
#define PQL_BSON		13
#define PQL_UUID		14
#define PQL_FLOAT16		15

/* time units */
#define PQU_MILLIS	1
#define PQU_MICROS	2
#define PQU_NANOS	3

#define PQ_NO_OFFSET UINT64_MAX

/* ---------------------------------------------------------------------
 * Errors and allocation (pq_alloc.c)
 * ---------------------------------------------------------------------
 */
extern PqStatus PqErrorSet(PqError *err, PqStatus status, uint64_t offset,
						   const char *fmt,...)
			__attribute__((format(printf, 4, 5)));
extern void PqErrorPrefix(PqError *err, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

static inline void *
pq_alloc(const PqAllocator *a, size_t size)
{
	return a->alloc(a->ctx, size ? size : 1);
}

static inline void
pq_free(const PqAllocator *a, void *p)
{
	if (p)
		a->free(a->ctx, p);
}

extern void *PqAllocZero(const PqAllocator *a, size_t size);
extern char *PqStrdup(const PqAllocator *a, const char *s, size_t len);

/* growable byte buffer */
typedef struct PqBuf
{
	uint8_t    *data;
	size_t		len;
	size_t		cap;
	const PqAllocator *alloc;
} PqBuf;

extern void PqBufInit(PqBuf *b, const PqAllocator *alloc);
extern bool PqBufGrow(PqBuf *b, size_t need);	/* ensure cap >= need */
extern void PqBufFree(PqBuf *b);

static inline bool
pq_buf_reserve(PqBuf *b, size_t extra)
{
	if (b->len + extra <= b->cap)
		return true;
	return PqBufGrow(b, b->len + extra);
}

static inline bool
pq_buf_append(PqBuf *b, const void *p, size_t n)
{
	if (!pq_buf_reserve(b, n))
		return false;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return true;
}

/* ---------------------------------------------------------------------
 * Types (pq_types.c)
 * ---------------------------------------------------------------------
 */

/* size of one value slot in a PqColumnVector of this type */
extern size_t PqTypeSlotSize(PqType type, int precision);

/* writer mapping: logical type -> physical type (+ FLBA length) */
extern int	PqTypePhysical(PqType type, int precision, int *type_length);

/* ---------------------------------------------------------------------
 * Value comparison and statistics (pq_stats.c)
 * ---------------------------------------------------------------------
 */

/*
 * Encodes the statistics bytes of v for a column of physical type ptype
 * (type_length for FLBA) into out (at least 16 bytes unless a byte array,
 * whose bytes are referenced, not copied).  Returns the length, or -1 if
 * the value cannot be represented.
 */
extern int	PqValueEncodePlain(const PqValue *v, int ptype, int type_length,
							   uint8_t *out, const uint8_t **ptr);

/* ---------------------------------------------------------------------
 * xxhash64 and bloom filters (pq_xxhash.c, pq_bloom.c)
 * ---------------------------------------------------------------------
 */
extern uint64_t PqXxHash64(const void *data, size_t len, uint64_t seed);

extern uint32_t PqBloomSizeBytes(uint64_t ndv, double fpp);
extern void PqBloomInsert(uint8_t *bitset, uint32_t nbytes, uint64_t hash);
extern bool PqBloomCheck(const uint8_t *bitset, uint32_t nbytes, uint64_t hash);

/* set of 64-bit hashes (distinct values of a chunk) */
typedef struct PqHashSet
{
	uint64_t   *slots;			/* 0 = empty; the hash 0 is kept apart */
	uint32_t	cap;			/* power of two */
	uint32_t	count;
	bool		has_zero;
	const PqAllocator *alloc;
} PqHashSet;

extern bool PqHashSetAdd(PqHashSet *s, uint64_t h);
extern void PqHashSetReset(PqHashSet *s);
extern void PqHashSetFree(PqHashSet *s);

/* ---------------------------------------------------------------------
 * Dictionary (pq_dictionary.c): distinct PLAIN values -> index
 * ---------------------------------------------------------------------
 */
typedef struct PqDict
{
	int			width;			/* fixed value width, 0 = byte array */
	uint32_t   *slots;			/* entry index + 1; 0 = empty */
	uint32_t	cap;
	uint32_t	count;
	PqBuf		values;			/* PLAIN encoding of the entries (the
								 * dictionary page body) */
	uint32_t   *offsets;		/* byte arrays: start of entry i in values
								 * (at its length prefix) */
	uint32_t	offsets_cap;
	uint64_t   *hashes;			/* per entry */
	const PqAllocator *alloc;
} PqDict;

extern bool PqDictInit(PqDict *d, int width, const PqAllocator *alloc);
/* returns the index of the value, adding it; UINT32_MAX on NOMEM */
extern uint32_t PqDictInsert(PqDict *d, const void *val, uint32_t len,
							 uint64_t hash);
extern void PqDictReset(PqDict *d);
extern void PqDictFree(PqDict *d);

static inline uint64_t
pq_hash_fixed(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* little-endian loads/stores (x86 and every platform PostgreSQL runs
 * Parquet on; memcpy keeps them alignment-safe) */
static inline uint32_t
pq_load_u32(const uint8_t *p)
{
	uint32_t	v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t
pq_load_u64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, 8);
	return v;
}

static inline void
pq_store_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

#endif							/* LAKE_PQ_INTERNAL_H */
