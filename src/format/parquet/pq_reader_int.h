/*-------------------------------------------------------------------------
 * pq_reader_int.h
 *	  The reader's private state, shared by pq_reader.c (footer, projection,
 *	  pages, batches) and pq_reader_meta.c (chunk statistics, page index,
 *	  bloom filter probes).  Internal to the Parquet layer.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_PQ_READER_INT_H
#define LAKE_PQ_READER_INT_H

#include "format/parquet/pq_plain.h"
#include "format/parquet/pq_rle.h"

#define READAHEAD_BYTES (256 * 1024)

/*
 * A column chunk this small that selective reads (row ranges through the
 * offset index) touch a second time is read whole and kept for the
 * reader's life (RChunkCache): later point lookups of the file read none
 * of its pages from the source, while a file looked into once reads only
 * its pages.  At most SMALL_CHUNK_BUDGET bytes of them per reader.
 */
#define SMALL_CHUNK_BYTES (64 * 1024)
#define SMALL_CHUNK_BUDGET (4 * 1024 * 1024)
#define MAX_HEADER_BYTES (16 * 1024 * 1024)

typedef struct RColumn
{
	PqColumnInfo info;
	char	   *name;
	PqConv		conv;
	PqOrder		order;
	int			ptype;
	int			tlen;
	size_t		slot;			/* bytes per delivered value */
	bool		type_order;		/* column_orders says TYPE_ORDER (or absent) */
} RColumn;

typedef struct RSel
{
	int			col;
	RColumn    *rc;
	const PqMetaColumn *mc;
	uint64_t	chunk_start;
	uint64_t	chunk_end;

	/* page plan */
	bool		use_oi;
	const PqMetaOffsetIndex *oi;	/* borrowed from the reader's cache */
	int			oi_next;		/* next page of oi to consider */
	uint64_t	next_off;		/* sequential: next page header */
	int64_t		next_first_row; /* first row of the next page */

	/* io window: file bytes [io_off, io_off + io.len) */
	PqBuf		io;
	uint64_t	io_off;
	/* the whole chunk kept by the reader (RChunkCache), may be read */
	bool		small_chunk;

	/* dictionary */
	bool		dict_loaded;
	bool		dict_borrowed;	/* dict_vals belong to the reader's cache */
	uint32_t	dict_n;
	PqBuf		dict_raw;		/* decompressed dictionary page */
	uint8_t    *dict_vals;		/* slots */
	size_t		dict_vals_cap;
	uint8_t    *dict_arena;

	/* current page */
	bool		page_loaded;
	int64_t		page_first_row;
	uint32_t	page_n;			/* rows */
	uint32_t	page_pos;		/* next row */
	uint32_t	page_nn_pos;	/* next non-null value */
	bool		page_has_nulls;
	bool		page_dict;
	bool		page_referenced;	/* bytes of this page are in the batch */
	PqBuf		page;			/* decompressed page */
	uint8_t    *page_arena;		/* DELTA_BYTE_ARRAY values */
	uint8_t    *nulls;
	uint32_t	nulls_cap;
	uint8_t    *vals;
	size_t		vals_cap;
	const uint8_t *vsrc;		/* the page's values: vals, or the page
								 * bytes themselves for PLAIN fixed width */
	uint32_t   *idx;
	uint32_t	idx_cap;
	/* dictionary indexes decoded on demand (row selection, ReadRows) */
	bool		idx_lazy;
	PqRleDecoder idx_dec;		/* positioned at index idx_next */
	uint32_t	idx_next;
	uint32_t	page_nn;		/* non-null values of the page */
	uint64_t	page_off;		/* file offset of the page header */
	int			page_oi;		/* its index in oi (use_oi) */
	int			decoding_oi;	/* the page being decoded's index in oi, or -1 */
	/*
	 * Rows [page_valid_lo, page_valid) of the page may be read: not all of
	 * it when ReadRows decompressed only the frames or the prefix its rows
	 * need (a zstd PLAIN page); a later read outside decodes the page again,
	 * whole.
	 */
	uint32_t	page_valid_lo;
	uint32_t	page_valid;
	bool		force_full;		/* the next page decode is whole */
	uint8_t    *tmp;
	size_t		tmp_cap;

	/* output */
	uint8_t    *out_vals;
	size_t		out_vals_cap;
	uint8_t    *out_nulls;
	uint32_t	out_nulls_cap;
} RSel;

/* a chunk's parsed OffsetIndex, kept for the reader's life */
typedef struct ROffsetIndexCache
{
	bool		loaded;
	bool		present;
	PqMetaOffsetIndex oi;
} ROffsetIndexCache;

/*
 * A chunk's decoded dictionary, kept for the reader's life once a selective
 * read (row ranges through the offset index) loaded it: the next probe of
 * the chunk decodes only its data page.
 */
typedef struct RDictCache
{
	bool		loaded;
	uint32_t	n;
	PqBuf		raw;			/* decompressed page (string values point in) */
	uint8_t    *vals;			/* slots */
} RDictCache;

/* a small column chunk's bytes, [chunk_start, chunk_end) of the file */
typedef struct RChunkCache
{
	bool		touched;		/* a selective read met it */
	uint8_t    *bytes;			/* NULL until read */
} RChunkCache;

typedef struct RPageIndexCache
{
	bool		loaded;
	bool		absent;
	PqPageIndex pi;
	uint8_t    *ci_raw;
	PqMetaColumnIndex ci;
} RPageIndexCache;

struct PqReader
{
	const PqAllocator *alloc;
	PqReaderOptions opts;
	PqSource	src;			/* zeroed while released */
	uint64_t	file_size;		/* the file's size at Open */
	char	   *name;
	uint64_t	bytes_read;
	uint64_t	pages_decoded;	/* data pages decoded (a reload not again) */
	bool		count_pages;	/* ParquetReaderCountPages */
	uint64_t	pages_total;	/* data pages of the chunks started: the
								 * offset index's count, else each header
								 * read */
	uint8_t    *footer;
	uint64_t	footer_off;
	uint64_t	data_end;		/* where the footer starts */
	PqMetaFile	meta;
	int			ncols;
	RColumn    *cols;

	/* projection */
	int			nsel;
	RSel	   *sels;			/* [sels_cap], slots past nsel fresh */
	int			sels_cap;

	/*
	 * ReadRows in progress: pages decode their dictionary indexes lazily,
	 * zstd PLAIN pages only up to row sparse_last (else rg_last_row)
	 */
	bool		sparse;
	int64_t		sparse_last;

	/*
	 * SeekSorted in progress on column seek_sel: a zstd PLAIN page decoded
	 * for it binary-searches rows [seek_from, seek_to) of the file's row
	 * group for seek_key, decompressing only the frames it probes, and
	 * leaves the bounds in seek_lb/seek_ub (page rows; seek_done)
	 */
	bool		seek_active;
	bool		seek_done;
	int			seek_sel;
	int64_t		seek_key;
	int64_t		seek_from;
	int64_t		seek_to;
	uint32_t	seek_lb;
	uint32_t	seek_ub;

	/* current row group */
	int			rg;
	int64_t		rg_rows;
	int64_t		rg_last_row;	/* the end of its last row range - 1 */
	PqRowRange *ranges;
	int			nranges;
	int			ranges_cap;
	int			range_idx;
	int64_t		cur_row;

	/* retired page buffers referenced by the current batch */
	void	  **retired;
	int			nretired;
	int			retired_cap;

	RPageIndexCache *pic;		/* nrowgroups * ncols, lazily */
	ROffsetIndexCache *oic;		/* nrowgroups * ncols, lazily */
	RDictCache *dic;			/* nrowgroups * ncols, lazily */
	RChunkCache *chc;			/* nrowgroups * ncols, lazily */
	uint64_t	chc_bytes;		/* bytes held by chc */
	char	  **kv_values;		/* NUL-terminated copies, per meta.kv */

	/* bloom filter cache */
	int			bloom_rg;
	int			bloom_col;
	uint8_t    *bloom_bits;
	uint32_t	bloom_nbytes;
};

/* read exactly len bytes at off from the source, counting them */
extern PqStatus PqReaderSourceRead(PqReader *r, uint64_t off, size_t len,
								   void *buf, PqError *err);

/*
 * The validated OffsetIndex of chunk (g, c), read once per reader and kept
 * until Close; *oi = NULL and *present = false if the chunk has none.
 */
extern PqStatus PqReaderOffsetIndex(PqReader *r, int g, int c,
									const PqMetaOffsetIndex **oi, bool *present,
									PqError *err);

/*
 * The last page of pg[lo..hi] starting at or before row, given that pg[lo]
 * does (first rows strictly increase: load_offset_index checked) and the
 * row group has rows rows.  A guess first (pages holding about as many rows
 * each: a point lookup touches one or two entries of a cold index instead
 * of ten), then a binary search.
 */
extern int	PqPageOfRow(const PqMetaPageLocation *pg, int lo, int hi, int64_t rows,
						int64_t row);

#endif							/* LAKE_PQ_READER_INT_H */
