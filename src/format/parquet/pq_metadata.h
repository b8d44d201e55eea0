/*-------------------------------------------------------------------------
 * pq_metadata.h
 *	  Parquet metadata structures (FileMetaData, SchemaElement, RowGroup,
 *	  ColumnChunk, ColumnMetaData, Statistics, PageHeader, ColumnIndex,
 *	  OffsetIndex, BloomFilterHeader) and their thrift parse/serialize
 *	  functions (internal API of the Parquet layer).
 *
 * Parsed structures point into the buffer they were parsed from (binary
 * fields are not copied); arrays come from the given allocator and are
 * released with the matching Free function.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_PQ_METADATA_H
#define LAKE_PQ_METADATA_H

#include "format/parquet/pq_thrift.h"

typedef struct PqRawBytes
{
	const uint8_t *ptr;			/* NULL = absent */
	uint32_t	len;
} PqRawBytes;

typedef struct PqMetaStats
{
	PqRawBytes	max;			/* field 1, deprecated */
	PqRawBytes	min;			/* field 2, deprecated */
	PqRawBytes	max_value;		/* field 5 */
	PqRawBytes	min_value;		/* field 6 */
	bool		has_null_count;
	int64_t		null_count;
	bool		has_distinct_count;
	int64_t		distinct_count;
} PqMetaStats;

typedef struct PqMetaLogical
{
	int			kind;			/* PQL_* union field id; 0 none */
	int			scale;			/* DECIMAL */
	int			precision;
	bool		adjusted_to_utc;	/* TIMESTAMP/TIME */
	int			unit;			/* PQU_* */
	int			bit_width;		/* INTEGER */
	bool		is_signed;
} PqMetaLogical;

typedef struct PqMetaSchema
{
	bool		has_type;
	int			type;
	int			type_length;
	bool		has_repetition;
	int			repetition;		/* 0 REQUIRED, 1 OPTIONAL, 2 REPEATED */
	PqRawBytes	name;
	int			num_children;
	int			converted_type; /* -1 none */
	int			scale;
	int			precision;
	bool		has_field_id;
	int32_t		field_id;
	PqMetaLogical logical;
} PqMetaSchema;

typedef struct PqMetaColumn
{
	/* ColumnChunk */
	PqRawBytes	file_path;
	int64_t		file_offset;
	bool		has_meta;
	int64_t		offset_index_offset;	/* -1 absent */
	int32_t		offset_index_length;
	int64_t		column_index_offset;	/* -1 absent */
	int32_t		column_index_length;
	/* ColumnMetaData */
	int			type;
	uint32_t	encodings_mask; /* bit per Encoding value <= 31 */
	int			npath;
	int			codec;
	int64_t		num_values;
	int64_t		total_uncompressed_size;
	int64_t		total_compressed_size;
	int64_t		data_page_offset;
	int64_t		dictionary_page_offset; /* -1 absent */
	bool		has_stats;
	PqMetaStats stats;
	int64_t		bloom_filter_offset;	/* -1 absent */
	int32_t		bloom_filter_length;	/* -1 absent */
} PqMetaColumn;

typedef struct PqMetaRowGroup
{
	int			ncolumns;
	PqMetaColumn *columns;
	int64_t		total_byte_size;
	int64_t		num_rows;
	int64_t		file_offset;
	int64_t		total_compressed_size;
} PqMetaRowGroup;

typedef struct PqMetaKeyValue
{
	PqRawBytes	key;
	PqRawBytes	value;
} PqMetaKeyValue;

typedef struct PqMetaFile
{
	int32_t		version;
	int			nschema;
	PqMetaSchema *schema;
	int64_t		num_rows;
	int			nrowgroups;
	PqMetaRowGroup *rowgroups;
	int			nkv;
	PqMetaKeyValue *kv;
	PqRawBytes	created_by;
	int			ncolumn_orders;
	uint8_t    *column_orders;	/* 1 = TYPE_ORDER, 0 = unknown */
} PqMetaFile;

/* footer: parse/free (schema must precede row groups, as every writer does) */
extern PqStatus PqMetaFileParse(const uint8_t *buf, size_t len,
								uint64_t base_offset, uint32_t max_columns,
								const PqAllocator *alloc, PqMetaFile *out,
								PqError *err);
extern void PqMetaFileFree(PqMetaFile *f, const PqAllocator *alloc);

/* ---------------------------------------------------------------------
 * Page headers
 * ---------------------------------------------------------------------
 */
typedef struct PqPageHeader
{
	int			type;
	int32_t		uncompressed_size;
	int32_t		compressed_size;
	/* data page v1 / v2 / dictionary */
	int32_t		num_values;
	int			encoding;
	int			def_encoding;	/* v1 */
	int			rep_encoding;	/* v1 */
	int32_t		num_nulls;		/* v2 */
	int32_t		num_rows;		/* v2 */
	int32_t		def_len;		/* v2 */
	int32_t		rep_len;		/* v2 */
	bool		is_compressed;	/* v2, default true */
	bool		has_data;		/* the sub-header matching type was seen */
	size_t		header_len;		/* bytes of the thrift header */
} PqPageHeader;

/* Returns PQ_OK, PQ_END when buf is too short (need more bytes), or CORRUPT */
extern PqStatus PqPageHeaderParse(const uint8_t *buf, size_t len,
								  uint64_t base_offset, PqPageHeader *out,
								  PqError *err);
extern bool PqPageHeaderWrite(PqBuf *buf, const PqPageHeader *h);

/* ---------------------------------------------------------------------
 * Page index and bloom filter header
 * ---------------------------------------------------------------------
 */
typedef struct PqMetaColumnIndex
{
	int			npages;
	uint8_t    *null_pages;
	PqRawBytes *min_values;
	PqRawBytes *max_values;
	int			boundary_order;
	bool		has_null_counts;
	int64_t    *null_counts;
} PqMetaColumnIndex;

typedef struct PqMetaPageLocation
{
	int64_t		offset;
	int32_t		compressed_page_size;
	int64_t		first_row_index;
} PqMetaPageLocation;

typedef struct PqMetaOffsetIndex
{
	int			npages;
	PqMetaPageLocation *pages;
} PqMetaOffsetIndex;

extern PqStatus PqColumnIndexParse(const uint8_t *buf, size_t len,
								   uint64_t base_offset,
								   const PqAllocator *alloc,
								   PqMetaColumnIndex *out, PqError *err);
extern void PqColumnIndexFree(PqMetaColumnIndex *ci, const PqAllocator *alloc);
extern bool PqColumnIndexWrite(PqBuf *buf, const PqMetaColumnIndex *ci);

extern PqStatus PqOffsetIndexParse(const uint8_t *buf, size_t len,
								   uint64_t base_offset,
								   const PqAllocator *alloc,
								   PqMetaOffsetIndex *out, PqError *err);
extern void PqOffsetIndexFree(PqMetaOffsetIndex *oi, const PqAllocator *alloc);
extern bool PqOffsetIndexWrite(PqBuf *buf, const PqMetaOffsetIndex *oi);

typedef struct PqBloomHeader
{
	int32_t		num_bytes;
	int			algorithm;		/* 1 BLOCK */
	int			hash;			/* 1 XXHASH */
	int			compression;	/* 1 UNCOMPRESSED */
	size_t		header_len;
} PqBloomHeader;

extern PqStatus PqBloomHeaderParse(const uint8_t *buf, size_t len,
								   uint64_t base_offset, PqBloomHeader *out,
								   PqError *err);
extern bool PqBloomHeaderWrite(PqBuf *buf, int32_t num_bytes);

/* ---------------------------------------------------------------------
 * Footer serialization (writer side)
 * ---------------------------------------------------------------------
 */
typedef struct PqMetaWriteColumn
{
	const char *name;
	int			type;
	uint32_t	encodings_mask;
	int			codec;
	int64_t		num_values;
	int64_t		total_uncompressed_size;
	int64_t		total_compressed_size;
	int64_t		data_page_offset;
	int64_t		dictionary_page_offset; /* -1 none */
	bool		has_stats;
	bool		has_min_max;
	int64_t		null_count;
	PqRawBytes	min_value;
	PqRawBytes	max_value;
	bool		truncated;		/* min/max are truncated bounds */
	int64_t		bloom_filter_offset;	/* -1 none */
	int32_t		bloom_filter_length;
	int64_t		offset_index_offset;	/* -1 none */
	int32_t		offset_index_length;
	int64_t		column_index_offset;
	int32_t		column_index_length;
} PqMetaWriteColumn;

typedef struct PqMetaWriteRowGroup
{
	PqMetaWriteColumn *columns;
	int64_t		num_rows;
	int64_t		total_byte_size;
	int64_t		file_offset;
	int64_t		total_compressed_size;
} PqMetaWriteRowGroup;

typedef struct PqMetaWriteFile
{
	int			ncolumns;
	const PqMetaSchema *leaves; /* ncolumns leaf schema elements */
	int64_t		num_rows;
	int			nrowgroups;
	const PqMetaWriteRowGroup *rowgroups;
	int			nkv;
	const char *const *keys;
	const char *const *values;
	const char *created_by;
} PqMetaWriteFile;

extern bool PqMetaFileWrite(PqBuf *buf, const PqMetaWriteFile *f);

/* ---------------------------------------------------------------------
 * Logical <-> physical type mapping (pq_types.c)
 * ---------------------------------------------------------------------
 */

/* how a physical value becomes a value slot of the delivered type */
typedef enum PqConv
{
	PQV_BOOL,					/* BOOLEAN -> uint8 */
	PQV_I32,					/* INT32 -> int32 */
	PQV_I32_TO_I64,				/* INT32 -> int64 (decimal) */
	PQV_U32_TO_I64,				/* INT32 unsigned -> int64 */
	PQV_I32_TO_I128,			/* INT32 -> int128 (decimal) */
	PQV_I64,					/* INT64 -> int64 */
	PQV_I64_MILLIS,				/* INT64 ms -> us */
	PQV_I64_NANOS,				/* INT64 ns -> us */
	PQV_I64_TO_I128,			/* INT64 -> int128 (decimal) */
	PQV_U64_TO_I128,			/* INT64 unsigned -> int128 */
	PQV_INT96,					/* INT96 -> int64 us */
	PQV_F32,
	PQV_F64,
	PQV_BYTES,					/* BYTE_ARRAY / FLBA -> PqBytes */
	PQV_DEC_BYTES				/* BYTE_ARRAY / FLBA big-endian -> int64 or
								 * int128 by precision */
} PqConv;

/* writer: schema element of a column spec */
extern void PqTypeToSchema(const PqColumnSpec *spec, PqMetaSchema *out);

/*
 * reader: the delivered type of a leaf schema element; PQ_ERR_UNSUPPORTED
 * (message in why) for types this reader does not deliver.
 */
extern PqStatus PqTypeFromSchema(const PqMetaSchema *s, PqColumnInfo *info,
								 PqConv *conv, char *why, size_t whylen);

/* physical width in bytes of fixed-width types (FLBA: type_length), 0
 * for BYTE_ARRAY, -1 for BOOLEAN (bits) */
extern int	PqPhysicalWidth(int ptype, int type_length);

#endif							/* LAKE_PQ_METADATA_H */
