/*-------------------------------------------------------------------------
 * scan_internal.h
 *	  The scan's state, shared by the files of the scan layer that read a
 *	  table at a snapshot: table_scan.c (sources, append mode, entry points)
 *	  and merge_scan.c (the primary-key merge); and the partition index
 *	  (part_index.c) that prune.c searches.  Not for other layers: they
 *	  use scan/scan.h.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_SCAN_INTERNAL_H
#define LAKE_SCAN_INTERNAL_H

#include "scan/scan.h"

#define BUFFER_CHUNK_ROWS 8192
#define MERGE_CHUNK_ROWS 1024	/* merged rows per batch (LakeScanNextBatch) */
#define CONVERT_CHUNK_ROWS 1024 /* append rows converted to Datums at a time:
								 * the buffers of wide rows stay in cache */
#define MERGE_SLICE_ROWS 32		/* shorter stretches are copied into a chunk */

/*
 * Keys made only of integer-like columns (at most 128 bits in all) are
 * compared as one unsigned number: each column sign-flipped, packed in
 * key order.
 */
typedef unsigned __int128 LakeNormKey __attribute__((aligned(8)));	/* palloc aligns to 8 */

/* a cursor in the merge heap, with its key when normalised (heap_packed:
 * key << 32 | ci) */
typedef struct HeapEntry
{
	LakeNormKey nk;
	int			ci;				/* index of the cursor (version order) */
} HeapEntry;

/* how a key column compares: fixed-width integers inline */
typedef enum KeyClass
{
	KEY_INT32,
	KEY_INT64,
	KEY_OTHER
} KeyClass;

/* normalised keys of one or two columns, built without a loop */
typedef enum KeyShape
{
	SHAPE_LOOP,					/* any other: column by column */
	SHAPE_32,
	SHAPE_64,
	SHAPE_32_32,
	SHAPE_32_64,
	SHAPE_64_32,
	SHAPE_64_64
} KeyShape;

/* One source: a file, or the in-memory buffer. */
typedef struct ScanSource
{
	LakeDataFile *file;			/* NULL for the buffer */
	bool		pending;		/* the transaction's own */
	char	   *partition;
	int32		bucket;
	bool		full_pred;		/* may skip by non-key predicates */
} ScanSource;

/* A cursor over one source, for the primary-key merge. */
typedef struct MergeCursor
{
	ScanSource *src;
	LakeFileReader *reader;
	LakeFileBatch batch;
	uint32		pos;
	bool		done;
	bool		filter;			/* apply seq_max */
	int64		seq_max;
	bool		last_wins;		/* the newest version of a key is its row */
	bool		has_delete;		/* the file holds tombstones */
	LakeNormKey nk;				/* the current row's key, normalised */
	uint32		tail;			/* first row of the batch's last key */
	bool		tail_valid;		/* tail computed for this batch */
	const LakePredicate *row_pred;	/* rows that cannot match, or NULL */
	const char *const *read_names;	/* borrowed from the scan */
	uint8	   *may_match;		/* [batch.nrows] row_pred per row of the batch */
	uint32		may_match_cap;
	bool		pinned;			/* chunk rows point into this batch's bytes */
	/* unordered merge: which rows of the batch are visible */
	uint8	   *skip;			/* [skip_size] nonzero: hidden */
	uint32		skip_size;
	uint32		nvis;			/* rows of the batch left visible */
} MergeCursor;

struct LakeScan
{
	LakeScanSpec spec;			/* borrowed arrays */
	MemoryContext cxt;			/* scan lifetime */
	MemoryContext source_cxt;	/* reset per source (append) or group
								 * (merge) */
	MemoryContext batch_cxt;	/* reset per batch (append) or row (merge) */
	const char **read_names;	/* names passed to readers; NULL = skip */
	int			nwanted;
	int		   *wanted_cols;	/* [nwanted] columns the query reads */
	int			nsources;
	ScanSource *sources;
	int			next_source;

	/* append mode */
	LakeFileReader *reader;
	ScanSource *cur;
	bool		cur_filter;
	int64		cur_seq_max;
	int64		buf_pos;		/* next buffer row (buffer source) */
	uint32		nrows;
	uint32		pos;
	const int64 *seq;			/* per batch row, or NULL */
	uint8	   *pred_skip;		/* per batch row: predicate rules it out */
	const LakePredicate *cur_pred;	/* the current source's, or NULL */
	int64		seq_base;		/* buffer: seq of batch row 0 */
	Datum	  **colvals;		/* [ncolumns][colcap], scan cxt */
	bool	  **colnulls;
	uint32		colcap;			/* rows the buffers hold */
	uint32		filter_removed; /* rows the last LakeScanBatchConvert's row
								 * filter removed */
	/* append mode: the source batch, converted CONVERT_CHUNK_ROWS at a time */
	PqColumnVector *raw_cols;	/* borrowed from the reader or buffer */
	const bool *raw_absent;
	const uint8 *raw_skip;		/* [raw_n] or NULL, batch cxt */
	const bool *raw_deferred;	/* [ncolumns] columns the reader decodes at
								 * the filter's survivors only, or NULL */
	bool	   *defer_cols;		/* [ncolumns] asked to be deferred, or NULL */
	uint32		raw_first;
	uint32		raw_n;
	uint32		raw_pos;		/* rows converted so far */

	/* merge mode */
	int			ngroups;
	int		   *group_start;	/* index into sources, ngroups + 1 */
	int			next_group;
	bool		group_open;
	int			ncursors;
	MergeCursor *cursors;		/* the group's, in version order */
	HeapEntry  *heap;			/* cursors with rows left, by key */
	int			nheap;
	bool		top_moved;		/* the heap's top must be settled first */
	int		   *at_key;			/* [ncursors of any group] one key's cursors */
	KeyClass   *key_class;		/* [nkey] */
	bool		norm_keys;		/* keys compare as LakeNormKey */
	KeyShape	key_shape;		/* norm_keys: how row_nk builds one */
	int			key_col0;		/* its first two key columns */
	int			key_col1;
	bool		heap_packed;	/* norm_keys of at most 96 bits: heap entries
								 * hold key << 32 | cursor, one comparison */
	LakeNormKey key_nk;			/* the key merged alone, normalised */
	bool	   *is_bytes;		/* [ncolumns] values point to bytes */
	PqColumnVector *key_row;	/* [ncolumns] the key merged alone, copied */
	MemoryContext key_cxt;		/* its bytes */
	LakeMergeState *fold;		/* folds the versions of one key */
	const LakeMergeConfig *merge;
	size_t	   *value_size;		/* [ncolumns] LakeTypeValueSize */
	uint8	   *skip_buf;		/* [skip_size] */
	uint32		skip_size;
	PqColumnVector *chunk;		/* [ncolumns], wanted columns */
	MemoryContext chunk_cxt;	/* bytes of the chunk's rows */
	int16	   *chunk_src;		/* [MERGE_CHUNK_ROWS] cursor whose batch holds
								 * the row's bytes, or -1: copied */
	uint32		chunk_hi;		/* chunk rows written so far (bound) */
	bool		has_bytes;		/* some wanted column holds bytes */

	/* unordered merge (LakeScanNextBatch, groups of last_wins runs) */
	bool		group_unordered;	/* the open group merges unordered */
	bool		split_base;		/* the base (the oldest run) stays out of the
								 * heap: only compared with its top */
	bool		base_live;		/* split_base: the base stands on a row */
	int			base_ci;		/* the base: the oldest run not done */
	uint32		chunk_n;		/* rows in the chunk (carried keys) */
	bool		chunk_out;		/* the chunk was returned: start anew */
	int			pending_load;	/* cursor whose batch was returned, or -1 */
	bool		carry_valid;	/* a batch's last key, held back */
	int			carry_ci;		/* its cursor */
	LakeNormKey carry_nk;
	PqColumnVector *carry_row;	/* [ncolumns] wanted and key columns */
	MemoryContext carry_cxt;	/* its bytes */

	LakeScanStats stats;
};

/* table_scan.c */
extern const LakePredicate *LakeScanSourcePredicateSet(LakeScan *scan, LakeFileReader *r,
														ScanSource *src);
extern bool LakeScanFileNeedsFilter(LakeFileReader *r, LakeDataFile *f);
extern uint32 LakeScanBatchConvert(LakeScan *scan, PqColumnVector *cols, const bool *absent,
								   uint32 first, uint32 n, const uint8 *skip, bool compact);

/* merge_scan.c */
extern bool LakeScanMergeNextBatch(LakeScan *scan, LakeScanBatch *out, bool unordered);
extern bool LakeScanMergeNext(LakeScan *scan, Datum *values, bool *isnull);

/* ---------------------------------------------------------------------
 * The partition index (part_index.c), read by prune.c
 * ---------------------------------------------------------------------
 */
typedef struct LakePartIndexEntry
{
	const char *partition;		/* borrowed: the first file's string */
	int			first;			/* files[] index of its first file */
	int			nfiles;
	int		   *members;		/* [nfiles] files[] indexes, commit order */
	int		   *group_count;	/* [nfiles] committed files of the
								 * member's (partition, bucket) */
	PqValue    *values;			/* [ncols] partition values, or NULL: not
								 * ordered (a candidate of every search) */
} LakePartIndexEntry;

struct LakePartIndex
{
	List	   *list;			/* borrowed: the list indexed */
	int			nfiles;
	LakeDataFile **files;		/* [nfiles] the list as an array */
	int			ncols;			/* partition columns */
	int		   *cols;			/* [ncols] their lake column indexes */
	bool		searchable;		/* no floating-point partition column */
	int			nparts;
	LakePartIndexEntry *parts;	/* ordered entries [0, nordered) sorted by
								 * values, then the others */
	int			nordered;
	int		   *members;		/* storage of the entries' members */
	int		   *group_count;
	int		   *slots;			/* hash by partition string: entry + 1 */
	uint32		mask;
};

extern int	LakePartIndexFind(const LakePartIndex *ix, const char *partition);
extern int	LakePartIndexCandidates(const LakePartIndex *ix,
									const LakePredicate *part_pred, int **out);

#endif							/* LAKE_SCAN_INTERNAL_H */
