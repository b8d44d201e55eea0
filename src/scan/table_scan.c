/*-------------------------------------------------------------------------
 * table_scan.c
 *	  Reads a lake table at one snapshot, plus the reading transaction's
 *	  own pending writes, row by row or by column vectors: the sources,
 *	  append mode and the entry points.
 *
 * Sources, in version order: the snapshot's files (commit order), the
 * transaction's spilled files, its in-memory buffer.  Append tables stream
 * them one after another, converting each batch column-wise into Datum
 * arrays (LakeScanNextBatch: the vectors themselves, with a skip vector).
 * Primary-key tables group their sources by partition and bucket and
 * merge each group's sorted runs: merge_scan.c.
 *
 * Rows a file holds but its manifest entry no longer covers (a savepoint
 * rolled back after a spill) are dropped by their _lake_seq.
 *
 * With a row filter (LakeScanSpec.filter), LakeScanBatchConvert converts
 * the filter's columns of the visible rows first, lets the filter mark the
 * rows that fail, and converts the other columns of the survivors only:
 * rows never visible (hidden versions, rows beyond the sequence limit)
 * are never shown to the filter.  Append sources go one step further:
 * their readers defer the other wanted columns (LakeFileReaderSetDeferred),
 * so that those are decoded from Parquet at the survivors only, not merely
 * converted there.  LakeScanNextBatch applies the same filter to its
 * vectors: the rows it rejects are skipped, and an append file's deferred
 * columns are decoded at the survivors, which then come compacted.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "scan/scan_internal.h"
#include "utils/memutils.h"

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

	/*
	 * Append tables with a row filter: the wanted columns it does not read
	 * are decoded at its survivors only.  Every row of an append source is
	 * visible but for its sequence, known before the filter runs.
	 */
	if (spec->nkey == 0 && spec->filter != NULL && lake_enable_late_materialize)
	{
		scan->defer_cols = palloc0(sizeof(bool) * Max(spec->ncolumns, 1));
		for (int i = 0; i < spec->ncolumns; i++)
			scan->defer_cols[i] = spec->wanted[i] && !spec->filter_cols[i];
	}

	/* the row buffers of LakeScanBatchConvert: allocated at its first use */
	scan->colvals = palloc0(sizeof(Datum *) * Max(spec->ncolumns, 1));
	scan->colnulls = palloc0(sizeof(bool *) * Max(spec->ncolumns, 1));

	scan->value_size = palloc(sizeof(size_t) * Max(spec->ncolumns, 1));
	for (int i = 0; i < spec->ncolumns; i++)
		scan->value_size[i] = LakeTypeValueSize(&spec->types[i]);
	scan->is_bytes = palloc(sizeof(bool) * Max(spec->ncolumns, 1));
	for (int i = 0; i < spec->ncolumns; i++)
	{
		PqType		t = spec->types[i].pqtype;

		scan->is_bytes[i] = t == PQ_STRING || t == PQ_BYTES || t == PQ_JSON || t == PQ_UUID;
	}
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
		{
			int			maxgroup = 1;
			bool	   *need = palloc0(sizeof(bool) * Max(spec->ncolumns, 1));

			for (int g = 0; g < scan->ngroups; g++)
				maxgroup = Max(maxgroup, scan->group_start[g + 1] - scan->group_start[g]);
			scan->at_key = palloc(sizeof(int) * maxgroup);
			for (int i = 0; i < spec->ncolumns; i++)
				need[i] = scan->read_names[i] != NULL;
			scan->fold = LakeMergeStateCreate(scan->merge, need, cxt);
		}
		scan->key_class = palloc(sizeof(KeyClass) * spec->nkey);
		for (int k = 0; k < spec->nkey; k++)
		{
			const LakeTypeInfo *ti = &spec->types[spec->key_cols[k]];
			size_t		sz = scan->value_size[spec->key_cols[k]];

			switch (ti->pqtype)
			{
				case PQ_INT16:
				case PQ_INT32:
				case PQ_DATE:
					scan->key_class[k] = sz == sizeof(int32) ? KEY_INT32 : KEY_OTHER;
					break;
				case PQ_INT64:
				case PQ_TIMESTAMP:
				case PQ_TIMESTAMPTZ:
					scan->key_class[k] = sz == sizeof(int64) ? KEY_INT64 : KEY_OTHER;
					break;
				case PQ_DECIMAL:
					scan->key_class[k] = ti->precision <= 18 && sz == sizeof(int64)
						? KEY_INT64 : KEY_OTHER;
					break;
				default:
					scan->key_class[k] = KEY_OTHER;
			}
		}
		{
			int			bits = 0;

			scan->norm_keys = true;
			for (int k = 0; k < spec->nkey; k++)
			{
				if (scan->key_class[k] == KEY_OTHER)
					scan->norm_keys = false;
				bits += scan->key_class[k] == KEY_INT32 ? 32 : 64;
			}
			if (bits > 128)
				scan->norm_keys = false;
			scan->heap_packed = scan->norm_keys && bits <= 96;
		}
		scan->key_row = palloc0(sizeof(PqColumnVector) * Max(spec->ncolumns, 1));
		for (int k = 0; k < spec->nkey; k++)
		{
			PqColumnVector *v = &scan->key_row[spec->key_cols[k]];

			v->type = spec->types[spec->key_cols[k]].pqtype;
			v->count = 1;
			v->nulls = palloc0(1);
			v->v.b = palloc0(sizeof(pq_int128));
		}
		scan->key_cxt = AllocSetContextCreate(cxt, "lake_fdw scan key",
											  ALLOCSET_SMALL_SIZES);
	}
	MemoryContextSwitchTo(old);
	return scan;
}

/*
 * The constant pred fixes column to by equality (a conjunct of it), or NULL.
 */
static const PqValue *
pred_key_equality(const LakePredicate *pred, int column)
{
	if (pred->kind == LAKE_PRED_CMP && pred->op == LAKE_OP_EQ && pred->column == column)
		return &pred->values[0];
	if (pred->kind == LAKE_PRED_IN && pred->nvalues == 1 && pred->column == column)
		return &pred->values[0];
	if (pred->kind == LAKE_PRED_AND)
		for (int i = 0; i < pred->nargs; i++)
		{
			const PqValue *v = pred_key_equality(pred->args[i], column);

			if (v)
				return v;
		}
	return NULL;
}

/*
 * Give a freshly projected reader the predicate its source may use; returns
 * it (NULL: none) for filtering the rows of its batches.
 */
const LakePredicate *
LakeScanSourcePredicateSet(LakeScan *scan, LakeFileReader *r, ScanSource *src)
{
	const LakePredicate *pred = src->full_pred ? scan->spec.predicate
		: scan->spec.key_predicate;

	/* with any predicate, row groups are counted even where none applies */
	if (scan->spec.predicate)
	{
		LakeFileReaderSetPredicate(r, pred, scan->spec.ncolumns, scan->spec.names,
								   &scan->stats);
		/* the caller drops the rows pred rejects: the reader need not decode them */
		if (lake_enable_late_materialize)
		{
			const PqValue *key;

			LakeFileReaderSetRowFilter(r);
			key = scan->spec.nkey > 0 && pred ?
				pred_key_equality(pred, scan->spec.key_cols[scan->spec.nkey - 1]) : NULL;
			if (key)
				LakeFileReaderSetKeySeek(r, scan->spec.key_cols[scan->spec.nkey - 1], key,
										 scan->spec.key_cols, scan->spec.nkey - 1,
										 scan->spec.names);
		}
	}
	return LakePredIsTrue(pred) ? NULL : pred;
}

/* Does the file hold rows its manifest entry leaves out? */
bool
LakeScanFileNeedsFilter(LakeFileReader *r, LakeDataFile *f)
{
	return LakeFileReaderNumRows(r) != f->row_count;
}

/*
 * Rows of a batch past the source's sequence bound (cur_seq_max: this
 * transaction's rows the statement must not see yet, or those a file holds
 * beyond what its manifest entry counts) marked in *skip (allocated when
 * NULL); returns visible less those newly skipped.
 */
static uint32
skip_past_seq_max(LakeScan *scan, const LakeFileBatch *batch, uint8 **skip,
				  uint32 visible)
{
	if (!scan->cur_filter)
		return visible;
	if (batch->seq == NULL)
		elog(ERROR, "lake data file read without its sequence column");
	if (*skip == NULL)
		*skip = MemoryContextAllocZero(scan->batch_cxt, batch->nrows);
	for (uint32 r = 0; r < batch->nrows; r++)
		if (!(*skip)[r] && batch->seq[r] > scan->cur_seq_max)
		{
			(*skip)[r] = 1;
			visible--;
		}
	return visible;
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
		filter = scan->cur->pending || LakeScanFileNeedsFilter(scan->reader, f);
		LakeFileReaderProject(scan->reader, scan->spec.ncolumns, scan->read_names,
							  scan->spec.types, filter);
		scan->cur_pred = LakeScanSourcePredicateSet(scan, scan->reader, scan->cur);
		if (scan->defer_cols)
			LakeFileReaderSetDeferred(scan->reader, scan->defer_cols);
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

/* Room for n rows in the Datum buffers of the wanted columns. */
static void
ensure_capacity(LakeScan *scan, uint32 need, uint32 n)
{
	uint32		cap;

	if (need <= scan->colcap)
		return;
	cap = Max(need, Min(n, 64));
	for (int i = 0; i < scan->spec.ncolumns; i++)
	{
		if (!scan->spec.wanted[i])
			continue;
		if (scan->colvals[i])
		{
			pfree(scan->colvals[i]);
			pfree(scan->colnulls[i]);
		}
		scan->colvals[i] = MemoryContextAlloc(scan->cxt, sizeof(Datum) * cap);
		scan->colnulls[i] = MemoryContextAlloc(scan->cxt, sizeof(bool) * cap);
	}
	scan->colcap = cap;
}

/* which columns convert_columns converts */
typedef enum ConvertWhich
{
	CONVERT_ALL,				/* every wanted column */
	CONVERT_FILTER,				/* the filter's columns */
	CONVERT_REST				/* wanted columns the filter does not read */
} ConvertWhich;

/*
 * Rows first + sel[k] (sel NULL: first + k), k < n, of some columns into
 * buffer rows 0..n-1.
 */
static void
convert_columns(LakeScan *scan, PqColumnVector *cols, const bool *absent,
				uint32 first, const uint32 *sel, uint32 n, ConvertWhich which)
{
	for (int i = 0; i < scan->spec.ncolumns; i++)
	{
		if (!scan->spec.wanted[i])
			continue;
		if (which != CONVERT_ALL &&
			(which == CONVERT_FILTER) != scan->spec.filter_cols[i])
			continue;
		if (absent && absent[i])
		{
			memset(scan->colnulls[i], true, sizeof(bool) * n);
			continue;
		}
		if (sel == NULL)
			LakeVectorToDatums(&scan->spec.types[i], &cols[i], first, n,
							   scan->colvals[i], scan->colnulls[i]);
		else
			LakeVectorToDatumsSel(&scan->spec.types[i], &cols[i], first, sel, n,
								  scan->colvals[i], scan->colnulls[i]);
	}
}

/* Rows of a batch that skip leaves, as a selection vector; returns how many. */
static uint32
select_rows(LakeScan *scan, uint32 n, const uint8 *skip, uint32 **sel)
{
	uint32		k = 0;

	*sel = MemoryContextAlloc(scan->batch_cxt, sizeof(uint32) * Max(n, 1));
	for (uint32 r = 0; r < n; r++)
		if (skip == NULL || !skip[r])
			(*sel)[k++] = r;
	return k;
}

/*
 * A run of consecutive rows costs the Parquet reader about as much per
 * column as decoding this many rows more (measured on ClickBench's hits):
 * survivors in many short runs are decoded as one stretch instead.
 */
#define FETCH_RUN_ROWS 16

/*
 * The wanted columns the row filter does not read, at the survivors
 * first + sel[0..m): those the reader deferred decoded now (the source is
 * the append scan's reader), the others converted from the batch.  The
 * reader decodes the survivors alone where they fall in few runs, else the
 * whole stretch from the first to the last (fewer calls per value).
 */
static void
convert_deferred(LakeScan *scan, PqColumnVector *cols, const bool *absent,
				 const bool *deferred, uint32 first, const uint32 *sel, uint32 m)
{
	uint32		span = sel[m - 1] - sel[0] + 1;
	uint32		runs = 1;
	uint32	   *pos;
	const uint32 *at;			/* rows of the fetched vectors to convert */
	const PqColumnVector *fetched;

	for (uint32 j = 1; j < m; j++)
		runs += sel[j] != sel[j - 1] + 1;
	if (runs > 1 && (uint64) runs * FETCH_RUN_ROWS >= span)
	{
		uint32	   *shifted = MemoryContextAlloc(scan->batch_cxt, sizeof(uint32) * m);

		pos = MemoryContextAlloc(scan->batch_cxt, sizeof(uint32) * span);
		for (uint32 j = 0; j < span; j++)
			pos[j] = first + sel[0] + j;
		for (uint32 j = 0; j < m; j++)
			shifted[j] = sel[j] - sel[0];
		fetched = LakeFileReaderFetchRows(scan->reader, pos, span);
		at = shifted;
	}
	else
	{
		pos = MemoryContextAlloc(scan->batch_cxt, sizeof(uint32) * m);
		for (uint32 j = 0; j < m; j++)
			pos[j] = first + sel[j];
		fetched = LakeFileReaderFetchRows(scan->reader, pos, m);
		at = NULL;
	}
	for (int i = 0; i < scan->spec.ncolumns; i++)
	{
		if (!scan->spec.wanted[i] || scan->spec.filter_cols[i])
			continue;
		if (absent && absent[i])
			memset(scan->colnulls[i], true, sizeof(bool) * m);
		else if (deferred[i] && at == NULL)
			LakeVectorToDatums(&scan->spec.types[i], &fetched[i], 0, m,
							   scan->colvals[i], scan->colnulls[i]);
		else if (deferred[i])
			LakeVectorToDatumsSel(&scan->spec.types[i], &fetched[i], 0, at, m,
								  scan->colvals[i], scan->colnulls[i]);
		else
			LakeVectorToDatumsSel(&scan->spec.types[i], &cols[i], first, sel, m,
								  scan->colvals[i], scan->colnulls[i]);
	}
}

/*
 * The row filter's columns of the rows skip leaves, its verdicts, then the
 * other columns of the survivors; returns how many survived (at 0..k-1).
 */
static uint32
convert_filtered(LakeScan *scan, PqColumnVector *cols, const bool *absent,
				 const bool *deferred, uint32 first, uint32 n, const uint8 *skip)
{
	uint32	   *sel;
	uint32		k = select_rows(scan, n, skip, &sel);
	uint8	   *failed;
	uint32		m = 0;

	if (k == 0)
		return 0;
	ensure_capacity(scan, k, n);
	convert_columns(scan, cols, absent, first, sel, k, CONVERT_FILTER);
	failed = MemoryContextAllocZero(scan->batch_cxt, k);
	scan->filter_removed = scan->spec.filter(scan->spec.filter_arg, k,
											 scan->colvals, scan->colnulls, failed);
	if (scan->filter_removed == 0)
		m = k;
	else
	{
		/* the survivors move down, in the selection and in the buffers */
		for (uint32 j = 0; j < k; j++)
		{
			if (failed[j])
				continue;
			sel[m] = sel[j];
			for (int i = 0; i < scan->spec.ncolumns; i++)
				if (scan->spec.wanted[i] && scan->spec.filter_cols[i])
				{
					scan->colvals[i][m] = scan->colvals[i][j];
					scan->colnulls[i][m] = scan->colnulls[i][j];
				}
			m++;
		}
	}
	if (m > 0 && deferred != NULL)
		convert_deferred(scan, cols, absent, deferred, first, sel, m);
	else if (m > 0)
		convert_columns(scan, cols, absent, first, sel, m, CONVERT_REST);
	return m;
}

/*
 * Rows first..first+n-1 of cols into the Datum buffers.  Rows that skip
 * marks (may be NULL) are never returned, so they are not converted.  With
 * compact, the kept rows land at 0..k-1 (a key probe keeps one row of a
 * page and converts just that one); without, row r lands at r.  Returns
 * the number of buffer rows filled (k, or n).  The buffers grow to the
 * largest batch seen, in the scan's context.
 *
 * With the spec's row filter (compact only), rows it rejects count as
 * skipped too: they are not among the k.
 */
static uint32
batch_convert(LakeScan *scan, PqColumnVector *cols, const bool *absent,
			  const bool *deferred, uint32 first, uint32 n, const uint8 *skip,
			  bool compact)
{
	MemoryContext old;
	uint32		need = n;

	scan->filter_removed = 0;
	if (n == 0)
		return 0;
	old = MemoryContextSwitchTo(scan->batch_cxt);
	if (scan->spec.filter != NULL)
	{
		if (!compact)
			elog(ERROR, "a lake scan's row filter needs compact conversion");
		need = convert_filtered(scan, cols, absent, deferred, first, n, skip);
	}
	else if (skip == NULL)
	{
		ensure_capacity(scan, n, n);
		convert_columns(scan, cols, absent, first, NULL, n, CONVERT_ALL);
	}
	else if (compact)
	{
		uint32	   *sel;

		need = select_rows(scan, n, skip, &sel);
		ensure_capacity(scan, need, n);
		if (need > 0)
			convert_columns(scan, cols, absent, first, sel, need, CONVERT_ALL);
	}
	else
	{
		/* row r at r: runs of kept rows */
		ensure_capacity(scan, n, n);
		for (int i = 0; i < scan->spec.ncolumns; i++)
		{
			if (!scan->spec.wanted[i])
				continue;
			if (absent && absent[i])
			{
				memset(scan->colnulls[i], true, sizeof(bool) * n);
				continue;
			}
			for (uint32 r = 0; r < n;)
			{
				uint32		end;

				if (skip[r])
				{
					r++;
					continue;
				}
				for (end = r + 1; end < n && !skip[end]; end++)
					;
				LakeVectorToDatums(&scan->spec.types[i], &cols[i], first + r, end - r,
								   scan->colvals[i] + r, scan->colnulls[i] + r);
				r = end;
			}
		}
	}
	MemoryContextSwitchTo(old);
	return need;
}

uint32
LakeScanBatchConvert(LakeScan *scan, PqColumnVector *cols, const bool *absent,
					 uint32 first, uint32 n, const uint8 *skip, bool compact)
{
	return batch_convert(scan, cols, absent, NULL, first, n, skip, compact);
}

/*
 * The next rows of the append sources, converted at 0..nrows-1: rows the
 * predicate rules out, rows beyond the sequence limit (never visible: the
 * row filter must not see them) and rows the row filter rejects are left
 * out.  A source batch is converted CONVERT_CHUNK_ROWS rows at a time.
 */
static bool
append_next_batch(LakeScan *scan)
{
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (scan->raw_pos < scan->raw_n)
		{
			uint32		len = Min(scan->raw_n - scan->raw_pos, CONVERT_CHUNK_ROWS);
			uint32		k;

			k = batch_convert(scan, scan->raw_cols, scan->raw_absent, scan->raw_deferred,
							  scan->raw_first + scan->raw_pos, len,
							  scan->raw_skip ? scan->raw_skip + scan->raw_pos : NULL,
							  true);
			scan->stats.rows_read += scan->filter_removed;
			scan->raw_pos += len;
			if (k == 0)
				continue;
			scan->nrows = k;
			scan->pos = 0;
			return true;
		}
		scan->raw_n = scan->raw_pos = 0;
		MemoryContextReset(scan->batch_cxt);
		if (scan->cur == NULL && !append_open_next_source(scan))
			return false;
		if (scan->cur->file)
		{
			LakeFileBatch batch;
			uint8	   *skip = NULL;
			uint32		keep;

			if (!LakeFileReaderNext(scan->reader, &batch))
			{
				scan->cur = NULL;
				continue;
			}
			if (batch.nrows == 0)
				continue;
			keep = batch.nrows;
			if (scan->cur_pred)
			{
				/* rows the predicate rules out never reach PostgreSQL */
				skip = MemoryContextAlloc(scan->batch_cxt, batch.nrows);
				LakePredBatchMayMatch(scan->cur_pred, batch.columns, batch.absent,
									  scan->read_names, batch.nrows, skip);
				keep = 0;
				for (uint32 r = 0; r < batch.nrows; r++)
				{
					skip[r] = !skip[r];
					keep += !skip[r];
				}
			}
			keep = skip_past_seq_max(scan, &batch, &skip, keep);
			if (keep == 0)
				continue;
			scan->raw_cols = batch.columns;
			scan->raw_absent = batch.absent;
			scan->raw_skip = skip;
			scan->raw_deferred = batch.deferred;
			scan->raw_first = 0;
			scan->raw_n = batch.nrows;
		}
		else
		{
			LakeWriteBuffer *buf = scan->spec.pending_buffer;
			int64		total = LakeWriteBufferRows(buf);
			int64		seq_base;
			uint32		n;
			uint32		visible;
			PqColumnVector *cols;

			if (scan->buf_pos >= total)
			{
				scan->cur = NULL;
				continue;
			}
			n = (uint32) Min(total - scan->buf_pos, BUFFER_CHUNK_ROWS);
			seq_base = LakeWriteBufferFirstSeq(buf) + scan->buf_pos;
			/* buffer rows have consecutive sequences: a prefix is visible */
			visible = (uint32) Max(Min(scan->cur_seq_max - seq_base + 1, (int64) n), 0);
			scan->buf_pos += n;
			if (visible == 0)
				continue;
			cols = MemoryContextAlloc(scan->batch_cxt,
									  sizeof(PqColumnVector) * Max(scan->spec.ncolumns, 1));
			for (int i = 0; i < scan->spec.ncolumns; i++)
				LakeWriteBufferColumn(buf, i, &cols[i]);
			scan->raw_cols = cols;
			scan->raw_absent = NULL;
			scan->raw_skip = NULL;
			scan->raw_deferred = NULL;
			scan->raw_first = (uint32) (scan->buf_pos - n);
			scan->raw_n = visible;
		}
	}
}

static bool
append_next(LakeScan *scan, Datum *values, bool *isnull)
{
	uint32		r;

	if (scan->pos >= scan->nrows && !append_next_batch(scan))
		return false;
	r = scan->pos++;
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

/* ---------------------------------------------------------------------
 * Vector batches (LakeScanNextBatch)
 * ---------------------------------------------------------------------
 */

/*
 * The row filter over rows [first, first + n) of vectors: the filter's
 * columns of the rows skip leaves are converted, the filter decides.
 * Returns how many survive; *sel (batch_cxt) holds their rows, relative
 * to first, ascending.
 */
static uint32
vector_filter(LakeScan *scan, const PqColumnVector *cols, const bool *absent,
			  uint32 first, uint32 n, const uint8 *skip, uint32 **sel)
{
	MemoryContext old = MemoryContextSwitchTo(scan->batch_cxt);
	uint32		k = select_rows(scan, n, skip, sel);
	uint32		m = 0;
	uint8	   *failed;
	uint32		removed;

	if (k == 0)
	{
		MemoryContextSwitchTo(old);
		return 0;
	}
	ensure_capacity(scan, k, n);
	convert_columns(scan, (PqColumnVector *) cols, absent, first, *sel, k, CONVERT_FILTER);
	failed = palloc0(k);
	removed = scan->spec.filter(scan->spec.filter_arg, k, scan->colvals, scan->colnulls,
								failed);
	MemoryContextSwitchTo(old);
	if (removed == 0)
		return k;
	for (uint32 j = 0; j < k; j++)
		if (!failed[j])
			(*sel)[m++] = (*sel)[j];
	return m;
}

/* A skip vector (batch_cxt) hiding every row of n but sel[0..m). */
static const uint8 *
skip_from_selection(LakeScan *scan, uint32 n, const uint32 *sel, uint32 m)
{
	uint8	   *skip = MemoryContextAlloc(scan->batch_cxt, Max(n, 1));

	memset(skip, 1, n);
	for (uint32 j = 0; j < m; j++)
		skip[sel[j]] = 0;
	return skip;
}

/*
 * Rows base + at[0..m) of column col's vector src into dst, rows 0..m-1
 * (batch_cxt); string values keep pointing at the batch's bytes.
 */
static void
gather_vector(LakeScan *scan, int col, const PqColumnVector *src, uint32 base,
			  const uint32 *at, uint32 m, PqColumnVector *dst)
{
	size_t		sz = scan->value_size[col];

	dst->type = src->type;
	dst->count = m;
	dst->nulls = NULL;
	dst->v.b = MemoryContextAlloc(scan->batch_cxt, sz * Max(m, 1));
	if (src->nulls)
	{
		dst->nulls = MemoryContextAlloc(scan->batch_cxt, Max(m, 1));
		for (uint32 j = 0; j < m; j++)
			dst->nulls[j] = src->nulls[base + at[j]];
	}
	switch (sz)
	{
		case 4:
			for (uint32 j = 0; j < m; j++)
				dst->v.i32[j] = src->v.i32[base + at[j]];
			break;
		case 8:
			for (uint32 j = 0; j < m; j++)
				dst->v.i64[j] = src->v.i64[base + at[j]];
			break;
		default:
			for (uint32 j = 0; j < m; j++)
				memcpy(dst->v.b + (size_t) j * sz, src->v.b + (size_t) (base + at[j]) * sz, sz);
			break;
	}
}

/*
 * The survivors sel[0..m) of a file batch whose reader deferred some
 * columns, as vectors of m rows: the deferred columns decoded at the
 * survivors now (or across the stretch from the first to the last where
 * they lie in many short runs, as convert_deferred does), the others
 * gathered from the batch.
 */
static void
compact_deferred(LakeScan *scan, const LakeFileBatch *batch, const uint32 *sel, uint32 m,
				 LakeScanBatch *out)
{
	uint32		span = sel[m - 1] - sel[0] + 1;
	uint32		runs = 1;
	const PqColumnVector *fetched;
	const uint32 *at = NULL;		/* rows of the fetched vectors, or NULL */
	PqColumnVector *cols;

	for (uint32 j = 1; j < m; j++)
		runs += sel[j] != sel[j - 1] + 1;
	if (runs > 1 && (uint64) runs * FETCH_RUN_ROWS >= span)
	{
		uint32	   *pos = MemoryContextAlloc(scan->batch_cxt, sizeof(uint32) * span);
		uint32	   *shifted = MemoryContextAlloc(scan->batch_cxt, sizeof(uint32) * m);

		for (uint32 j = 0; j < span; j++)
			pos[j] = sel[0] + j;
		for (uint32 j = 0; j < m; j++)
			shifted[j] = sel[j] - sel[0];
		fetched = LakeFileReaderFetchRows(scan->reader, pos, span);
		at = shifted;
	}
	else
		fetched = LakeFileReaderFetchRows(scan->reader, sel, m);
	cols = MemoryContextAllocZero(scan->batch_cxt,
								  sizeof(PqColumnVector) * Max(scan->spec.ncolumns, 1));
	for (int k = 0; k < scan->nwanted; k++)
	{
		int			i = scan->wanted_cols[k];

		if (batch->absent && batch->absent[i])
			continue;
		if (batch->deferred[i] && at == NULL)
			cols[i] = fetched[i];
		else if (batch->deferred[i])
			gather_vector(scan, i, &fetched[i], 0, at, m, &cols[i]);
		else
			gather_vector(scan, i, &batch->columns[i], 0, sel, m, &cols[i]);
	}
	out->nrows = m;
	out->first = 0;
	out->columns = cols;
	out->absent = batch->absent;
	out->skip = NULL;
}

/*
 * The next batch of an append table as vectors (LakeScanNextBatch): the
 * same sources, sequence rules, predicate and row filter as
 * append_next_batch, without the conversion to Datums.  Rows the
 * predicate or the sequence rules out are skipped, and so are those the
 * row filter rejects; where the reader deferred columns (a row filter with
 * late materialisation), the survivors come compacted instead, those
 * columns decoded at them alone.
 */
static bool
append_next_vector_batch(LakeScan *scan, LakeScanBatch *out)
{
	for (;;)
	{
		uint32		visible;
		uint32	   *sel;
		uint32		m;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(scan->batch_cxt);
		if (scan->cur == NULL && !append_open_next_source(scan))
			return false;
		if (scan->cur->file)
		{
			LakeFileBatch batch;
			uint8	   *skip = NULL;

			if (!LakeFileReaderNext(scan->reader, &batch))
			{
				scan->cur = NULL;
				continue;
			}
			if (batch.nrows == 0)
				continue;
			visible = batch.nrows;
			if (scan->cur_pred)
			{
				skip = MemoryContextAlloc(scan->batch_cxt, batch.nrows);
				LakePredBatchMayMatch(scan->cur_pred, batch.columns, batch.absent,
									  scan->read_names, batch.nrows, skip);
				for (uint32 r = 0; r < batch.nrows; r++)
				{
					skip[r] = !skip[r];
					visible -= skip[r];
				}
			}
			visible = skip_past_seq_max(scan, &batch, &skip, visible);
			if (visible == 0)
				continue;
			scan->stats.rows_read += visible;
			if (scan->spec.filter != NULL)
			{
				m = vector_filter(scan, batch.columns, batch.absent, 0, batch.nrows, skip,
								  &sel);
				if (m == 0)
					continue;
				if (batch.deferred)
				{
					compact_deferred(scan, &batch, sel, m, out);
					return true;
				}
				skip = (uint8 *) skip_from_selection(scan, batch.nrows, sel, m);
			}
			else if (batch.deferred)
			{
				/* vectors are wanted whole: the deferred columns at every row */
				uint32	   *pos = MemoryContextAlloc(scan->batch_cxt,
													 sizeof(uint32) * batch.nrows);
				PqColumnVector *cols = MemoryContextAlloc(scan->batch_cxt,
														  sizeof(PqColumnVector) *
														  Max(scan->spec.ncolumns, 1));
				const PqColumnVector *fetched;

				for (uint32 r = 0; r < batch.nrows; r++)
					pos[r] = r;
				fetched = LakeFileReaderFetchRows(scan->reader, pos, batch.nrows);
				for (int i = 0; i < scan->spec.ncolumns; i++)
					cols[i] = batch.deferred[i] ? fetched[i] : batch.columns[i];
				batch.columns = cols;
			}
			out->nrows = batch.nrows;
			out->first = 0;
			out->columns = batch.columns;
			out->absent = batch.absent;
			out->skip = skip;
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
			scan->stats.rows_read += visible;
			if (scan->spec.filter != NULL)
			{
				m = vector_filter(scan, cols, NULL, out->first, visible, NULL, &sel);
				if (m == 0)
					continue;
				out->skip = skip_from_selection(scan, visible, sel, m);
			}
		}
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
		found = LakeScanMergeNext(scan, values, isnull);
	else
		found = append_next(scan, values, isnull);
	MemoryContextSwitchTo(old);
	return found;
}

bool
LakeScanNextBatch(LakeScan *scan, LakeScanBatch *batch)
{
	bool		found;
	MemoryContext old;

	old = MemoryContextSwitchTo(scan->cxt);
	if (scan->spec.nkey == 0)
		found = append_next_vector_batch(scan, batch);
	else
	{
		/* the merged batches, then the row filter on their visible rows */
		while ((found = LakeScanMergeNextBatch(scan, batch, true)) &&
			   scan->spec.filter != NULL)
		{
			uint32	   *sel;
			uint32		m;

			MemoryContextReset(scan->batch_cxt);
			m = vector_filter(scan, batch->columns, batch->absent, batch->first,
							  batch->nrows, batch->skip, &sel);
			if (m > 0)
			{
				batch->skip = skip_from_selection(scan, batch->nrows, sel, m);
				break;
			}
		}
	}
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
	scan->nheap = 0;
	scan->base_live = false;
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
	scan->raw_n = scan->raw_pos = 0;
	scan->group_open = false;
	scan->top_moved = false;
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

void
LakeScanSpecForBucket(LakeScanSpec *ss, const LakeFlushSpec *flush,
					  const LakeMergeConfig *merge, const bool *wanted, List *files)
{
	memset(ss, 0, sizeof(*ss));
	ss->root = flush->root;
	ss->table_rel = flush->table_dir_rel;
	ss->ncolumns = flush->ncolumns;
	ss->names = flush->names;
	ss->types = flush->types;
	ss->wanted = wanted;
	ss->nkey = flush->nkey;
	ss->key_cols = flush->key_cols;
	ss->merge = merge;
	ss->files = files;
	ss->pending_limit = PG_INT64_MAX;
}
