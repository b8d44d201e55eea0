/*-------------------------------------------------------------------------
 * pq_plain.h
 *	  PLAIN decoding with conversion to delivered value slots, statistics
 *	  byte comparison/decoding and the writer's statistics accumulator
 *	  (internal API of the Parquet layer).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_PQ_PLAIN_H
#define LAKE_PQ_PLAIN_H

#include "format/parquet/pq_metadata.h"

/* how a column's statistics bytes compare (its sort order) */
typedef enum PqOrder
{
	PQO_NONE,					/* undefined order: no statistics */
	PQO_BOOL,
	PQO_I32,
	PQO_U32,
	PQO_I64,
	PQO_U64,
	PQO_FLOAT,
	PQO_DOUBLE,
	PQO_BYTES,					/* unsigned lexicographic */
	PQO_SIGNED_BE				/* big-endian two's complement, any length */
} PqOrder;

extern PqOrder PqOrderOf(int ptype, PqConv conv, PqType type);
extern int	PqOrderCompare(PqOrder order, const uint8_t *a, uint32_t alen,
						   const uint8_t *b, uint32_t blen);

/* statistics bytes -> PqValue of the delivered type; false if unusable */
extern bool PqStatsDecodeValue(PqConv conv, int ptype, const PqColumnInfo *info,
							   const uint8_t *raw, uint32_t len, PqValue *out);

/* big-endian two's complement (1..16 bytes) -> int128 */
extern bool PqDecimalFromBE(const uint8_t *p, uint32_t len, pq_int128 *out);

/*
 * Convert n packed physical values (width w bytes each) into slots.
 * Fixed-width conversions only (not PQV_BOOL/BYTES/DEC_BYTES from
 * BYTE_ARRAY; DEC_BYTES and BYTES from FLBA are handled).
 */
extern void PqConvertFixed(PqConv conv, const PqColumnInfo *info, int w,
						   const uint8_t *phys, uint32_t n, void *out);

/* convert PqBytes in place to decimal slots (PQV_DEC_BYTES); false if a
 * value is longer than 16 bytes */
extern bool PqConvertBytesToDecimal(const PqColumnInfo *info, void *slots,
									uint32_t n);

/*
 * PLAIN-decode n values from buf[0..len): byte arrays point into buf.
 * false when the data is short or malformed.
 */
extern bool PqPlainDecode(PqConv conv, const PqColumnInfo *info, int ptype,
						  int type_length, const uint8_t *buf, size_t len,
						  uint32_t n, void *out, size_t *consumed);

/* ---------------------------------------------------------------------
 * Writer statistics accumulator: min/max as PLAIN bytes
 * ---------------------------------------------------------------------
 */
typedef struct PqStatAcc
{
	bool		has;			/* min/max hold a value */
	int64_t		nulls;
	int64_t		values;			/* non-null values seen (incl. NaN) */
	PqBuf		min;
	PqBuf		max;
} PqStatAcc;

extern void PqStatAccInit(PqStatAcc *a, const PqAllocator *alloc);
extern void PqStatAccReset(PqStatAcc *a);
extern void PqStatAccFree(PqStatAcc *a);
/* fold a candidate min and max (PLAIN bytes) in; false on NOMEM */
extern bool PqStatAccUpdate(PqStatAcc *a, PqOrder order,
							const uint8_t *mn, uint32_t mnlen,
							const uint8_t *mx, uint32_t mxlen);
extern bool PqStatAccMerge(PqStatAcc *into, PqOrder order, const PqStatAcc *from);
/* -0.0 as min, +0.0 as max, per the spec (after all updates) */
extern void PqStatAccNormalizeZeros(PqStatAcc *a, PqOrder order);

/*
 * Shorten byte-array bounds longer than limit: a min becomes its prefix;
 * a max becomes its prefix with the last byte below 0xff incremented
 * (written into out, limit bytes).  Returns the new length, or 0 when a
 * max cannot be shortened (all 0xff): keep it whole then.
 */
extern uint32_t PqTruncateMin(uint32_t len, uint32_t limit);
extern uint32_t PqTruncateMax(const uint8_t *v, uint32_t len, uint32_t limit,
							  uint8_t *out);

#endif							/* LAKE_PQ_PLAIN_H */
