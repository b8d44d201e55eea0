/*-------------------------------------------------------------------------
 * table_scan.c
 *	  Reads a lake table at one snapshot, plus the reading transaction's
 *	  own pending writes, row by row.
 *
 * Sources, in version order: the snapshot's files (commit order), the
 * transaction's spilled files, its in-memory buffer.  Append tables stream
 * them one after another, converting each batch column-wise into Datum
 * arrays.  Primary-key tables merge, per partition and bucket, the sorted
 * runs of every source: of all versions of a key, the one from the latest
 * source (and, inside a file, the last) wins.
 *
 * Rows a file holds but its manifest entry no longer covers (a savepoint
 * rolled back after a spill) are dropped by their _lake_seq.
 *
 * LakeScanNextBatch reads the same rows as column vectors with a skip
 * vector instead (column-wise consumers: aggregation); on primary-key
 * tables, runs that do not overlap are streamed that way too, and only
 * overlapping stretches are merged row by row.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "scan/scan.h"
#include "utils/memutils.h"

#define BUFFER_CHUNK_ROWS 8192
#define MERGE_CHUNK_ROWS 1024	/* merged rows per batch (LakeScanNextBatch) */

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
	const LakePredicate *row_pred;	/* rows that cannot match, or NULL */
	const char *const *read_names;	/* borrowed from the scan */
	uint8	   *may_match;		/* [batch.nrows] row_pred per row of the batch */
	uint32		may_match_cap;
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
	Datum	  **colvals;		/* [ncolumns][batch] */
	bool	  **colnulls;

	/* merge mode */
	int			ngroups;
	int		   *group_start;	/* index into sources, ngroups + 1 */
	int			next_group;
	int			ncursors;
	MergeCursor *cursors;
	void	  **key_copy;		/* current key, copied */
	LakeMergeState *fold;		/* folds the versions of one key */
	const LakeMergeConfig *merge;
	size_t	   *value_size;		/* [ncolumns] LakeTypeValueSize */

	/*
	 * merge mode read by batches (LakeScanNextBatch): a group of one source
	 * streams its file batches, hiding older versions of a key by a skip
	 * vector; the newest row of a batch is held back (carried) until the
	 * next batch shows whether the key continues.  Groups of several
	 * sources are merged row by row into chunk vectors.
	 */
	bool		group_open;
	uint8	   *skip_buf;		/* [skip_size] */
	uint32		skip_size;
	bool		held;			/* a batch waits behind an emitted carry */
	LakeScanBatch held_batch;
	int			carry_cur;		/* which carry holds the pending row */
	bool		carry_valid;
	bool		carry_deleted;	/* the carried row is a tombstone */
	PqColumnVector *carry[2];	/* [ncolumns] one-row vectors */
	bool	   *carry_absent[2];
	uint8	   *carry_store[2]; /* [ncolumns * 16] value slots */
	uint8	   *carry_nulls[2]; /* [ncolumns] */
	MemoryContext carry_cxt[2]; /* bytes of the carried row */
	PqColumnVector *chunk;		/* [ncolumns], wanted columns */
	MemoryContext chunk_cxt;	/* bytes of the chunk's rows */

	LakeScanStats stats;
};

/* merge groups: partition, then bucket */
static int
group_cmp(const ScanSource *x, const ScanSource *y)
{
	int			c = strcmp(x->partition, y->partition);

	if (c != 0)
		return c;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return 0;
}

static int
source_cmp(const void *a, const void *b)
{
	const ScanSource *x = a;
	const ScanSource *y = b;
	int			c = group_cmp(x, y);

	if (c != 0)
		return c;
	/*
	 * Same group: version order.  Committed files by the snapshot that
	 * committed their rows (compaction output keeps its inputs' newest),
	 * then sequence; the transaction's own writes after them, as given
	 * (the sort below is stable).
	 */
	if (x->pending != y->pending)
		return x->pending ? 1 : -1;
	if (x->pending)
		return 0;
	if (x->file->data_snapshot_id != y->file->data_snapshot_id)
		return x->file->data_snapshot_id < y->file->data_snapshot_id ? -1 : 1;
	if (x->file->min_sequence != y->file->min_sequence)
		return x->file->min_sequence < y->file->min_sequence ? -1 : 1;
	return 0;
}

static int
file_version_cmp(const ListCell *a, const ListCell *b)
{
	LakeDataFile *x = lfirst(a);
	LakeDataFile *y = lfirst(b);

	if (x->data_snapshot_id != y->data_snapshot_id)
		return x->data_snapshot_id < y->data_snapshot_id ? -1 : 1;
	if (x->min_sequence != y->min_sequence)
		return x->min_sequence < y->min_sequence ? -1 : 1;
	return 0;
}

List *
LakeScanSortFiles(List *files)
{
	list_sort(files, file_version_cmp);
	return files;
}

LakeScan *
LakeScanBegin(const LakeScanSpec *spec, MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "lake_fdw scan",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	LakeScan   *scan = palloc0(sizeof(LakeScan));
	ListCell   *lc;
	int			n = 0;

	scan->spec = *spec;
	scan->cxt = cxt;
	scan->source_cxt = AllocSetContextCreate(cxt, "lake_fdw scan source",
											 ALLOCSET_DEFAULT_SIZES);
	scan->batch_cxt = AllocSetContextCreate(cxt, "lake_fdw scan batch",
											ALLOCSET_DEFAULT_SIZES);
	scan->read_names = palloc0(sizeof(char *) * Max(spec->ncolumns, 1));
	for (int i = 0; i < spec->ncolumns; i++)
		if (spec->wanted[i])
			scan->read_names[i] = spec->names[i];
	for (int k = 0; k < spec->nkey; k++)
		scan->read_names[spec->key_cols[k]] = spec->names[spec->key_cols[k]];
	if (spec->nkey > 0)
	{
		scan->merge = spec->merge;
		if (scan->merge == NULL)
		{
			int32	   *ids = palloc(sizeof(int32) * Max(spec->ncolumns, 1));

			for (int i = 0; i < spec->ncolumns; i++)
				ids[i] = i;
			scan->merge = LakeMergeConfigBuild("deduplicate", spec->ncolumns, spec->names,
											   spec->types, ids, NULL, spec->nkey,
											   spec->key_cols, -1);
		}
		if (scan->merge->sequence_col >= 0)
			scan->read_names[scan->merge->sequence_col] =
				spec->names[scan->merge->sequence_col];
	}
	scan->wanted_cols = palloc(sizeof(int) * Max(spec->ncolumns, 1));
	for (int i = 0; i < spec->ncolumns; i++)
		if (spec->wanted[i])
			scan->wanted_cols[scan->nwanted++] = i;

	scan->sources = palloc0(sizeof(ScanSource) *
							(list_length(spec->files) + list_length(spec->pending_files) + 1));
	foreach(lc, spec->files)
	{
		LakeDataFile *f = lfirst(lc);

		scan->sources[n].file = f;
		scan->sources[n].partition = f->partition ? f->partition : "";
		scan->sources[n].bucket = f->bucket;
		scan->sources[n].full_pred = spec->nkey == 0 ||
			(spec->full_predicate && spec->full_predicate[n]);
		n++;
	}
	foreach(lc, spec->pending_files)
	{
		LakeDataFile *f = lfirst(lc);

		scan->sources[n].file = f;
		scan->sources[n].pending = true;
		scan->sources[n].partition = f->partition ? f->partition : "";
		scan->sources[n].bucket = f->bucket;
		scan->sources[n].full_pred = spec->nkey == 0;
		n++;
	}
	if (spec->pending_buffer && LakeWriteBufferRows(spec->pending_buffer) > 0)
	{
		if (spec->nkey > 0)
			elog(ERROR, "primary-key scans need the write buffer flushed first");
		scan->sources[n].pending = true;
		scan->sources[n].partition = "";
		n++;
	}
	scan->nsources = n;
	scan->stats.files_total = list_length(spec->files) + list_length(spec->pending_files);

	/* the row buffers of convert_batch: allocated at its first use */
	scan->colvals = palloc0(sizeof(Datum *) * Max(spec->ncolumns, 1));
	scan->colnulls = palloc0(sizeof(bool *) * Max(spec->ncolumns, 1));

	if (spec->nkey > 0)
	{
		/* group sources by partition and bucket, version order inside */
		ScanSource *sorted = palloc(sizeof(ScanSource) * Max(n, 1));
		int		   *order = palloc(sizeof(int) * Max(n, 1));

		for (int i = 0; i < n; i++)
			order[i] = i;
		/* insertion sort keeps it stable; source counts are modest */
		for (int i = 1; i < n; i++)
		{
			int			v = order[i];
			int			j = i - 1;

			while (j >= 0 && source_cmp(&scan->sources[order[j]], &scan->sources[v]) > 0)
			{
				order[j + 1] = order[j];
				j--;
			}
			order[j + 1] = v;
		}
		for (int i = 0; i < n; i++)
			sorted[i] = scan->sources[order[i]];
		scan->sources = sorted;
		scan->group_start = palloc(sizeof(int) * (n + 1));
		for (int i = 0; i < n; i++)
			if (i == 0 || group_cmp(&sorted[i - 1], &sorted[i]) != 0)
				scan->group_start[scan->ngroups++] = i;
		scan->group_start[scan->ngroups] = n;
		scan->key_copy = palloc0(sizeof(void *) * spec->nkey);
		{
			bool	   *need = palloc0(sizeof(bool) * Max(spec->ncolumns, 1));

			for (int i = 0; i < spec->ncolumns; i++)
				need[i] = scan->read_names[i] != NULL;
			scan->fold = LakeMergeStateCreate(scan->merge, need, cxt);
		}
	}
	scan->value_size = palloc(sizeof(size_t) * Max(spec->ncolumns, 1));
	for (int i = 0; i < spec->ncolumns; i++)
		scan->value_size[i] = LakeTypeValueSize(&spec->types[i]);
	MemoryContextSwitchTo(old);
	return scan;
}

/*
 * Give a freshly projected reader the predicate its source may use; returns
 * it (NULL: none) for filtering the rows of its batches.
 */
static const LakePredicate *
set_source_predicate(LakeScan *scan, LakeFileReader *r, ScanSource *src)
{
	const LakePredicate *pred = src->full_pred ? scan->spec.predicate
		: scan->spec.key_predicate;

	/* with any predicate, row groups are counted even where none applies */
	if (scan->spec.predicate)
		LakeFileReaderSetPredicate(r, pred, scan->spec.ncolumns, scan->spec.names,
								   &scan->stats);
	return LakePredIsTrue(pred) ? NULL : pred;
}

/* Does the file hold rows its manifest entry leaves out? */
static bool
file_needs_filter(LakeFileReader *r, LakeDataFile *f)
{
	return LakeFileReaderNumRows(r) != f->row_count;
}

/* ---------------------------------------------------------------------
 * Append mode
 * ---------------------------------------------------------------------
 */
static bool
append_open_next_source(LakeScan *scan)
{
	MemoryContext old;

	if (scan->reader)
	{
		scan->stats.bytes_read += LakeFileReaderBytesRead(scan->reader);
		LakeFileReaderClose(scan->reader);
		scan->reader = NULL;
	}
	MemoryContextReset(scan->source_cxt);
	if (scan->next_source >= scan->nsources)
		return false;
	scan->cur = &scan->sources[scan->next_source++];
	scan->cur_filter = false;
	if (scan->cur->file)
	{
		LakeDataFile *f = scan->cur->file;
		char	   *path;
		bool		filter;

		old = MemoryContextSwitchTo(scan->source_cxt);
		path = psprintf("%s/%s/%s", scan->spec.root, scan->spec.table_rel, f->path);
		scan->reader = LakeFileReaderOpen(path, path);
		filter = scan->cur->pending || file_needs_filter(scan->reader, f);
		LakeFileReaderProject(scan->reader, scan->spec.ncolumns, scan->read_names,
							  scan->spec.types, filter);
		scan->cur_pred = set_source_predicate(scan, scan->reader, scan->cur);
		MemoryContextSwitchTo(old);
		scan->cur_filter = filter;
		scan->cur_seq_max = scan->cur->pending ? scan->spec.pending_limit - 1 : f->max_sequence;
		scan->stats.files_read++;
	}
	else
	{
		scan->cur_pred = NULL;
		scan->buf_pos = 0;
		scan->cur_filter = true;
		scan->cur_seq_max = scan->spec.pending_limit - 1;
	}
	return true;
}

static void
convert_batch(LakeScan *scan, PqColumnVector *cols, const bool *absent,
			  uint32 first, uint32 n)
{
	MemoryContext old = MemoryContextSwitchTo(scan->batch_cxt);

	for (int i = 0; i < scan->spec.ncolumns; i++)
	{
		if (!scan->spec.wanted[i])
			continue;
		if (scan->colvals[i] == NULL)
		{
			/* a point lookup or probe of a merge scan never gets here */
			scan->colvals[i] = MemoryContextAlloc(scan->cxt, sizeof(Datum) *
												  Max(BUFFER_CHUNK_ROWS, 8192));
			scan->colnulls[i] = MemoryContextAlloc(scan->cxt, sizeof(bool) *
												   Max(BUFFER_CHUNK_ROWS, 8192));
		}
		if (absent && absent[i])
		{
			for (uint32 r = 0; r < n; r++)
				scan->colnulls[i][r] = true;
			continue;
		}
		LakeVectorToDatums(&scan->spec.types[i], &cols[i], first, n,
						   scan->colvals[i], scan->colnulls[i]);
	}
	MemoryContextSwitchTo(old);
}

static bool
append_next_batch(LakeScan *scan)
{
	for (;;)
	{
		MemoryContextReset(scan->batch_cxt);
		if (scan->cur == NULL && !append_open_next_source(scan))
			return false;
		if (scan->cur->file)
		{
			LakeFileBatch batch;

			if (!LakeFileReaderNext(scan->reader, &batch))
			{
				scan->cur = NULL;
				continue;
			}
			scan->pred_skip = NULL;
			if (scan->cur_pred && batch.nrows > 0)
			{
				/* rows the predicate rules out never reach PostgreSQL */
				uint32		keep = 0;

				scan->pred_skip = MemoryContextAlloc(scan->batch_cxt, batch.nrows);
				LakePredBatchMayMatch(scan->cur_pred, batch.columns, batch.absent,
									  scan->read_names, batch.nrows, scan->pred_skip);
				for (uint32 r = 0; r < batch.nrows; r++)
				{
					scan->pred_skip[r] = !scan->pred_skip[r];
					keep += !scan->pred_skip[r];
				}
				if (keep == 0)
					continue;
			}
			convert_batch(scan, batch.columns, batch.absent, 0, batch.nrows);
			scan->nrows = batch.nrows;
			scan->seq = batch.seq;
		}
		else
		{
			LakeWriteBuffer *buf = scan->spec.pending_buffer;
			int64		total = LakeWriteBufferRows(buf);
			uint32		n;
			PqColumnVector *cols;

			if (scan->buf_pos >= total)
			{
				scan->cur = NULL;
				continue;
			}
			n = (uint32) Min(total - scan->buf_pos, BUFFER_CHUNK_ROWS);
			cols = palloc(sizeof(PqColumnVector) * Max(scan->spec.ncolumns, 1));
			for (int i = 0; i < scan->spec.ncolumns; i++)
				LakeWriteBufferColumn(buf, i, &cols[i]);
			convert_batch(scan, cols, NULL, (uint32) scan->buf_pos, n);
			pfree(cols);
			scan->pred_skip = NULL;
			scan->seq = NULL;
			scan->seq_base = LakeWriteBufferFirstSeq(buf) + scan->buf_pos;
			scan->buf_pos += n;
			scan->nrows = n;
		}
		scan->pos = 0;
		return true;
	}
}

static bool
append_next(LakeScan *scan, Datum *values, bool *isnull)
{
	for (;;)
	{
		uint32		r;

		if (scan->cur == NULL || scan->pos >= scan->nrows)
		{
			if (!append_next_batch(scan))
				return false;
			if (scan->nrows == 0)
				continue;
		}
		r = scan->pos++;
		if (scan->pred_skip && scan->pred_skip[r])
			continue;
		if (scan->cur_filter)
		{
			int64		seq = scan->seq ? scan->seq[r] : scan->seq_base + r;

			if (seq > scan->cur_seq_max)
				continue;
		}
		/* only wanted columns are filled: callers read no others */
		for (int k = 0; k < scan->nwanted; k++)
		{
			int			i = scan->wanted_cols[k];

			values[i] = scan->colvals[i][r];
			isnull[i] = scan->colnulls[i][r];
		}
		scan->stats.rows_read++;
		return true;
	}
}

/*
 * The next batch of an append table as vectors (LakeScanNextBatch): the
 * same sources and the same sequence rules as append_next, without the
 * conversion to Datums.
 */
static bool
append_next_vector_batch(LakeScan *scan, LakeScanBatch *out)
{
	for (;;)
	{
		uint32		visible;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(scan->batch_cxt);
		if (scan->cur == NULL && !append_open_next_source(scan))
			return false;
		if (scan->cur->file)
		{
			LakeFileBatch batch;

			if (!LakeFileReaderNext(scan->reader, &batch))
			{
				scan->cur = NULL;
				continue;
			}
			if (batch.nrows == 0)
				continue;
			out->nrows = batch.nrows;
			out->first = 0;
			out->columns = batch.columns;
			out->absent = batch.absent;
			out->skip = NULL;
			visible = batch.nrows;
			if (scan->cur_filter && batch.seq)
			{
				uint8	   *skip = MemoryContextAlloc(scan->batch_cxt, batch.nrows);

				for (uint32 r = 0; r < batch.nrows; r++)
				{
					skip[r] = batch.seq[r] > scan->cur_seq_max;
					visible -= skip[r];
				}
				out->skip = skip;
			}
		}
		else
		{
			LakeWriteBuffer *buf = scan->spec.pending_buffer;
			int64		total = LakeWriteBufferRows(buf);
			int64		seq_base;
			uint32		n;
			PqColumnVector *cols;

			if (scan->buf_pos >= total)
			{
				scan->cur = NULL;
				continue;
			}
			n = (uint32) Min(total - scan->buf_pos, BUFFER_CHUNK_ROWS);
			seq_base = LakeWriteBufferFirstSeq(buf) + scan->buf_pos;
			/* buffer rows have consecutive sequences: keep a prefix */
			visible = (uint32) Max(Min(scan->cur_seq_max - seq_base + 1, (int64) n), 0);
			cols = MemoryContextAllocZero(scan->batch_cxt,
										  sizeof(PqColumnVector) * Max(scan->spec.ncolumns, 1));
			for (int k = 0; k < scan->nwanted; k++)
				LakeWriteBufferColumn(buf, scan->wanted_cols[k], &cols[scan->wanted_cols[k]]);
			out->nrows = visible;
			out->first = (uint32) scan->buf_pos;
			out->columns = cols;
			out->absent = NULL;
			out->skip = NULL;
			scan->buf_pos += n;
			if (visible == 0)
				continue;
		}
		scan->stats.rows_read += visible;
		return true;
	}
}

/* ---------------------------------------------------------------------
 * Merge mode (primary-key tables)
 * ---------------------------------------------------------------------
 */

/* Advance a cursor to its next visible row; false when exhausted. */
static bool
cursor_settle(MergeCursor *c)
{
	for (;;)
	{
		if (c->done)
			return false;
		if (c->pos >= c->batch.nrows)
		{
			if (!LakeFileReaderNext(c->reader, &c->batch))
			{
				c->done = true;
				return false;
			}
			c->pos = 0;
			if (c->row_pred && c->batch.nrows > 0)
			{
				/* evaluated column-wise once per batch */
				if (c->may_match_cap < c->batch.nrows)
				{
					c->may_match = MemoryContextAlloc(GetMemoryChunkContext(c->reader),
													  c->batch.nrows);
					c->may_match_cap = c->batch.nrows;
				}
				LakePredBatchMayMatch(c->row_pred, c->batch.columns, c->batch.absent,
									  c->read_names, c->batch.nrows, c->may_match);
			}
			continue;
		}
		if (c->filter && c->batch.seq && c->batch.seq[c->pos] > c->seq_max)
		{
			c->pos++;
			continue;
		}
		/* every version of a key fails a key predicate alike */
		if (c->row_pred && !c->may_match[c->pos])
		{
			c->pos++;
			continue;
		}
		return true;
	}
}

static const void *
cursor_value(LakeScan *scan, MergeCursor *c, int col)
{
	return (const char *) c->batch.columns[col].v.b + (size_t) c->pos * scan->value_size[col];
}

static int
cursor_key_cmp(LakeScan *scan, MergeCursor *a, void **key)
{
	for (int k = 0; k < scan->spec.nkey; k++)
	{
		int			col = scan->spec.key_cols[k];
		int			r = LakeValueCompareRaw(&scan->spec.types[col],
											cursor_value(scan, a, col), key[k]);

		if (r != 0)
			return r;
	}
	return 0;
}

static int
cursor_cmp(LakeScan *scan, MergeCursor *a, MergeCursor *b)
{
	for (int k = 0; k < scan->spec.nkey; k++)
	{
		int			col = scan->spec.key_cols[k];
		int			r = LakeValueCompareRaw(&scan->spec.types[col],
											cursor_value(scan, a, col),
											cursor_value(scan, b, col));

		if (r != 0)
			return r;
	}
	return 0;
}

/*
 * Does the newest version of a key alone give its row, for a file holding
 * these record kinds?  True for full rows and tombstones, and for ENGINE
 * records of a deduplicate table without a sequence_column.
 */
static bool
kinds_last_wins(LakeScan *scan, const char *kinds)
{
	if (scan->merge->sequence_col >= 0)
		return false;
	for (const char *k = kinds; *k; k++)
	{
		if (*k == 'S' || *k == 'D')
			continue;
		if (*k == 'E' && scan->merge->engine_replaces)
			continue;
		return false;
	}
	return true;
}

static inline LakeRecordKind
cursor_kind(MergeCursor *c)
{
	return c->batch.kind ? (LakeRecordKind) c->batch.kind[c->pos] : LAKE_REC_ENGINE;
}

static inline LakeRecordKind
batch_kind(const LakeFileBatch *b, uint32 r)
{
	return b->kind ? (LakeRecordKind) b->kind[r] : LAKE_REC_ENGINE;
}

/* Fold the cursor's current row into the key's state. */
static void
fold_cursor_row(LakeScan *scan, MergeCursor *c)
{
	LakeRecordKind kind = cursor_kind(c);
	const PqBytes *ops = NULL;

	if (kind == LAKE_REC_OPS)
	{
		if (c->batch.ops == NULL || (c->batch.ops->nulls && c->batch.ops->nulls[c->pos]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("lake data file \"%s\" has an OPS record without ops",
							c->src->file ? c->src->file->path : "(buffer)")));
		ops = &c->batch.ops->v.bytes[c->pos];
	}
	LakeMergeStateAdd(scan->fold, kind, ops, c->batch.columns, c->batch.absent, c->pos);
}

static bool
merge_open_next_group(LakeScan *scan)
{
	MemoryContext old;
	int			first,
				last;

	for (int i = 0; i < scan->ncursors; i++)
	{
		scan->stats.bytes_read += LakeFileReaderBytesRead(scan->cursors[i].reader);
		LakeFileReaderClose(scan->cursors[i].reader);
	}
	scan->ncursors = 0;
	MemoryContextReset(scan->source_cxt);
	if (scan->next_group >= scan->ngroups)
		return false;
	first = scan->group_start[scan->next_group];
	last = scan->group_start[scan->next_group + 1];
	scan->next_group++;

	old = MemoryContextSwitchTo(scan->source_cxt);
	scan->cursors = palloc0(sizeof(MergeCursor) * (last - first));
	for (int s = first; s < last; s++)
	{
		ScanSource *src = &scan->sources[s];
		MergeCursor *c = &scan->cursors[scan->ncursors++];
		char	   *path = psprintf("%s/%s/%s", scan->spec.root, scan->spec.table_rel,
									src->file->path);

		c->src = src;
		c->reader = LakeFileReaderOpen(path, path);
		c->filter = src->pending || file_needs_filter(c->reader, src->file);
		c->seq_max = src->pending ? scan->spec.pending_limit - 1 : src->file->max_sequence;
		LakeFileReaderProjectRecords(c->reader, scan->spec.ncolumns, scan->read_names,
									 scan->spec.types, c->filter, true);
		c->last_wins = kinds_last_wins(scan, LakeFileReaderKinds(c->reader));
		c->row_pred = set_source_predicate(scan, c->reader, src);
		c->read_names = scan->read_names;
		scan->stats.files_read++;
	}
	MemoryContextSwitchTo(old);
	return true;
}

static void *
copy_key_value(LakeScan *scan, MergeCursor *c, int col)
{
	const LakeTypeInfo *ti = &scan->spec.types[col];
	size_t		sz = LakeTypeValueSize(ti);
	void	   *dst = palloc(sz);

	memcpy(dst, cursor_value(scan, c, col), sz);
	if (sz == sizeof(PqBytes) && ti->pqtype != PQ_DECIMAL)
	{
		PqBytes    *b = dst;
		uint8	   *copy = palloc(Max(b->len, 1));

		memcpy(copy, b->ptr, b->len);
		b->ptr = copy;
	}
	return dst;
}

static void
emit_folded_row(LakeScan *scan, Datum *values, bool *isnull)
{
	const PqColumnVector *row = LakeMergeStateColumns(scan->fold);

	for (int i = 0; i < scan->spec.ncolumns; i++)
	{
		if (!scan->spec.wanted[i])
		{
			values[i] = (Datum) 0;
			isnull[i] = true;
			continue;
		}
		LakeVectorToDatums(&scan->spec.types[i], &row[i], 0, 1, &values[i], &isnull[i]);
	}
}

/* The cursor at the smallest key among those with rows left, or NULL. */
static MergeCursor *
merge_min_cursor(LakeScan *scan)
{
	MergeCursor *min = NULL;

	for (int i = 0; i < scan->ncursors; i++)
	{
		MergeCursor *c = &scan->cursors[i];

		if (!cursor_settle(c))
			continue;
		if (min == NULL || cursor_cmp(scan, c, min) < 0)
			min = c;
	}
	return min;
}

/* Copy min's key into scan->key_copy (CurrentMemoryContext). */
static void
merge_copy_key(LakeScan *scan, MergeCursor *min)
{
	for (int k = 0; k < scan->spec.nkey; k++)
		scan->key_copy[k] = copy_key_value(scan, min, scan->spec.key_cols[k]);
}

static bool
merge_next(LakeScan *scan, Datum *values, bool *isnull)
{
	MemoryContext old;

	MemoryContextReset(scan->batch_cxt);
	old = MemoryContextSwitchTo(scan->batch_cxt);
	for (;;)
	{
		MergeCursor *min;

		CHECK_FOR_INTERRUPTS();
		min = merge_min_cursor(scan);
		if (min == NULL)
		{
			MemoryContextSwitchTo(old);
			if (!merge_open_next_group(scan))
				return false;
			MemoryContextSwitchTo(scan->batch_cxt);
			continue;
		}

		/* copy the key: cursors may load new batches below */
		merge_copy_key(scan, min);

		/* cursors are in version order: fold the versions oldest first */
		LakeMergeStateReset(scan->fold);
		for (int i = 0; i < scan->ncursors; i++)
		{
			MergeCursor *c = &scan->cursors[i];

			while (cursor_settle(c) && cursor_key_cmp(scan, c, scan->key_copy) == 0)
			{
				fold_cursor_row(scan, c);
				scan->stats.rows_read++;
				c->pos++;
			}
		}
		if (!LakeMergeStateFinish(scan->fold))
		{
			MemoryContextReset(scan->batch_cxt);
			continue;			/* deleted */
		}
		emit_folded_row(scan, values, isnull);
		MemoryContextSwitchTo(old);
		return true;
	}
}

/* ---------------------------------------------------------------------
 * Entry points
 * ---------------------------------------------------------------------
 */
bool
LakeScanNext(LakeScan *scan, Datum *values, bool *isnull)
{
	bool		found;
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);

	if (scan->spec.nkey > 0)
		found = merge_next(scan, values, isnull);
	else
		found = append_next(scan, values, isnull);
	MemoryContextSwitchTo(old);
	return found;
}

/* ---------------------------------------------------------------------
 * Merge mode read by batches
 * ---------------------------------------------------------------------
 */
static bool
is_bytes_value(LakeScan *scan, int col)
{
	PqType		t = scan->spec.types[col].pqtype;

	return t == PQ_STRING || t == PQ_BYTES || t == PQ_JSON || t == PQ_UUID;
}

/* Copy row r of a batch's column into slot k of dst (bytes into cxt). */
static void
copy_raw_value(LakeScan *scan, int col, const PqColumnVector *src, bool absent,
			   uint32 r, PqColumnVector *dst, uint32 k, MemoryContext cxt)
{
	size_t		sz = scan->value_size[col];

	if (absent || (src->nulls && src->nulls[r]))
	{
		dst->nulls[k] = 1;
		return;
	}
	dst->nulls[k] = 0;
	memcpy(dst->v.b + (size_t) k * sz, src->v.b + (size_t) r * sz, sz);
	if (is_bytes_value(scan, col))
	{
		PqBytes    *b = &dst->v.bytes[k];
		uint8	   *copy = MemoryContextAlloc(cxt, Max(b->len, 1));

		memcpy(copy, b->ptr, b->len);
		b->ptr = copy;
	}
}

static int
key_rows_cmp(LakeScan *scan, const PqColumnVector *a, uint32 ra,
			 const PqColumnVector *b, uint32 rb)
{
	for (int k = 0; k < scan->spec.nkey; k++)
	{
		int			col = scan->spec.key_cols[k];
		size_t		sz = scan->value_size[col];
		int			c = LakeValueCompareRaw(&scan->spec.types[col],
											a[col].v.b + (size_t) ra * sz,
											b[col].v.b + (size_t) rb * sz);

		if (c != 0)
			return c;
	}
	return 0;
}

static inline bool
same_key_rows(LakeScan *scan, const PqColumnVector *a, uint32 ra,
			  const PqColumnVector *b, uint32 rb)
{
	return key_rows_cmp(scan, a, ra, b, rb) == 0;
}

static uint8 *
skip_buffer(LakeScan *scan, uint32 n)
{
	if (n > scan->skip_size)
	{
		scan->skip_buf = scan->skip_buf ?
			repalloc(scan->skip_buf, n) :
			MemoryContextAlloc(scan->cxt, n);
		scan->skip_size = n;
	}
	return scan->skip_buf;
}

static void
batch_mode_init(LakeScan *scan)
{
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);
	int			n = Max(scan->spec.ncolumns, 1);

	for (int j = 0; j < 2; j++)
	{
		scan->carry[j] = palloc0(sizeof(PqColumnVector) * n);
		scan->carry_absent[j] = palloc0(sizeof(bool) * n);
		scan->carry_store[j] = palloc0(sizeof(pq_int128) * n);
		scan->carry_nulls[j] = palloc0(n);
		scan->carry_cxt[j] = AllocSetContextCreate(scan->cxt, "lake_fdw scan carry",
												   ALLOCSET_SMALL_SIZES);
		for (int i = 0; i < scan->spec.ncolumns; i++)
		{
			scan->carry[j][i].type = scan->spec.types[i].pqtype;
			scan->carry[j][i].count = 1;
			scan->carry[j][i].nulls = &scan->carry_nulls[j][i];
			scan->carry[j][i].v.b = scan->carry_store[j] + sizeof(pq_int128) * i;
		}
	}
	scan->chunk = palloc0(sizeof(PqColumnVector) * n);
	for (int i = 0; i < scan->spec.ncolumns; i++)
	{
		if (!scan->spec.wanted[i])
			continue;
		scan->chunk[i].type = scan->spec.types[i].pqtype;
		scan->chunk[i].count = MERGE_CHUNK_ROWS;
		scan->chunk[i].nulls = palloc0(MERGE_CHUNK_ROWS);
		scan->chunk[i].v.b = palloc0(scan->value_size[i] * MERGE_CHUNK_ROWS);
	}
	scan->chunk_cxt = AllocSetContextCreate(scan->cxt, "lake_fdw scan chunk",
											ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(old);
}

/* Hold row r of the batch back as the carried row (carry slot j). */
static void
carry_row(LakeScan *scan, int j, const LakeFileBatch *batch, uint32 r)
{
	MemoryContextReset(scan->carry_cxt[j]);
	for (int i = 0; i < scan->spec.ncolumns; i++)
	{
		bool		absent = batch->absent[i];

		scan->carry_absent[j][i] = absent;
		if (scan->read_names[i] == NULL || absent)
			continue;
		copy_raw_value(scan, i, &batch->columns[i], false, r, &scan->carry[j][i], 0,
					   scan->carry_cxt[j]);
	}
}

static void
carry_batch(LakeScan *scan, int j, LakeScanBatch *out)
{
	out->nrows = 1;
	out->first = 0;
	out->columns = scan->carry[j];
	out->absent = scan->carry_absent[j];
	out->skip = NULL;
}

/*
 * The next batch of a group of one source whose newest version of a key
 * is its row (last_wins), or false when it is done.  Files are sorted by
 * key, versions of a key in sequence order: of equal adjacent keys only
 * the last visible row counts, and none if that one is a tombstone.
 */
static bool
single_next_batch(LakeScan *scan, LakeScanBatch *out)
{
	MergeCursor *c = &scan->cursors[0];

	for (;;)
	{
		LakeFileBatch *b = &c->batch;
		uint8	   *skip;
		int64		next_key = -1;	/* newest row of the key after r */
		int64		last_key = -1;	/* newest row of the batch's last key */
		uint32		visible = 0;
		bool		emit_carry = false;
		int			prev = scan->carry_cur;

		CHECK_FOR_INTERRUPTS();
		if (c->done || !LakeFileReaderNext(c->reader, b))
		{
			c->done = true;
			if (scan->carry_valid)
			{
				scan->carry_valid = false;
				if (!scan->carry_deleted)
				{
					carry_batch(scan, prev, out);
					return true;
				}
			}
			return false;
		}
		if (b->nrows == 0)
			continue;
		skip = skip_buffer(scan, b->nrows);

		/* visibility by sequence, then older versions of a key, backwards */
		for (int64 r = (int64) b->nrows - 1; r >= 0; r--)
		{
			skip[r] = c->filter && b->seq && b->seq[r] > c->seq_max;
			if (skip[r])
				continue;
			if (next_key >= 0 &&
				same_key_rows(scan, b->columns, (uint32) r, b->columns, (uint32) next_key))
			{
				skip[r] = 1;
				continue;
			}
			if (last_key < 0)
				last_key = r;
			next_key = r;
			if (batch_kind(b, (uint32) r) == LAKE_REC_DELETE)
				skip[r] = 1;
			else
				visible++;
		}
		scan->stats.rows_read += b->nrows;
		if (next_key < 0)
			continue;			/* nothing visible: any carry stays pending */

		/* the carried row is the newest of its key unless this batch goes on */
		if (scan->carry_valid)
		{
			if (same_key_rows(scan, scan->carry[prev], 0, b->columns, (uint32) next_key))
				scan->carry_valid = false;
			else if (!scan->carry_deleted)
				emit_carry = true;
		}
		/* hold back this batch's last key */
		scan->carry_cur = emit_carry ? 1 - prev : prev;
		carry_row(scan, scan->carry_cur, b, (uint32) last_key);
		scan->carry_valid = true;
		scan->carry_deleted = batch_kind(b, (uint32) last_key) == LAKE_REC_DELETE;
		if (!skip[last_key])
		{
			skip[last_key] = 1;
			visible--;
		}

		out->nrows = b->nrows;
		out->first = 0;
		out->columns = b->columns;
		out->absent = b->absent;
		out->skip = skip;
		if (emit_carry)
		{
			scan->held_batch = *out;
			scan->held = visible > 0;
			carry_batch(scan, prev, out);
			return true;
		}
		if (visible == 0)
			continue;
		return true;
	}
}

/*
 * Where the rest of the smallest cursor's batch holds keys below every
 * other cursor's next key (the runs do not overlap there), that part is
 * emitted as a slice of the batch, older versions inside it hidden.  The
 * rows of the batch's last key stay for the row-by-row merge: newer
 * versions of it may open the cursor's next batch.
 */
static bool
merged_slice(LakeScan *scan, MergeCursor *min, LakeScanBatch *out)
{
	LakeFileBatch *b = &min->batch;
	uint32		pos = min->pos;
	uint32		last = b->nrows - 1;
	uint32		tail = last;
	int64		next_vis = -1;
	uint8	   *skip;

	if (!min->last_wins)
		return false;
	while (tail > pos && same_key_rows(scan, b->columns, tail - 1, b->columns, last))
		tail--;
	if (tail <= pos + 1)
		return false;
	for (int i = 0; i < scan->ncursors; i++)
	{
		MergeCursor *c = &scan->cursors[i];

		if (c == min || !cursor_settle(c))
			continue;
		if (key_rows_cmp(scan, b->columns, tail - 1, c->batch.columns, c->pos) >= 0)
			return false;
	}
	skip = skip_buffer(scan, tail - pos);
	for (int64 r = (int64) tail - 1; r >= (int64) pos; r--)
	{
		uint32		k = (uint32) (r - pos);

		skip[k] = min->filter && b->seq && b->seq[r] > min->seq_max;
		if (skip[k])
			continue;
		if (next_vis >= 0 &&
			same_key_rows(scan, b->columns, (uint32) r, b->columns, (uint32) next_vis))
		{
			skip[k] = 1;
			continue;
		}
		next_vis = r;
		if (batch_kind(b, (uint32) r) == LAKE_REC_DELETE)
			skip[k] = 1;		/* the key's newest version is a tombstone */
	}
	scan->stats.rows_read += tail - pos;
	out->nrows = tail - pos;
	out->first = pos;
	out->columns = b->columns;
	out->absent = b->absent;
	out->skip = skip;
	min->pos = tail;
	return true;
}

/*
 * The next batch of a group of several sources: a slice of one source
 * (merged_slice) or chunk rows merged one by one; false when it is done.
 */
static bool
merged_next_batch(LakeScan *scan, LakeScanBatch *out)
{
	MemoryContext old;
	uint32		n = 0;

	MemoryContextReset(scan->chunk_cxt);
	while (n < MERGE_CHUNK_ROWS)
	{
		MergeCursor *min;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(scan->batch_cxt);
		min = merge_min_cursor(scan);
		if (min == NULL)
			break;
		if (n == 0 && merged_slice(scan, min, out))
			return true;
		old = MemoryContextSwitchTo(scan->batch_cxt);
		merge_copy_key(scan, min);
		MemoryContextSwitchTo(old);

		/* versions in order: fold them oldest first */
		LakeMergeStateReset(scan->fold);
		for (int i = 0; i < scan->ncursors; i++)
		{
			MergeCursor *c = &scan->cursors[i];

			while (cursor_settle(c) && cursor_key_cmp(scan, c, scan->key_copy) == 0)
			{
				fold_cursor_row(scan, c);
				scan->stats.rows_read++;
				c->pos++;
			}
		}
		if (!LakeMergeStateFinish(scan->fold))
			continue;			/* deleted */
		{
			const PqColumnVector *row = LakeMergeStateColumns(scan->fold);

			for (int k = 0; k < scan->nwanted; k++)
			{
				int			col = scan->wanted_cols[k];

				copy_raw_value(scan, col, &row[col], false, 0, &scan->chunk[col], n,
							   scan->chunk_cxt);
			}
		}
		n++;
	}
	if (n == 0)
		return false;
	out->nrows = n;
	out->first = 0;
	out->columns = scan->chunk;
	out->absent = NULL;
	out->skip = NULL;
	return true;
}

static bool
merge_next_vector_batch(LakeScan *scan, LakeScanBatch *out)
{
	if (scan->chunk == NULL)
		batch_mode_init(scan);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (scan->held)
		{
			*out = scan->held_batch;
			scan->held = false;
			return true;
		}
		if (!scan->group_open)
		{
			if (!merge_open_next_group(scan))
				return false;
			scan->group_open = true;
			scan->carry_valid = false;
			continue;
		}
		if (scan->ncursors == 1 && scan->cursors[0].last_wins)
		{
			if (single_next_batch(scan, out))
				return true;
		}
		else if (merged_next_batch(scan, out))
			return true;
		scan->group_open = false;
	}
}

bool
LakeScanNextBatch(LakeScan *scan, LakeScanBatch *batch)
{
	bool		found;
	MemoryContext old;

	old = MemoryContextSwitchTo(scan->cxt);
	if (scan->spec.nkey > 0)
		found = merge_next_vector_batch(scan, batch);
	else
		found = append_next_vector_batch(scan, batch);
	MemoryContextSwitchTo(old);
	return found;
}

static void
close_readers(LakeScan *scan)
{
	if (scan->reader)
	{
		scan->stats.bytes_read += LakeFileReaderBytesRead(scan->reader);
		LakeFileReaderClose(scan->reader);
		scan->reader = NULL;
	}
	for (int i = 0; i < scan->ncursors; i++)
	{
		scan->stats.bytes_read += LakeFileReaderBytesRead(scan->cursors[i].reader);
		LakeFileReaderClose(scan->cursors[i].reader);
	}
	scan->ncursors = 0;
}

void
LakeScanRescan(LakeScan *scan)
{
	close_readers(scan);
	MemoryContextReset(scan->source_cxt);
	MemoryContextReset(scan->batch_cxt);
	scan->cur = NULL;
	scan->next_source = 0;
	scan->next_group = 0;
	scan->nrows = scan->pos = 0;
	scan->group_open = false;
	scan->held = false;
	scan->carry_valid = false;
}

void
LakeScanGetStats(LakeScan *scan, LakeScanStats *stats)
{
	*stats = scan->stats;
	if (scan->reader)
		stats->bytes_read += LakeFileReaderBytesRead(scan->reader);
	for (int i = 0; i < scan->ncursors; i++)
		stats->bytes_read += LakeFileReaderBytesRead(scan->cursors[i].reader);
}

void
LakeScanEnd(LakeScan *scan)
{
	close_readers(scan);
	MemoryContextDelete(scan->cxt);
}
