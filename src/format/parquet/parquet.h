/*-------------------------------------------------------------------------
 * parquet.h
 *	  Public API of the Parquet layer: a native writer and reader of flat
 *	  Apache Parquet files.
 *
 * This layer knows Parquet bytes and nothing of PostgreSQL, tables or
 * snapshots.  It builds and runs without a server (unit tests, fuzzers,
 * command-line tools): it never calls ereport/palloc.  Every function
 * reports trouble through a PqStatus plus a PqError whose message names
 * what is wrong and where; the layer above turns that into ereport at one
 * place.  Memory comes from the caller's PqAllocator.
 *
 * Value representation (PqColumnVector arrays), by logical type:
 *	 PQ_BOOL                       uint8_t  (0/1)
 *	 PQ_INT16, PQ_INT32, PQ_DATE   int32_t  (DATE: days since 1970-01-01)
 *	 PQ_INT64, PQ_TIMESTAMP(TZ)    int64_t  (TIMESTAMP: microseconds since
 *	                                         1970-01-01 00:00:00)
 *	 PQ_FLOAT / PQ_DOUBLE          float / double
 *	 PQ_DECIMAL precision <= 18    int64_t  unscaled value
 *	 PQ_DECIMAL precision 19..38   pq_int128 unscaled value
 *	 PQ_STRING, PQ_BYTES, PQ_JSON  PqBytes  (pointer + length)
 *	 PQ_UUID                       PqBytes  (length 16, big-endian bytes)
 * The value slot of a NULL row is unspecified (zero where convenient).
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_PARQUET_H
#define LAKE_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * 8-byte alignment, as PostgreSQL's own int128: callers' allocators (palloc)
 * guarantee no more, and 16-byte aligned loads of it would fault.
 */
typedef __int128 pq_int128 __attribute__((aligned(8)));

/* ---------------------------------------------------------------------
 * Status, errors, allocation
 * ---------------------------------------------------------------------
 */
typedef enum PqStatus
{
	PQ_OK = 0,
	PQ_END,						/* iterator exhausted (not an error) */
	PQ_ERR_IO,					/* a source/sink callback failed */
	PQ_ERR_CORRUPT,				/* bytes violate the format */
	PQ_ERR_UNSUPPORTED,			/* valid Parquet this reader does not handle */
	PQ_ERR_NOMEM,				/* allocator returned NULL */
	PQ_ERR_LIMIT,				/* exceeds a safety bound (PqReaderOptions) */
	PQ_ERR_ARG					/* caller misuse */
} PqStatus;

typedef struct PqError
{
	PqStatus	status;
	uint64_t	offset;			/* file offset the problem was seen at, or
								 * UINT64_MAX when not tied to one */
	char		message[256];	/* e.g. "row group 2, column \"clicks\": page
								 * header: compressed_page_size -5" */
} PqError;

extern const char *ParquetStatusName(PqStatus status);

typedef struct PqAllocator
{
	void	   *(*alloc) (void *ctx, size_t size);	/* NULL on failure */
	void		(*free) (void *ctx, void *ptr);
	void	   *ctx;
} PqAllocator;

/* malloc/free, for tools, unit tests and fuzzers */
extern const PqAllocator ParquetMallocAllocator;

/* ---------------------------------------------------------------------
 * Types, values, schema
 * ---------------------------------------------------------------------
 */
typedef enum PqType
{
	PQ_BOOL,
	PQ_INT16,
	PQ_INT32,
	PQ_INT64,
	PQ_FLOAT,
	PQ_DOUBLE,
	PQ_DECIMAL,
	PQ_STRING,
	PQ_BYTES,
	PQ_DATE,
	PQ_TIMESTAMP,				/* isAdjustedToUTC = false */
	PQ_TIMESTAMPTZ,				/* isAdjustedToUTC = true */
	PQ_UUID,
	PQ_JSON
} PqType;

extern const char *ParquetTypeName(PqType type);

typedef struct PqBytes
{
	const uint8_t *ptr;
	uint32_t	len;
} PqBytes;

/* One scalar: statistics bounds, bloom-filter probes, predicate constants. */
typedef struct PqValue
{
	PqType		type;
	int			precision;		/* PQ_DECIMAL only */
	int			scale;			/* PQ_DECIMAL only */
	union
	{
		bool		b;
		int32_t		i32;		/* INT16, INT32, DATE */
		int64_t		i64;		/* INT64, TIMESTAMP(TZ), DECIMAL p <= 18 */
		float		f32;
		double		f64;
		pq_int128	i128;		/* DECIMAL p > 18 */
		PqBytes		bytes;		/* STRING, BYTES, JSON, UUID */
	}			v;
} PqValue;

/*
 * Compare two values of the same type by the Parquet spec's sort order for
 * that logical type: signed for integers, decimals and temporals, unsigned
 * lexicographic bytes for strings/binary/uuid, IEEE order for floats with
 * -0.0 == +0.0 (NaN is never a statistics bound).  Returns <0, 0, >0.
 */
extern int	ParquetValueCompare(const PqValue *a, const PqValue *b);

typedef struct PqColumnSpec
{
	const char *name;
	PqType		type;
	bool		nullable;		/* OPTIONAL vs REQUIRED */
	int			precision;		/* PQ_DECIMAL: 1..38 */
	int			scale;			/* PQ_DECIMAL: 0..precision */
	bool		bloom_filter;	/* writer: build a split-block bloom filter */
} PqColumnSpec;

typedef struct PqSchema
{
	int			ncolumns;
	const PqColumnSpec *columns;
} PqSchema;

/*
 * A column of a batch.  nulls[i] != 0 means row i is NULL; nulls == NULL
 * means no row is NULL.  Reader-produced vectors (and the bytes they point
 * to) are owned by the reader and valid until its next ReadBatch,
 * StartRowGroup or Close.
 */
typedef struct PqColumnVector
{
	PqType		type;
	uint32_t	count;
	uint8_t    *nulls;
	union
	{
		uint8_t    *b;
		int32_t    *i32;
		int64_t    *i64;
		float	   *f32;
		double	   *f64;
		pq_int128  *i128;
		PqBytes    *bytes;
	}			v;
} PqColumnVector;

/* Statistics of one column over a column chunk (or a whole file). */
typedef struct PqColumnStats
{
	bool		has_min_max;	/* false: all NULL, or no statistics */
	bool		has_null_count;
	int64_t		null_count;
	PqValue		min;			/* bytes point into memory owned by the
								 * reader/writer that returned them */
	PqValue		max;
} PqColumnStats;

/* ---------------------------------------------------------------------
 * Writer
 * ---------------------------------------------------------------------
 */
typedef enum PqCodec
{
	PQ_CODEC_UNCOMPRESSED = 0,
	PQ_CODEC_SNAPPY = 1,
	PQ_CODEC_GZIP = 2,
	PQ_CODEC_ZSTD = 6,
	PQ_CODEC_LZ4_RAW = 7
} PqCodec;

extern const char *ParquetCodecName(PqCodec codec);

typedef struct PqWriterOptions
{
	PqCodec		codec;			/* default ZSTD */
	int			compression_level;	/* codec's own scale; 0 = its default */
	uint32_t	row_group_rows; /* rows per row group, default 1,048,576 */
	uint32_t	page_bytes;		/* target uncompressed page size, default
								 * 1 MiB */
	uint32_t	page_rows;		/* at most this many rows a page, default
								 * 20,000 */
	bool		dictionary;		/* try RLE_DICTIONARY first, default true */
	uint32_t	dictionary_max_bytes;	/* fall back to PLAIN beyond this,
										 * default 1 MiB */
	bool		statistics;		/* chunk Statistics, default true */
	bool		page_index;		/* ColumnIndex/OffsetIndex, default true */
	double		bloom_fpp;		/* target false-positive rate, default 0.01 */
	const char *created_by;		/* default "lake_fdw" */
} PqWriterOptions;

typedef struct PqSink
{
	PqStatus	(*write) (void *ctx, const void *data, size_t len);
	void	   *ctx;
} PqSink;

typedef struct PqWriter PqWriter;

extern void ParquetWriterOptionsInit(PqWriterOptions *opts);

/* PQ_DECIMAL columns take pq_int128 arrays when precision > 18 */
extern PqWriter *ParquetWriterCreate(const PqSchema *schema,
									 const PqWriterOptions *opts,
									 const PqSink *sink,
									 const PqAllocator *alloc,
									 PqError *err);

/* Append nrows rows: columns[i] holds column i of the schema. */
extern PqStatus ParquetWriterWrite(PqWriter *w, const PqColumnVector *columns,
								   uint32_t nrows, PqError *err);

/* Key/value metadata written into the footer (copied). */
extern PqStatus ParquetWriterSetKeyValue(PqWriter *w, const char *key,
										 const char *value, PqError *err);

/* Flush the last row group, write indexes, bloom filters and the footer. */
extern PqStatus ParquetWriterFinish(PqWriter *w, PqError *err);

/* After Finish: bytes written, rows, and per-column stats over the file. */
extern uint64_t ParquetWriterFileSize(const PqWriter *w);
extern int64_t ParquetWriterNumRows(const PqWriter *w);
extern const PqColumnStats *ParquetWriterFileStats(const PqWriter *w, int column);

extern void ParquetWriterFree(PqWriter *w);

/* ---------------------------------------------------------------------
 * Reader
 * ---------------------------------------------------------------------
 */
typedef struct PqSource
{
	/* read exactly len bytes at offset into buf */
	PqStatus	(*read_at) (void *ctx, uint64_t offset, size_t len, void *buf);
	uint64_t	size;			/* file size in bytes */
	void	   *ctx;
} PqSource;

typedef struct PqReaderOptions
{
	uint64_t	max_footer_bytes;	/* default 64 MiB */
	uint64_t	max_page_bytes; /* largest (un)compressed page, default 256
								 * MiB */
	uint32_t	max_columns;	/* default 10,000 */
	uint32_t	max_page_values;	/* values (rows) one data page may
									 * claim, default 16 Mi: bounds the
									 * decoded arrays of a page */
} PqReaderOptions;

typedef struct PqColumnInfo
{
	const char *name;
	PqType		type;			/* logical type the values are delivered as */
	bool		nullable;
	int			precision;
	int			scale;
	int			physical_type;	/* Parquet Type enum */
} PqColumnInfo;

typedef struct PqPageIndexEntry
{
	int64_t		first_row;		/* row index within the row group */
	int64_t		num_rows;
	bool		null_page;		/* every value is NULL */
	bool		has_min_max;
	bool		has_null_count;
	int64_t		null_count;
	PqValue		min;
	PqValue		max;
	uint64_t	offset;			/* page location in the file */
	uint32_t	compressed_size;
} PqPageIndexEntry;

typedef struct PqPageIndex
{
	int			npages;
	PqPageIndexEntry *pages;	/* owned by the reader, valid until Close */
	bool		ascending;		/* every page has min/max, none is all NULL,
								 * and pages[i].max <= pages[i + 1].min */
} PqPageIndex;

/* A half-open range [first, first + count) of row indexes in a row group. */
typedef struct PqRowRange
{
	int64_t		first;
	int64_t		count;
} PqRowRange;

typedef struct PqReader PqReader;

extern void ParquetReaderOptionsInit(PqReaderOptions *opts);

/* Reads and validates the footer. name is used in error messages. */
extern PqReader *ParquetReaderOpen(const PqSource *src,
								   const PqReaderOptions *opts,
								   const PqAllocator *alloc,
								   const char *name, PqError *err);

extern int	ParquetReaderNumColumns(const PqReader *r);
extern const PqColumnInfo *ParquetReaderColumn(const PqReader *r, int column);
/* bytes per value of a PqColumnVector of this column (its values array) */
extern size_t ParquetColumnSlotSize(const PqColumnInfo *info);
extern int	ParquetReaderFindColumn(const PqReader *r, const char *name);	/* -1 */
extern int64_t ParquetReaderNumRows(const PqReader *r);
extern int	ParquetReaderNumRowGroups(const PqReader *r);
extern int64_t ParquetReaderRowGroupNumRows(const PqReader *r, int rg);
/* footer key/value metadata; NULL if absent */
extern const char *ParquetReaderKeyValue(const PqReader *r, const char *key);

/* Column chunk statistics (min/max by the column's sort order). */
extern PqStatus ParquetReaderChunkStats(PqReader *r, int rg, int column,
										PqColumnStats *out, PqError *err);

/* Loads ColumnIndex+OffsetIndex; PQ_END when the file has none. */
extern PqStatus ParquetReaderPageIndex(PqReader *r, int rg, int column,
									   const PqPageIndex **out, PqError *err);

/*
 * Pages of the chunk (*npages) and how many of them rows of the ranges
 * (sorted, non-overlapping, as for StartRowGroup; NULL: every row) fall in
 * (*nread), from its OffsetIndex alone; PQ_END when the chunk has none.
 */
extern PqStatus ParquetReaderPagesInRanges(PqReader *r, int rg, int column,
										   const PqRowRange *ranges, int nranges,
										   int *npages, int *nread, PqError *err);

/*
 * Probe the chunk's bloom filter.  *might_contain = true when the value may
 * be present or the chunk has no bloom filter.
 */
extern PqStatus ParquetReaderBloomProbe(PqReader *r, int rg, int column,
										const PqValue *value,
										bool *might_contain, PqError *err);

/* Projection: batches carry exactly these columns, in this order. */
extern PqStatus ParquetReaderSelectColumns(PqReader *r, const int *columns,
										   int ncolumns, PqError *err);

/*
 * Position at row group rg.  ranges (sorted, non-overlapping; NULL = every
 * row) restricts the rows delivered; pages wholly outside them are not read
 * or decompressed.
 */
extern PqStatus ParquetReaderStartRowGroup(PqReader *r, int rg,
										   const PqRowRange *ranges,
										   int nranges, PqError *err);

/*
 * Decode up to max_rows rows of the selected columns into out[0..n-1].
 * Returns PQ_END (with *nrows = 0) when the row group is exhausted.
 */
extern PqStatus ParquetReaderReadBatch(PqReader *r, uint32_t max_rows,
									   PqColumnVector *out, uint32_t *nrows,
									   PqError *err);

/*
 * Late materialisation: read the columns a filter needs first, decide
 * which rows to keep, then decode only those rows of the other columns.
 *
 * ReadBatchColumns is ReadBatch for the selected columns i with want[i]
 * only (out[i] of the others is left as it was); rows[0..*nrows) receives
 * each delivered row's index in the row group (max_rows slots).
 *
 * ReadRows decodes rows[0..nrows) (row indexes of the current row group,
 * strictly increasing) of the selected columns i with want[i] into out[i]
 * (count = nrows).  Each column only moves forward: a row before one the
 * column delivered since StartRowGroup is PQ_ERR_ARG.  Pages outside the
 * row ranges given to StartRowGroup may be read.  Only the pages holding
 * the rows are read and decompressed, and only the rows' values are
 * decoded where the encoding allows (PLAIN fixed width, dictionary
 * indexes).  The vectors of both calls stay valid until the next
 * ReadBatch/ReadBatchColumns, StartRowGroup or Close.
 */
extern PqStatus ParquetReaderReadBatchColumns(PqReader *r, uint32_t max_rows,
											  const bool *want, PqColumnVector *out,
											  uint32_t *nrows, int64_t *rows,
											  PqError *err);
extern PqStatus ParquetReaderReadRows(PqReader *r, const int64_t *rows, uint32_t nrows,
									  const bool *want, PqColumnVector *out,
									  PqError *err);

/*
 * Sorted-key seek, before any read of column sel (a selected index) in the
 * current row group: its values ascend within the row ranges given to
 * StartRowGroup (a primary-key file's last key column when the others are
 * constant).  Binary search for key (of the column's PqType): [*first,
 * *first + *count) are the rows equal to it (*count = 0: none).  A zstd
 * PLAIN page is decompressed only in the frames the search probes.  Then
 * ReadRows reads those rows of any column.  PQ_END when it cannot tell
 * (not a REQUIRED INT32/INT64 column, dictionary pages, a run of equal
 * values reaching a page's end): read the row group as usual.
 */
extern PqStatus ParquetReaderSeekSorted(PqReader *r, int sel, const PqValue *key,
										int64_t *first, int64_t *count,
										PqError *err);

/* I/O accounting for EXPLAIN ANALYZE: bytes requested from the source. */
extern uint64_t ParquetReaderBytesRead(const PqReader *r);

/*
 * Page accounting for EXPLAIN ANALYZE, since Open or Attach: data pages
 * decoded (each once, however many rows were taken from it), and, while
 * ParquetReaderCountPages is on (off after Attach), the data pages of the
 * column chunks of the row groups started: a chunk's offset index count
 * (loaded for it if need be), or for a chunk without one each page header
 * its reading passes (such a file tells no page count).
 */
extern void ParquetReaderCountPages(PqReader *r, bool on);
extern void ParquetReaderPageCounts(const PqReader *r, uint64_t *decoded,
									uint64_t *total);

extern void ParquetReaderClose(PqReader *r);

/*
 * Keeping a reader across scans of an immutable file (a metadata cache):
 * Release drops the row ranges and the page buffers beyond 128 kB and
 * forgets the source, keeping the footer, schema, key/value metadata, the
 * offset and page indexes, the dictionaries and the small column chunks
 * (SMALL_CHUNK_BYTES) read so far; Attach binds it to the reopened file again
 * (PQ_ERR_CORRUPT if its size differs from the one the footer came from)
 * and selects every column, as after Open.
 */
extern void ParquetReaderRelease(PqReader *r);
/* Release, and free the selection buffers and small chunks Release keeps */
extern void ParquetReaderTrim(PqReader *r);
extern PqStatus ParquetReaderAttach(PqReader *r, const PqSource *src, PqError *err);

/* ---------------------------------------------------------------------
 * Bloom filter hashing (xxhash64 of the PLAIN encoding, seed 0)
 * ---------------------------------------------------------------------
 */
extern uint64_t ParquetBloomHash(const PqValue *value);

#endif							/* LAKE_PARQUET_H */
