/*-------------------------------------------------------------------------
 * scan.h
 *	  Public API of the scan layer: reading a lake table's rows at one
 *	  snapshot (plus the reading transaction's own pending writes) as
 *	  rows of Datums or as batches of column vectors.
 *
 * A LakeScan is given the files to read, the columns wanted and, for
 * primary-key tables, the key columns: append tables stream file after
 * file; primary-key tables merge the sorted runs of each partition and
 * bucket so that only the newest version of each key comes out.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_SCAN_H
#define LAKE_SCAN_H

#include "postgres.h"
#include "lib/ilist.h"
#include "mergetree/lake_types.h"
#include "mergetree/merge_engine.h"
#include "mergetree/write_buffer.h"
#include "meta/meta.h"
#include "scan/predicate.h"

/* ---------------------------------------------------------------------
 * One data file
 * ---------------------------------------------------------------------
 */
typedef struct LakeFileReader LakeFileReader;

/* A batch of one file: vectors of the projected columns. */
typedef struct LakeFileBatch
{
	uint32		nrows;
	PqColumnVector *columns;	/* [ncolumns]; count 0 = column absent from
								 * the file (reads as NULL) */
	bool	   *absent;			/* [ncolumns] */
	const int64 *seq;			/* _lake_seq per row, or NULL */
	const int32 *kind;			/* _lake_kind per row (LakeRecordKind), or
								 * NULL: every row is LAKE_REC_ENGINE */
	const PqColumnVector *ops;	/* _lake_ops, or NULL: no OPS record */
	const bool *deferred;		/* [ncolumns] column left out (vector empty):
								 * LakeFileReaderFetchRows; NULL: none */
} LakeFileBatch;

extern LakeFileReader *LakeFileReaderOpen(const char *path, const char *display_name);

/* Project the named columns (their types must match the file's). */
extern void LakeFileReaderProject(LakeFileReader *r, int ncolumns,
								  const char *const *names,
								  const LakeTypeInfo *types, bool want_seq);

/* The same, also reading the record columns (kind, ops) when want_records */
extern void LakeFileReaderProjectRecords(LakeFileReader *r, int ncolumns,
										 const char *const *names,
										 const LakeTypeInfo *types, bool want_seq,
										 bool want_records);
/* record kinds the file holds (footer letters E S D O) */
extern const char *LakeFileReaderKinds(LakeFileReader *r);

/* Next batch; false at end of file.  Vectors valid until the next call. */
extern bool LakeFileReaderNext(LakeFileReader *r, LakeFileBatch *batch);
extern int64 LakeFileReaderNumRows(LakeFileReader *r);

struct LakeScanStats;

/*
 * Skip row groups (chunk statistics, bloom filters) and pages (page index)
 * where no row can satisfy pred (columns by lake index, found in the file
 * by names[]); counts go to *stats.  Call after Project, before Next.
 */
extern void LakeFileReaderSetPredicate(LakeFileReader *r, const LakePredicate *pred,
									   int ncolumns, const char *const *names,
									   struct LakeScanStats *stats);
/*
 * Late materialisation: deliver only the rows that may match that
 * predicate, decoding the other columns at those rows only.  Call after
 * SetPredicate, before Next; a no-op where it cannot help.
 */
extern void LakeFileReaderSetRowFilter(LakeFileReader *r);
/*
 * Key seek (after SetRowFilter): the predicate implies column = *key
 * (borrowed), and the file is sorted by column where the lake columns
 * const_cols[0..nconst) are constant: such row groups are binary-searched.
 */
extern void LakeFileReaderSetKeySeek(LakeFileReader *r, int column, const PqValue *key,
									 const int *const_cols, int nconst,
									 const char *const *names);
/*
 * Deferred columns: Next leaves the projected columns with defer[i] set
 * (not read by the predicate) out of its batches (batch->deferred), and
 * FetchRows decodes them at rows pos[0..n) of the batch just delivered
 * (ascending, each above those of earlier calls for the batch) into the
 * deferred entries of the returned vectors [ncolumns], rows 0..n-1, valid
 * until the next FetchRows or Next.  SetDeferred: after SetRowFilter,
 * before Next; a no-op where it cannot help.
 */
extern void LakeFileReaderSetDeferred(LakeFileReader *r, const bool *defer);
extern const PqColumnVector *LakeFileReaderFetchRows(LakeFileReader *r, const uint32 *pos,
													 uint32 n);
/* setting lake_fdw.enable_late_materialize (the scan layer applies it) */
extern PGDLLIMPORT bool lake_enable_late_materialize;
extern uint64 LakeFileReaderBytesRead(LakeFileReader *r);
extern void LakeFileReaderClose(LakeFileReader *r);

/* ---------------------------------------------------------------------
 * Reader cache (reader_cache.c): parsed footers and page indexes of data
 * files kept across statements, bounded by lake_fdw.metadata_cache_size
 * ---------------------------------------------------------------------
 */
typedef struct LakeCachedReader
{
	MemoryContext cxt;			/* owns this struct and everything below */
	char	   *path;			/* absolute */
	uint64		size;			/* file size the footer was read from */
	PqAllocator alloc;			/* draws from cxt */
	PqReader   *pq;				/* NULL until opened */
	Size		bytes;			/* of cxt, while cached */
	dlist_node	lru;
} LakeCachedReader;

/*
 * The cached reader of path if its size matches (removed from the cache,
 * its context moved under CurrentMemoryContext), else NULL; New makes an
 * empty one under CurrentMemoryContext; Give hands a reader back (or frees
 * it when the cache is off or full).
 */
extern LakeCachedReader *LakeReaderCacheTake(const char *path, uint64 size);
extern LakeCachedReader *LakeReaderCacheNew(const char *path, uint64 size);
extern void LakeReaderCacheGive(LakeCachedReader *cr);
extern void LakeReaderCacheGetStats(LakeMetaCacheStats *stats);
extern void LakeReaderCacheReset(void);

/* ---------------------------------------------------------------------
 * A whole table
 * ---------------------------------------------------------------------
 */
/*
 * A row filter (LakeScanSpec.filter): rows 0..nrows-1 of a batch, as Datum
 * buffers indexed [lake column][row] holding the filter columns of every
 * row not yet skipped; sets skip[r] for each such row r that fails and
 * returns how many it set.  Rows with skip[r] already set must not be
 * looked at (hidden versions, rows the predicate rules out).
 */
typedef uint32 (*LakeScanRowFilter) (void *arg, uint32 nrows, Datum *const *values,
									 bool *const *isnull, uint8 *skip);

typedef struct LakeScanSpec
{
	const char *root;
	const char *table_rel;
	int			ncolumns;		/* the lake schema's columns */
	const char *const *names;
	const LakeTypeInfo *types;
	const bool *wanted;			/* per column: does the query need it? */
	int			nkey;			/* 0 = append table */
	const int  *key_cols;
	/* primary-key tables: how versions merge; NULL = deduplicate */
	const LakeMergeConfig *merge;
	List	   *files;			/* LakeDataFile*, committed, in commit order */
	/* the reading transaction's own writes */
	List	   *pending_files;	/* LakeDataFile*, seq-ordered */
	LakeWriteBuffer *pending_buffer;	/* or NULL */
	int64		pending_limit;	/* only own rows with seq < this */

	/*
	 * Data skipping (NULL = none).  predicate holds for every row the query
	 * can return; key_predicate is its part on key columns.  Files of
	 * primary-key tables use predicate only where full_predicate[i] is set
	 * (files[i] holds the only version of each of its keys: prune.c),
	 * key_predicate otherwise.  Append tables use predicate.
	 */
	const LakePredicate *predicate;
	const LakePredicate *key_predicate;
	const bool *full_predicate; /* [list_length(files)], or NULL */

	/*
	 * Primary-key tables: LakeScanNext may return rows in any key order
	 * (a foreign scan: PostgreSQL is promised no order).  Unset, rows come
	 * in key order per partition and bucket.  LakeScanNextBatch always
	 * returns them in any order.
	 */
	bool		any_order;

	/*
	 * Row filter (NULL = none): per batch of visible rows (after the merge
	 * chose each key's version, after sequence limits and the predicate),
	 * the columns in filter_cols are converted first and filter decides
	 * which rows survive; only survivors have the other wanted columns
	 * converted (LakeScanNext) or decoded (append files, LakeScanNextBatch),
	 * and only they are returned.
	 */
	LakeScanRowFilter filter;
	void	   *filter_arg;
	const bool *filter_cols;	/* [ncolumns], each also wanted */
} LakeScanSpec;

typedef struct LakeScan LakeScan;

/* Sort committed files into version order, as LakeScanSpec.files wants */
extern List *LakeScanSortFiles(List *files);

/*
 * A spec reading committed files (version order) of a primary-key table
 * as its writers describe it (flush spec: columns, key), merged with merge:
 * no pending rows, no predicate.  Compaction and changelog writers.
 */
extern void LakeScanSpecForBucket(LakeScanSpec *ss, const LakeFlushSpec *flush,
								  const LakeMergeConfig *merge, const bool *wanted,
								  List *files);

extern LakeScan *LakeScanBegin(const LakeScanSpec *spec, MemoryContext cxt);

/*
 * Next row: fills values/isnull (lake schema order) for the wanted columns;
 * the others are left untouched.  Returns false at the end.  By-reference values live until the
 * next call.
 */
extern bool LakeScanNext(LakeScan *scan, Datum *values, bool *isnull);

/*
 * The next batch of rows as column vectors, for consumers that work
 * column-wise (aggregation).  Rows [first, first + nrows) of the vectors
 * of the wanted columns (lake order) are the batch; absent[i] (when absent
 * is set) means column i reads as NULL; skip[k] nonzero means batch row k
 * is not visible: its sequence lies beyond what the snapshot or the
 * transaction's pending limit covers, the predicate or the row filter
 * rules it out, or (primary-key tables) a newer version of its key
 * follows.  Rows come in no particular key order.
 * Returns false at the end.  Vectors are
 * valid until the next call.  A scan is read either with LakeScanNext or
 * with LakeScanNextBatch, not both.
 */
typedef struct LakeScanBatch
{
	uint32		nrows;
	uint32		first;
	const PqColumnVector *columns;	/* [ncolumns] */
	const bool *absent;			/* [ncolumns], or NULL */
	const uint8 *skip;			/* [nrows], or NULL */
} LakeScanBatch;

extern bool LakeScanNextBatch(LakeScan *scan, LakeScanBatch *batch);
extern void LakeScanRescan(LakeScan *scan);
extern void LakeScanEnd(LakeScan *scan);

typedef struct LakeScanStats
{
	int64		files_total;
	int64		files_read;
	int64		rows_read;
	uint64		bytes_read;
	int64		pending_rows;
	/* data skipping (prune.c, file_reader.c) */
	int64		partitions_total;
	int64		partitions_read;
	int64		row_groups_total;	/* in the files read */
	int64		row_groups_read;
	int64		pages_total;	/* of the columns read, in row groups read */
	int64		pages_read;		/* decoded */
	int64		bloom_rejected; /* files or row groups */
	int64		key_seeks;		/* row groups whose sorted key was binary-searched */
} LakeScanStats;

extern void LakeScanGetStats(LakeScan *scan, LakeScanStats *stats);

/* Add the counters of b to a. */
extern void LakeScanStatsAdd(LakeScanStats *a, const LakeScanStats *b);

/* ---------------------------------------------------------------------
 * Pruning before a scan (prune.c)
 * ---------------------------------------------------------------------
 */
typedef struct LakePartIndex LakePartIndex;

typedef struct LakePruneSpec
{
	int			ncolumns;		/* lake schema columns */
	const LakeTypeInfo *types;
	const int32 *column_ids;
	const bool *partition_col;	/* [ncolumns] */
	int			nkey;			/* 0 = append table */
	const int  *key_cols;
	int			buckets;		/* of a primary-key table */
	const LakePredicate *predicate;
	/* the partition index of the committed files pruned, or NULL */
	const LakePartIndex *index;
} LakePruneSpec;

/*
 * The partition index of files (committed, commit order), for
 * LakePruneSpec.index: built once per list (part_index.c), in
 * CurrentMemoryContext; files must outlive it.  NULL when ps's table has
 * no partition columns.  Only ps's layout (columns, types, partition
 * columns) is used.
 */
extern LakePartIndex *LakePartIndexBuild(List *files, const LakePruneSpec *ps);
/* Distinct partitions of the indexed files. */
extern int	LakePartIndexPartitions(const LakePartIndex *ix);
/* Files of a partition ("" if none): positions in the list, commit order; returns how many. */
extern int	LakePartIndexMembers(const LakePartIndex *ix, const char *partition,
								 const int **positions);
extern LakeDataFile *LakePartIndexFile(const LakePartIndex *ix, int pos);
/* Position in the indexed list of the file at path in partition ("" if none), or -1. */
extern int	LakePartIndexFileAt(const LakePartIndex *ix, const char *partition,
								const char *path);

/*
 * Drop the partitions and files where no row can satisfy the predicate
 * (on primary-key tables, a non-key predicate only where invariant 5 lets
 * it): *files_out / *pending_out keep the survivors in order, *full_out
 * (parallel to *files_out) says which may use non-key predicates inside,
 * *key_pred_out is the predicate's part on key columns.  Sets the
 * partition and file counters of *stats.  With ps->index (of files) only
 * the partitions the predicate can select are visited: no work per file
 * of the others.
 */
extern void LakePruneFiles(const LakePruneSpec *ps, List *files, List *pending,
						   List **files_out, List **pending_out, bool **full_out,
						   const LakePredicate **key_pred_out, LakeScanStats *stats);

/* ---------------------------------------------------------------------
 * Changes of a snapshot range (changelog.c)
 * ---------------------------------------------------------------------
 */
typedef struct LakeChangeSnapshot
{
	int64		snapshot_id;
	TimestampTz commit_time;
	List	   *files;			/* LakeDataFile*: read in this order */
} LakeChangeSnapshot;

typedef struct LakeChangeSpec
{
	const char *root;
	const char *table_rel;
	int			ncolumns;		/* the lake schema's columns */
	const char *const *names;
	const LakeTypeInfo *types;
	const bool *wanted;			/* columns read (the others: left alone) */
	bool		want_kind;		/* does the caller use LakeChange.kind? */
	int64		first_snapshot; /* the range [first, last] */
	int64		last_snapshot;
	List	   *snapshots;		/* LakeChangeSnapshot*, ascending ids, within
								 * the range (snapshots without changes may
								 * be left out) */
	int64		first_skip;		/* changes of first_snapshot already consumed:
								 * skipped */
} LakeChangeSpec;

typedef struct LakeChange
{
	LakeChangeKind kind;
	int64		snapshot_id;
	TimestampTz commit_time;
} LakeChange;

typedef struct LakeChangeScan LakeChangeScan;

extern LakeChangeScan *LakeChangeScanBegin(const LakeChangeSpec *spec, MemoryContext parent);
/* Next change: values of the wanted columns (lake order); false at the end */
extern bool LakeChangeScanNext(LakeChangeScan *cs, Datum *values, bool *isnull,
							   LakeChange *change);
/* Highest snapshot id whose changes were all returned (first - 1 if none) */
extern int64 LakeChangeScanCompleted(LakeChangeScan *cs);

/*
 * What the scan has returned so far, as a position: every change of the
 * snapshots up to *snapshot, and the first *offset changes (in scan order,
 * skipped ones included) of the next one.
 */
extern void LakeChangeScanPosition(LakeChangeScan *cs, int64 *snapshot, int64 *offset);
extern void LakeChangeScanRescan(LakeChangeScan *cs);
extern void LakeChangeScanGetStats(LakeChangeScan *cs, LakeScanStats *stats);
extern void LakeChangeScanEnd(LakeChangeScan *cs);

#endif							/* LAKE_SCAN_H */
