/*-------------------------------------------------------------------------
 * write_buffer.h
 *	  A transaction's pending rows for one lake table, held column-wise, and
 *	  their flush into Parquet data files (grouped by partition and bucket,
 *	  sorted by primary key on primary-key tables).
 *
 * Rows of primary-key tables are records (merge_engine.h): files carry
 * their kinds in _lake_kind, and the ops of blind upserts in _lake_ops.
 *
 * Every buffered row has a sequence number: its position among all rows the
 * transaction wrote to the table (0, 1, ...).  Data files carry it in the
 * hidden column _lake_seq, so that the order inside a commit is kept, rows
 * of a rolled-back savepoint can be dropped after a spill, and a scan in
 * the same transaction sees exactly the rows of earlier commands.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_WRITE_BUFFER_H
#define LAKE_WRITE_BUFFER_H

#include "postgres.h"
#include "mergetree/lake_types.h"
#include "mergetree/merge_engine.h"
#include "meta/meta.h"
#include "nodes/pg_list.h"

#define LAKE_SEQ_COLUMN		"_lake_seq"
/* footer key of files whose sequences are consecutive (no _lake_seq column) */
#define LAKE_FIRST_SEQ_KEY	"lake.first_seq"

/* What a flush needs to know about the table. */
typedef struct LakeFlushSpec
{
	const char *root;
	const char *table_dir_rel;	/* table path relative to root */
	int64		schema_id;
	int			ncolumns;
	const char *const *names;	/* column names, lake schema order */
	const int32 *column_ids;	/* lake column ids */
	const LakeTypeInfo *types;
	const bool *not_null;
	int			npartition;
	const int  *partition_cols; /* indexes into the columns */
	int			nkey;
	const int  *key_cols;
	int			buckets;
	const bool *bloom;			/* per column */
	int			codec;			/* PqCodec */
	int			compression_level;
	uint32		row_group_rows;
	/*
	 * Write changelog files (LAKE_FILE_CHANGELOG, "changelog-<uuid>"):
	 * _lake_kind holds LakeChangeKind, rows keep every value
	 */
	bool		changelog;
} LakeFlushSpec;

typedef struct LakeWriteBuffer LakeWriteBuffer;

/* Creates the buffer in a child context of parent. */
extern LakeWriteBuffer *LakeWriteBufferCreate(MemoryContext parent,
											  const LakeFlushSpec *spec);

/* Append one row (values in lake schema order); returns its sequence. */
extern int64 LakeWriteBufferAppend(LakeWriteBuffer *buf, const Datum *values,
								   const bool *isnull);

/*
 * Append one record of a primary-key table: its kind, and for LAKE_REC_OPS
 * its ops string (see merge_engine.h).  A tombstone's non-key values are
 * NULL.  LakeWriteBufferAppend appends an ENGINE record.
 */
extern int64 LakeWriteBufferAppendRecord(LakeWriteBuffer *buf, const Datum *values,
										 const bool *isnull, LakeRecordKind kind,
										 const char *ops);

/*
 * Append one change of a changelog buffer (spec.changelog): every value is
 * kept, -D included.  Returns its sequence.
 */
extern int64 LakeWriteBufferAppendChange(LakeWriteBuffer *buf, const Datum *values,
										 const bool *isnull, LakeChangeKind kind);

/* Number the next appended row seq (only while the buffer is empty). */
extern void LakeWriteBufferSetFirstSeq(LakeWriteBuffer *buf, int64 seq);

/* rows held in memory, and the sequence of the first of them */
extern int64 LakeWriteBufferRows(const LakeWriteBuffer *buf);
extern int64 LakeWriteBufferFirstSeq(const LakeWriteBuffer *buf);
/* sequence the next appended row gets */
extern int64 LakeWriteBufferNextSeq(const LakeWriteBuffer *buf);
extern Size LakeWriteBufferMemory(const LakeWriteBuffer *buf);

/* Forget every in-memory row with sequence >= seq. */
extern void LakeWriteBufferTruncate(LakeWriteBuffer *buf, int64 seq);

/*
 * Write the in-memory rows as data files (durable) and empty the buffer.
 * Returns a List of LakeDataFile* (level 0, sequences set, stats filled).
 */
extern List *LakeWriteBufferFlush(LakeWriteBuffer *buf);

/*
 * Read access for scans of the transaction's own writes: column i of the
 * in-memory rows [0, LakeWriteBufferRows) as a vector.
 */
extern void LakeWriteBufferColumn(const LakeWriteBuffer *buf, int column,
								  PqColumnVector *out);

/* The partition string (directory) and bucket a row's key goes to */
extern char *LakeKeyPartition(const LakeFlushSpec *spec, const Datum *values,
							  const bool *isnull);
extern int32 LakeKeyBucket(const LakeFlushSpec *spec, const Datum *values);

/* Per-file statistics codec shared with the scan layer */
extern bytea *LakeStatsEncode(const PqValue *value);
extern bool LakeStatsDecode(const bytea *b, const LakeTypeInfo *ti, PqValue *out);

/* A Parquet-layer allocator drawing from cxt (must outlive its users) */
extern void LakeAllocatorInit(PqAllocator *alloc, MemoryContext cxt);

/* ereport a Parquet layer error, naming the file */
extern void LakeReportParquetError(const PqError *err, const char *path) pg_attribute_noreturn();

#endif							/* LAKE_WRITE_BUFFER_H */
