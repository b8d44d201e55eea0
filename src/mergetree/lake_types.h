/*-------------------------------------------------------------------------
 * lake_types.h
 *	  Mapping between PostgreSQL column types and the Parquet layer's
 *	  logical types, and the conversions of values between the two:
 *	  Datum -> column buffer (writes) and column vector -> Datum (reads).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_TYPES_H
#define LAKE_TYPES_H

#include "postgres.h"
#include "format/parquet/parquet.h"

/* PostgreSQL epochs (2000-01-01) vs Parquet's (1970-01-01) */
#define LAKE_DATE_EPOCH_SHIFT		10957	/* days */
#define LAKE_TIMESTAMP_EPOCH_SHIFT	INT64CONST(946684800000000) /* usec */

typedef struct LakeTypeInfo
{
	Oid			typid;
	int32		typmod;
	PqType		pqtype;
	int			precision;		/* DECIMAL */
	int			scale;			/* DECIMAL */
	int16		typlen;
	bool		typbyval;
} LakeTypeInfo;

/*
 * Map a column type.  Returns false and sets *why (a sentence for errdetail)
 * and *hint when the type is not supported.
 */
extern bool LakeTypeFromPg(Oid typid, int32 typmod, LakeTypeInfo *out,
						   const char **why, const char **hint);

/* ERROR (feature_not_supported) naming the column if unsupported */
extern void LakeTypeFromPgOrError(Oid typid, int32 typmod, const char *colname,
								  LakeTypeInfo *out);

/* Bytes one value of the type takes in a column vector's value array. */
extern size_t LakeTypeValueSize(const LakeTypeInfo *ti);

/* The type's lake-schema name: format_type_with_typemod */
extern char *LakeTypeName(Oid typid, int32 typmod);

/*
 * Convert a non-NULL Datum into the vector slot representation at dst
 * (LakeTypeValueSize bytes).  By-reference payloads (strings, bytea, uuid)
 * are stored as PqBytes whose bytes are copied with copy_bytes(arg, src,
 * len), which returns stable memory.
 */
typedef void *(*LakeCopyBytesFn) (void *arg, const void *src, size_t len);
extern void LakeDatumToValue(const LakeTypeInfo *ti, Datum d, void *dst,
							 LakeCopyBytesFn copy_bytes, void *copy_arg);

/*
 * Convert rows [first, first + n) of a vector into Datums (values[i],
 * isnull[i]).  By-reference results are allocated in CurrentMemoryContext,
 * in one chunk per call where the type allows.
 */
extern void LakeVectorToDatums(const LakeTypeInfo *ti, const PqColumnVector *vec,
							   uint32 first, uint32 n, Datum *values, bool *isnull);

/*
 * The same for the rows first + sel[i], i in [0, n) (sel ascending): into
 * values[i], isnull[i].
 */
extern void LakeVectorToDatumsSel(const LakeTypeInfo *ti, const PqColumnVector *vec,
								  uint32 first, const uint32 *sel, uint32 n,
								  Datum *values, bool *isnull);

/* The same for one stored value (statistics bounds, keys) */
extern Datum LakeValueToDatum(const LakeTypeInfo *ti, const PqValue *value);

/* Fill a PqValue from a Datum (bytes point into the Datum's memory) */
extern void LakeDatumToPqValue(const LakeTypeInfo *ti, Datum d, PqValue *out);

/*
 * Compare two non-NULL values in vector slot representation (key order:
 * signed integers, IEEE floats with NaN last, bytes unsigned).
 */
extern int	LakeValueCompareRaw(const LakeTypeInfo *ti, const void *a, const void *b);

/* GUC-independent text of a non-NULL value (partition names, keys) */
extern char *LakeValueCanonicalText(const LakeTypeInfo *ti, Datum d);

#endif							/* LAKE_TYPES_H */
