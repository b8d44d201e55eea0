/*-------------------------------------------------------------------------
 * file_reader.c
 *	  Reads one lake data file batch by batch: opens it through the I/O
 *	  layer, maps the wanted lake columns onto the file's columns by name
 *	  (a column added after the file was written reads as NULL), and walks
 *	  its row groups with the Parquet reader.
 *
 * With a predicate (LakeFileReaderSetPredicate), row groups whose chunk
 * statistics or bloom filters exclude every row are skipped, and inside a
 * row group only the row ranges of pages the page index cannot exclude
 * are read.
 *
 * With a row filter as well (LakeFileReaderSetRowFilter), the reader
 * materialises late: per batch it decodes the columns the predicate reads,
 * evaluates the predicate on them, and decodes the other columns only at
 * the rows that may match (ParquetReaderReadRows), so that a point lookup
 * decodes one row of each column, not a page of them.  Rows that cannot
 * match are then not delivered at all.
 *
 * With deferred columns (LakeFileReaderSetDeferred), Next decodes only the
 * other columns (ParquetReaderReadBatchColumns) and remembers the row
 * index of each delivered row; the caller decides which rows it keeps (a
 * row filter on the decoded columns) and FetchRows decodes the deferred
 * columns at those rows only (ParquetReaderReadRows).
 *
 * The parsed footer, offset/page indexes and dictionaries of a file come
 * from the backend's reader cache (reader_cache.c) when an earlier scan
 * read them, and go back to it at Close; the file itself is reopened
 * every time.
 *
 * Errors of the Parquet layer become one ereport here, naming the file.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "io/io.h"
#include "miscadmin.h"
#include "scan/scan.h"
#include "utils/memutils.h"

#define LAKE_BATCH_ROWS 8192

bool		lake_enable_late_materialize = true;

/*
 * Scratch of late materialisation, used within one call of next_late: one
 * per backend, so that a point lookup allocates nothing batch-sized.
 */
typedef struct LateScratch
{
	int64		row_ids[LAKE_BATCH_ROWS];	/* rows of the filter batch */
	int64		keep_rows[LAKE_BATCH_ROWS]; /* those that may match */
	uint32		keep_pos[LAKE_BATCH_ROWS];	/* their positions in the batch */
	uint8		match[LAKE_BATCH_ROWS];
} LateScratch;

static LateScratch *late_scratch;	/* TopMemoryContext */

struct LakeFileReader
{
	char	   *path;
	char	   *display;
	LakeFile   *file;
	LakeCachedReader *cached;	/* owns pq (reader_cache.c) */
	PqReader   *pq;
	int			ncolumns;		/* projected */
	int		   *file_col;		/* per projected column, -1 = absent */
	bool	   *projected;		/* per column: named in the projection */
	int			seq_index;		/* index of _lake_seq among selected, or -1 */
	int			kind_index;		/* index of _lake_kind among selected, or -1 */
	int			ops_index;		/* index of _lake_ops among selected, or -1 */
	bool		seq_implicit;	/* no _lake_seq column: first_seq + row */
	bool		want_seq;
	int64		first_seq;
	int64		rows_done;		/* rows delivered so far (implicit seq) */
	int64	   *seq_buf;		/* synthesized sequences of a batch */
	uint32		seq_cap;
	int			nselected;
	PqColumnVector *selected;	/* reader output [nselected] */
	PqColumnVector *columns;	/* batch columns [ncolumns] */
	bool	   *absent;
	int			rg;				/* current row group, -1 before the first */
	int64		rg_left;		/* rows left in it when no column is read */
	bool		rg_open;
	/* data skipping */
	const LakePredicate *pred;	/* borrowed, or NULL */
	int			npred_cols;		/* lake columns */
	int		   *pred_file_col;	/* [npred_cols] lake column -> file column */
	struct LakeScanStats *stats;	/* borrowed */
	uint64		pages_decoded_noted;	/* the reader's page counts already */
	uint64		pages_total_noted;	/* added to stats */
	int			cur_rg;			/* row group the callbacks look at */
	/* late materialisation (LakeFileReaderSetRowFilter) */
	bool		late;
	int		   *sel_of;			/* [ncolumns] lake column -> selected index, -1 */
	bool	   *want_pred;		/* [nselected] columns the predicate reads */
	bool	   *want_rest;		/* [nselected] the others */
	const char **pred_read;		/* [ncolumns] decoded predicate columns
								 * (non-NULL: "" ) */
	int		   *file_col_of_sel;	/* [nselected] file column */
	PqColumnVector *pred_view;	/* [ncolumns] by lake column, for the predicate */
	uint8	  **pack_vals;		/* [nselected] packed predicate columns */
	uint8	  **pack_nulls;		/* [nselected] */
	uint32	   *pack_cap;		/* [nselected] rows they hold */
	int64		rg_first;		/* file row index of the row group's first row */
	bool		rest_now;		/* some want_rest column is decoded by Next */
	/* deferred columns (LakeFileReaderSetDeferred) */
	bool		defer;
	bool	   *deferred;		/* [ncolumns] left out of Next's batches */
	bool	   *want_now;		/* [nselected] decoded by Next */
	bool	   *want_later;		/* [nselected] decoded by FetchRows */
	int64	   *batch_rows;		/* [LAKE_BATCH_ROWS] row group index of each
								 * row of the batch last delivered */
	uint32		batch_n;		/* rows of that batch */
	int64	   *fetch_rows;		/* [LAKE_BATCH_ROWS] FetchRows' row indexes */
	PqColumnVector *fetched;	/* [ncolumns] FetchRows' output */
	/* key seek (LakeFileReaderSetKeySeek) */
	int			seek_sel;		/* selected index of the key column, or -1 */
	const PqValue *seek_key;	/* borrowed from the predicate */
	int			nseek_const;
	int		   *seek_const_fc;	/* [nseek_const] file columns constant per row group */
	bool		seek_rg_done;	/* the current row group's run was delivered */
};

static PqStatus
source_read_at(void *ctx, uint64_t offset, size_t len, void *buf)
{
	return LakeFileReadAt((LakeFile *) ctx, offset, buf, len) ? PQ_OK : PQ_ERR_IO;
}

LakeFileReader *
LakeFileReaderOpen(const char *path, const char *display_name)
{
	LakeFileReader *r = palloc0(sizeof(LakeFileReader));
	PqSource	src;
	PqReaderOptions ropts;
	PqError		err;

	r->seek_sel = -1;

	r->path = pstrdup(path);
	r->display = pstrdup(display_name ? display_name : path);
	/* data files are immutable: their descriptors are kept (unless caching is off) */
	if (lake_metadata_cache_kb > 0)
		r->file = LakeFileOpenImmutable(path);
	else
	{
		LakeFileCacheReset();
		r->file = LakeFileOpen(path);
	}
	src.read_at = source_read_at;
	src.size = LakeFileSize(r->file);
	src.ctx = r->file;
	r->cached = LakeReaderCacheTake(path, src.size);
	if (r->cached)
	{
		if (ParquetReaderAttach(r->cached->pq, &src, &err) != PQ_OK)
			LakeReportParquetError(&err, r->display);
	}
	else
	{
		r->cached = LakeReaderCacheNew(path, src.size);
		ParquetReaderOptionsInit(&ropts);
		r->cached->pq = ParquetReaderOpen(&src, &ropts, &r->cached->alloc, r->display, &err);
		if (r->cached->pq == NULL)
			LakeReportParquetError(&err, r->display);
	}
	r->pq = r->cached->pq;
	r->rg = -1;
	r->seq_index = -1;
	r->kind_index = -1;
	r->ops_index = -1;
	return r;
}

void
LakeFileReaderProject(LakeFileReader *r, int ncolumns, const char *const *names,
					  const LakeTypeInfo *types, bool want_seq)
{
	LakeFileReaderProjectRecords(r, ncolumns, names, types, want_seq, false);
}

/* a hidden column of the record layout, checked for its type */
static int
find_hidden_column(LakeFileReader *r, const char *name, PqType type)
{
	int			fc = ParquetReaderFindColumn(r->pq, name);

	if (fc >= 0 && ParquetReaderColumn(r->pq, fc)->type != type)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("hidden column \"%s\" of lake data file \"%s\" has type %s",
						name, r->display, ParquetTypeName(ParquetReaderColumn(r->pq, fc)->type))));
	return fc;
}

/* does the footer state that the file holds ENGINE records only? */
static bool
engine_only(LakeFileReader *r)
{
	const char *k = ParquetReaderKeyValue(r->pq, LAKE_KINDS_KEY);

	return k != NULL && strcmp(k, "E") == 0;
}

void
LakeFileReaderProjectRecords(LakeFileReader *r, int ncolumns, const char *const *names,
							 const LakeTypeInfo *types, bool want_seq, bool want_records)
{
	int		   *sel = palloc(sizeof(int) * (ncolumns + 3));
	PqError		err;

	r->ncolumns = ncolumns;
	r->file_col = palloc(sizeof(int) * Max(ncolumns, 1));
	r->columns = palloc0(sizeof(PqColumnVector) * Max(ncolumns, 1));
	r->absent = palloc0(sizeof(bool) * Max(ncolumns, 1));
	r->projected = palloc0(sizeof(bool) * Max(ncolumns, 1));
	r->nselected = 0;
	for (int i = 0; i < ncolumns; i++)
	{
		int			fc = names[i] ? ParquetReaderFindColumn(r->pq, names[i]) : -1;

		r->file_col[i] = fc;
		r->absent[i] = (fc < 0);
		r->projected[i] = names[i] != NULL;
		if (fc >= 0)
		{
			const PqColumnInfo *info = ParquetReaderColumn(r->pq, fc);
			bool		same = info->type == types[i].pqtype;

			if (same && info->type == PQ_DECIMAL)
				same = (info->precision <= 18) == (types[i].precision <= 18) &&
					info->scale == types[i].scale;
			if (!same)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("column \"%s\" of lake data file \"%s\" has type %s, not the table's",
								names[i], r->display, ParquetTypeName(info->type)),
						 errdetail("The table declares a column of Parquet type %s.",
								   ParquetTypeName(types[i].pqtype))));
			sel[r->nselected++] = fc;
		}
	}
	r->want_seq = want_seq;
	if (want_seq)
	{
		int			fc = ParquetReaderFindColumn(r->pq, LAKE_SEQ_COLUMN);

		if (fc >= 0)
		{
			r->seq_index = r->nselected;
			sel[r->nselected++] = fc;
		}
		else
		{
			const char *first = ParquetReaderKeyValue(r->pq, LAKE_FIRST_SEQ_KEY);
			char	   *end;

			if (first == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("lake data file \"%s\" has neither a %s column nor a %s footer key",
								r->display, LAKE_SEQ_COLUMN, LAKE_FIRST_SEQ_KEY)));
			errno = 0;
			r->first_seq = strtoll(first, &end, 10);
			if (errno != 0 || *end != '\0' || end == first || r->first_seq < 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("lake data file \"%s\" has an invalid %s footer key: \"%s\"",
								r->display, LAKE_FIRST_SEQ_KEY, first)));
			r->seq_implicit = true;
		}
	}
	/*
	 * Record kinds: a data file whose footer says it holds ENGINE records
	 * only needs no _lake_kind column read (batch->kind NULL says the
	 * same).  Only that exact key: changelog files state their own kinds,
	 * or none.
	 */
	if (want_records && !engine_only(r))
	{
		int			fc = find_hidden_column(r, LAKE_KIND_COLUMN, PQ_INT32);

		if (fc >= 0)
		{
			r->kind_index = r->nselected;
			sel[r->nselected++] = fc;
		}
		fc = find_hidden_column(r, LAKE_OPS_COLUMN, PQ_STRING);
		if (fc >= 0)
		{
			r->ops_index = r->nselected;
			sel[r->nselected++] = fc;
		}
	}
	if (ParquetReaderSelectColumns(r->pq, sel, r->nselected, &err) != PQ_OK)
		LakeReportParquetError(&err, r->display);
	r->selected = palloc0(sizeof(PqColumnVector) * Max(r->nselected, 1));
	pfree(sel);
}

/* ---------------------------------------------------------------------
 * Data skipping
 * ---------------------------------------------------------------------
 */
void
LakeFileReaderSetPredicate(LakeFileReader *r, const LakePredicate *pred,
						   int ncolumns, const char *const *names,
						   struct LakeScanStats *stats)
{
	bool	   *used = palloc0(sizeof(bool) * Max(ncolumns, 1));

	r->stats = stats;
	stats->row_groups_total += ParquetReaderNumRowGroups(r->pq);
	ParquetReaderCountPages(r->pq, true);
	if (LakePredIsTrue(pred))
	{
		pfree(used);
		return;
	}
	r->pred = pred;
	r->npred_cols = ncolumns;
	r->pred_file_col = palloc(sizeof(int) * Max(ncolumns, 1));
	LakePredColumns(pred, used);
	for (int i = 0; i < ncolumns; i++)
		r->pred_file_col[i] = used[i] ? ParquetReaderFindColumn(r->pq, names[i]) : -1;
	pfree(used);
}

static bool
chunk_stats(void *arg, int column, LakePredStats *out)
{
	LakeFileReader *r = arg;
	int			fc = r->pred_file_col[column];
	PqColumnStats cs;
	PqError		err;

	out->known = true;
	out->rows = ParquetReaderRowGroupNumRows(r->pq, r->cur_rg);
	if (fc < 0)
	{
		/* a column added after the file was written: all NULL */
		out->null_count = out->rows;
		return true;
	}
	if (ParquetReaderChunkStats(r->pq, r->cur_rg, fc, &cs, &err) != PQ_OK)
		LakeReportParquetError(&err, r->display);
	out->null_count = cs.has_null_count ? cs.null_count : -1;
	out->has_min = out->has_max = cs.has_min_max;
	out->min = cs.min;
	out->max = cs.max;
	return true;
}

static bool
chunk_bloom(void *arg, int column, const PqValue *value)
{
	LakeFileReader *r = arg;
	int			fc = r->pred_file_col[column];
	bool		might = true;
	PqError		err;

	if (fc < 0)
		return true;
	if (ParquetReaderBloomProbe(r->pq, r->cur_rg, fc, value, &might, &err) != PQ_OK)
		LakeReportParquetError(&err, r->display);
	return might;
}

static bool
page_index(void *arg, int column, const PqPageIndex **index)
{
	LakeFileReader *r = arg;
	int			fc = r->pred_file_col[column];
	const PqPageIndex *pi;
	PqError		err;
	PqStatus	st;

	if (fc < 0)
		return false;
	st = ParquetReaderPageIndex(r->pq, r->cur_rg, fc, &pi, &err);
	if (st == PQ_END)
		return false;
	if (st != PQ_OK)
		LakeReportParquetError(&err, r->display);
	*index = pi;
	return true;
}

/* Add the pages the Parquet reader decoded and started since last time. */
static void
note_pages(LakeFileReader *r)
{
	uint64_t	decoded,
				total;

	if (!r->stats)
		return;
	ParquetReaderPageCounts(r->pq, &decoded, &total);
	r->stats->pages_read += (int64) (decoded - r->pages_decoded_noted);
	r->stats->pages_total += (int64) (total - r->pages_total_noted);
	r->pages_decoded_noted = decoded;
	r->pages_total_noted = total;
}

/*
 * Position at row group r->rg unless the predicate excludes it; false when
 * it is skipped.
 */
static bool
start_row_group(LakeFileReader *r)
{
	PqRowRange *ranges = NULL;
	int			nranges = 0;
	int64		rows = ParquetReaderRowGroupNumRows(r->pq, r->rg);
	PqError		err;

	r->cur_rg = r->rg;
	r->rg_first = r->rows_done;
	if (r->pred)
	{
		bool		bloom_rejected;

		if (!LakePredMayMatch(r->pred, chunk_stats, chunk_bloom, r, &bloom_rejected))
		{
			if (bloom_rejected)
				r->stats->bloom_rejected++;
			return false;
		}

		/*
		 * Pages: row ranges, unless implicit sequences must be numbered
		 * by counting every row of the row group (late materialisation
		 * numbers them by row index).
		 */
		if (r->late || !(r->seq_implicit && r->seq_index < 0 && r->want_seq))
		{
			ranges = LakePredRowRanges(r->pred, rows, page_index, r, &nranges);
			if (nranges == 0)
			{
				pfree(ranges);
				return false;
			}
			if (nranges == 1 && ranges[0].first == 0 && ranges[0].count == rows)
			{
				pfree(ranges);
				ranges = NULL;
				nranges = 0;
			}
		}
	}
	if (r->stats)
		r->stats->row_groups_read++;
	if (ParquetReaderStartRowGroup(r->pq, r->rg, ranges, nranges, &err) != PQ_OK)
		LakeReportParquetError(&err, r->display);
	r->rg_left = 0;
	if (ranges)
	{
		for (int i = 0; i < nranges; i++)
			r->rg_left += ranges[i].count;
		pfree(ranges);
	}
	else
		r->rg_left = rows;
	return true;
}

/* Open the next row group that may hold matching rows; false at end of file. */
static bool
open_next_row_group(LakeFileReader *r)
{
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		r->rg++;
		if (r->rg >= ParquetReaderNumRowGroups(r->pq))
			return false;
		if (ParquetReaderRowGroupNumRows(r->pq, r->rg) == 0)
			continue;
		if (!start_row_group(r))
		{
			/* skipped: implicit sequences count its rows all the same */
			r->rows_done += ParquetReaderRowGroupNumRows(r->pq, r->rg);
			continue;
		}
		r->rg_open = true;
		return true;
	}
}

/* seq_buf holds at least n sequences */
static void
ensure_seq_buf(LakeFileReader *r, uint32 n)
{
	if (r->seq_cap >= n)
		return;
	if (r->seq_buf)
		pfree(r->seq_buf);
	r->seq_cap = Max(n, 16);
	r->seq_buf = MemoryContextAlloc(GetMemoryChunkContext(r), sizeof(int64) * r->seq_cap);
}

/*
 * Key seek: the key column ascends in row group r->rg when the columns
 * before it in the key are constant there (chunk min = max, no NULL).
 */
static bool
seek_applies(LakeFileReader *r)
{
	for (int i = 0; i < r->nseek_const; i++)
	{
		PqColumnStats cs;
		PqError		err;

		if (r->seek_const_fc[i] < 0)
			return false;
		if (ParquetReaderChunkStats(r->pq, r->rg, r->seek_const_fc[i], &cs, &err) != PQ_OK)
			LakeReportParquetError(&err, r->display);
		if (!cs.has_min_max || !cs.has_null_count || cs.null_count != 0 ||
			ParquetValueCompare(&cs.min, &cs.max) != 0)
			return false;
	}
	return true;
}

/*
 * The rows of the row group equal to the sought key, binary-searched, and
 * the predicate's columns read at them: PQ_END when the Parquet reader
 * cannot seek (the row group is read as usual).
 */
static PqStatus
seek_run(LakeFileReader *r, int64 *rows, uint32 *n, PqError *err)
{
	int64_t		first,
				count;
	PqStatus	st;

	*n = 0;
	st = ParquetReaderSeekSorted(r->pq, r->seek_sel, r->seek_key, &first, &count, err);
	if (st != PQ_OK)
		return st;
	if (count > LAKE_BATCH_ROWS)
		return PQ_END;
	if (r->stats)
		r->stats->key_seeks++;
	for (int64_t i = 0; i < count; i++)
		rows[i] = first + i;
	if (count > 0)
	{
		st = ParquetReaderReadRows(r->pq, rows, (uint32) count, r->want_pred, r->selected,
								   err);
		if (st != PQ_OK)
			return st;
	}
	*n = (uint32) count;
	return PQ_OK;
}

/*
 * Late materialisation: the next batch of rows that may match, with the
 * predicate's columns packed to those rows and the others decoded at them
 * only (implicit sequences numbered into seq_buf).  0 at end of file.
 */
static uint32
next_late(LakeFileReader *r)
{
	LateScratch *ls = late_scratch;
	PqError		err;

	for (;;)
	{
		uint32		n = 0,
					k = 0;
		PqStatus	st;
		bool		seeking = false;

		if (!r->rg_open)
		{
			if (!open_next_row_group(r))
				return 0;
			r->seek_rg_done = false;
			seeking = r->seek_sel >= 0 && seek_applies(r);
		}
		CHECK_FOR_INTERRUPTS();
		if (r->seek_rg_done)
			st = PQ_END;
		else if (seeking &&
				 (st = seek_run(r, ls->row_ids, &n, &err)) != PQ_END)
			r->seek_rg_done = true;
		else
			st = ParquetReaderReadBatchColumns(r->pq, LAKE_BATCH_ROWS, r->want_pred,
											   r->selected, &n, ls->row_ids, &err);
		if (st == PQ_END || (st == PQ_OK && n == 0))
		{
			r->rg_open = false;
			r->rows_done = r->rg_first + ParquetReaderRowGroupNumRows(r->pq, r->rg);
			continue;
		}
		if (st != PQ_OK)
			LakeReportParquetError(&err, r->display);

		for (int c = 0; c < r->ncolumns; c++)
			if (r->pred_read[c] && r->sel_of[c] >= 0)
				r->pred_view[c] = r->selected[r->sel_of[c]];
		LakePredBatchMayMatch(r->pred, r->pred_view, r->absent, r->pred_read, n, ls->match);
		for (uint32 i = 0; i < n; i++)
		{
			ls->keep_pos[k] = i;
			ls->keep_rows[k] = ls->row_ids[i];
			k += ls->match[i] != 0;
		}
		if (k == 0)
			continue;
		if (r->rest_now &&
			ParquetReaderReadRows(r->pq, ls->keep_rows, k, r->want_rest, r->selected,
								  &err) != PQ_OK)
			LakeReportParquetError(&err, r->display);
		if (r->defer)
		{
			/* FetchRows decodes the deferred columns at these rows */
			memcpy(r->batch_rows, ls->keep_rows, sizeof(int64) * k);
			r->batch_n = k;
		}
		if (r->seq_implicit)
		{
			/* numbered by row index in the file */
			ensure_seq_buf(r, k);
			for (uint32 i = 0; i < k; i++)
				r->seq_buf[i] = r->first_seq + r->rg_first + ls->keep_rows[i];
		}
		if (k < n)
		{
			/* pack the predicate's columns to the kept rows */
			for (int s = 0; s < r->nselected; s++)
			{
				PqColumnVector *v = &r->selected[s];
				size_t		w;

				if (!r->want_pred[s])
					continue;
				w = ParquetColumnSlotSize(ParquetReaderColumn(r->pq, r->file_col_of_sel[s]));
				if (r->pack_cap[s] < k)
				{
					MemoryContext cxt = GetMemoryChunkContext(r);
					uint32		cap = Max(k, 16);

					if (r->pack_vals[s])
					{
						pfree(r->pack_vals[s]);
						pfree(r->pack_nulls[s]);
					}
					r->pack_vals[s] = MemoryContextAlloc(cxt, w * cap);
					r->pack_nulls[s] = MemoryContextAlloc(cxt, cap);
					r->pack_cap[s] = cap;
				}
				for (uint32 j = 0; j < k; j++)
					memcpy(r->pack_vals[s] + j * w, v->v.b + (size_t) ls->keep_pos[j] * w, w);
				if (v->nulls)
				{
					for (uint32 j = 0; j < k; j++)
						r->pack_nulls[s][j] = v->nulls[ls->keep_pos[j]];
					v->nulls = r->pack_nulls[s];
				}
				v->v.b = r->pack_vals[s];
				v->count = k;
			}
		}
		return k;
	}
}

static bool
next_batch(LakeFileReader *r, LakeFileBatch *batch)
{
	PqError		err;
	uint32		nrows = 0;

	if (r->late)
	{
		nrows = next_late(r);
		if (nrows == 0)
			return false;
	}
	else
		for (;;)
		{
			PqStatus	st;

			if (!r->rg_open && !open_next_row_group(r))
				return false;
			CHECK_FOR_INTERRUPTS();
			if (r->nselected == 0)
			{
				/* no column read (count(*)): rows without values, batch-sized */
				nrows = (uint32) Min(r->rg_left, (int64) LAKE_BATCH_ROWS);
				r->rg_left -= nrows;
				if (r->rg_left == 0)
					r->rg_open = false;
				break;
			}
			if (r->defer)
			{
				st = ParquetReaderReadBatchColumns(r->pq, LAKE_BATCH_ROWS, r->want_now,
												   r->selected, &nrows, r->batch_rows,
												   &err);
				r->batch_n = st == PQ_OK ? nrows : 0;
			}
			else
				st = ParquetReaderReadBatch(r->pq, LAKE_BATCH_ROWS, r->selected, &nrows,
											&err);
			if (st == PQ_END || (st == PQ_OK && nrows == 0))
			{
				r->rg_open = false;
				continue;
			}
			if (st != PQ_OK)
				LakeReportParquetError(&err, r->display);
			break;
		}

	for (int i = 0, s = 0; i < r->ncolumns; i++)
	{
		if (r->absent[i])
		{
			memset(&r->columns[i], 0, sizeof(PqColumnVector));
			continue;
		}
		if (r->defer && r->deferred[i])
		{
			/* FetchRows reads it */
			memset(&r->columns[i], 0, sizeof(PqColumnVector));
			s++;
			continue;
		}
		r->columns[i] = r->selected[s++];
	}
	batch->nrows = nrows;
	batch->columns = r->columns;
	batch->absent = r->absent;
	batch->deferred = r->defer ? r->deferred : NULL;
	batch->seq = r->seq_index >= 0 ? r->selected[r->seq_index].v.i64 : NULL;
	batch->kind = r->kind_index >= 0 ? r->selected[r->kind_index].v.i32 : NULL;
	batch->ops = r->ops_index >= 0 ? &r->selected[r->ops_index] : NULL;
	if (batch->kind && r->selected[r->kind_index].nulls)
	{
		for (uint32 i = 0; i < nrows; i++)
			if (r->selected[r->kind_index].nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("lake data file \"%s\" has a NULL record kind", r->display)));
	}
	if (batch->kind)
	{
		for (uint32 i = 0; i < nrows; i++)
			if (batch->kind[i] < 0 || batch->kind[i] >= LAKE_REC_NKINDS)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("lake data file \"%s\" has a record of unknown kind %d",
								r->display, (int) batch->kind[i])));
	}
	if (r->seq_implicit)
	{
		if (!r->late)
		{
			ensure_seq_buf(r, nrows);
			for (uint32 i = 0; i < nrows; i++)
				r->seq_buf[i] = r->first_seq + r->rows_done + i;
		}
		batch->seq = r->seq_buf;
	}
	if (!r->late)
		r->rows_done += nrows;
	return true;
}

bool
LakeFileReaderNext(LakeFileReader *r, LakeFileBatch *batch)
{
	bool		got = next_batch(r, batch);

	note_pages(r);
	return got;
}

/*
 * Key seek for a late-materialising reader (after SetRowFilter): the
 * predicate implies lake column column = *key, and within a row group
 * where the lake columns const_cols[0..nconst) are constant the file is
 * sorted by it (a primary-key file: the key's earlier columns, then it).
 * Such row groups are binary-searched for the key (ParquetReaderSeekSorted)
 * instead of decoding the key column's pages.
 */
void
LakeFileReaderSetKeySeek(LakeFileReader *r, int column, const PqValue *key,
						 const int *const_cols, int nconst, const char *const *names)
{
	int			fc;

	r->seek_sel = -1;
	if (!r->late || !r->projected[column] || r->sel_of[column] < 0 ||
		!r->want_pred[r->sel_of[column]])
		return;
	fc = r->file_col[column];
	if (fc < 0 || ParquetReaderColumn(r->pq, fc)->type != key->type)
		return;
	r->seek_const_fc = MemoryContextAlloc(GetMemoryChunkContext(r),
										  sizeof(int) * Max(nconst, 1));
	for (int i = 0; i < nconst; i++)
		r->seek_const_fc[i] = ParquetReaderFindColumn(r->pq, names[const_cols[i]]);
	r->nseek_const = nconst;
	r->seek_key = key;
	r->seek_sel = r->sel_of[column];
}

/*
 * Deliver only the rows that may match the predicate given to
 * LakeFileReaderSetPredicate, materialising late (see the file header).
 * A no-op without a predicate, when the projection reads none of its
 * columns, or when it reads nothing else.  Call after SetPredicate,
 * before the first Next.
 */
void
LakeFileReaderSetRowFilter(LakeFileReader *r)
{
	bool	   *used;
	int			npred = 0;

	/* the predicate's columns are the projection's (both by lake column) */
	if (r->pred == NULL || r->rg >= 0 || r->nselected == 0 || r->npred_cols != r->ncolumns)
		return;
	used = palloc0(sizeof(bool) * Max(r->ncolumns, 1));
	LakePredColumns(r->pred, used);
	r->sel_of = palloc(sizeof(int) * Max(r->ncolumns, 1));
	r->pred_read = palloc0(sizeof(char *) * Max(r->ncolumns, 1));
	r->want_pred = palloc0(sizeof(bool) * r->nselected);
	r->want_rest = palloc0(sizeof(bool) * r->nselected);
	r->file_col_of_sel = palloc(sizeof(int) * r->nselected);
	for (int i = 0, s = 0; i < r->ncolumns; i++)
	{
		r->sel_of[i] = r->absent[i] ? -1 : s++;
		if (r->sel_of[i] >= 0)
			r->file_col_of_sel[r->sel_of[i]] = r->file_col[i];
		if (!used[i] || !r->projected[i])
			continue;
		/* a column the file lacks reads as NULL: known without decoding */
		r->pred_read[i] = "";
		if (r->sel_of[i] >= 0)
		{
			r->want_pred[r->sel_of[i]] = true;
			npred++;
		}
	}
	pfree(used);
	for (int s = 0; s < r->nselected; s++)
		r->want_rest[s] = !r->want_pred[s];
	r->rest_now = true;
	if (npred == 0 || npred == r->nselected)
		return;
	if (late_scratch == NULL)
		late_scratch = MemoryContextAlloc(TopMemoryContext, sizeof(LateScratch));
	r->pred_view = palloc0(sizeof(PqColumnVector) * Max(r->ncolumns, 1));
	r->pack_vals = palloc0(sizeof(uint8 *) * r->nselected);
	r->pack_nulls = palloc0(sizeof(uint8 *) * r->nselected);
	r->pack_cap = palloc0(sizeof(uint32) * r->nselected);
	r->late = true;
}

/*
 * Leave the lake columns with defer[i] set (projected, present in the file,
 * not read by the predicate) out of Next's batches: FetchRows decodes them
 * at the rows the caller keeps.  A no-op when no column qualifies or when
 * every decoded column would be deferred (Next must decode something to
 * know its rows).  Call after SetPredicate and SetRowFilter, before the
 * first Next.
 */
void
LakeFileReaderSetDeferred(LakeFileReader *r, const bool *defer)
{
	MemoryContext cxt = GetMemoryChunkContext(r);
	bool	   *used;
	int			nlater = 0;

	if (r->rg >= 0 || r->nselected == 0 || r->defer)
		return;
	used = palloc0(sizeof(bool) * Max(r->ncolumns, 1));
	if (r->pred)
		LakePredColumns(r->pred, used);
	r->deferred = palloc0(sizeof(bool) * Max(r->ncolumns, 1));
	r->want_now = palloc(sizeof(bool) * r->nselected);
	r->want_later = palloc0(sizeof(bool) * r->nselected);
	for (int s = 0; s < r->nselected; s++)
		r->want_now[s] = true;
	if (r->sel_of == NULL)
		r->sel_of = palloc(sizeof(int) * Max(r->ncolumns, 1));
	for (int i = 0, s = 0; i < r->ncolumns; i++)
	{
		r->sel_of[i] = r->absent[i] ? -1 : s++;
		if (r->sel_of[i] < 0 || !defer[i] || !r->projected[i] ||
			(i < r->npred_cols && used[i]))
			continue;
		r->deferred[i] = true;
		r->want_now[r->sel_of[i]] = false;
		r->want_later[r->sel_of[i]] = true;
		nlater++;
	}
	pfree(used);
	if (nlater == 0 || nlater == r->nselected)
		return;
	if (r->late)
	{
		/* the late path decodes the kept rows of the rest but these */
		r->rest_now = false;
		for (int s = 0; s < r->nselected; s++)
		{
			r->want_rest[s] = r->want_rest[s] && !r->want_later[s];
			r->rest_now |= r->want_rest[s];
		}
	}
	r->batch_rows = MemoryContextAlloc(cxt, sizeof(int64) * LAKE_BATCH_ROWS);
	r->fetch_rows = MemoryContextAlloc(cxt, sizeof(int64) * LAKE_BATCH_ROWS);
	r->fetched = MemoryContextAllocZero(cxt, sizeof(PqColumnVector) * Max(r->ncolumns, 1));
	r->defer = true;
}

/*
 * The deferred columns at rows pos[0..n) of the batch Next delivered last
 * (strictly increasing, and above the rows of earlier calls for the same
 * batch): vectors [ncolumns] whose deferred entries hold those rows at
 * 0..n-1.  Valid until the next FetchRows or Next.
 */
const PqColumnVector *
LakeFileReaderFetchRows(LakeFileReader *r, const uint32 *pos, uint32 n)
{
	PqError		err;

	if (!r->defer)
		elog(ERROR, "lake file reader has no deferred columns");
	if (n == 0)
		return r->fetched;
	for (uint32 j = 0; j < n; j++)
	{
		if (pos[j] >= r->batch_n || (j > 0 && pos[j] <= pos[j - 1]))
			elog(ERROR, "lake file reader: rows to fetch out of order");
		r->fetch_rows[j] = r->batch_rows[pos[j]];
	}
	if (ParquetReaderReadRows(r->pq, r->fetch_rows, n, r->want_later, r->selected,
							  &err) != PQ_OK)
		LakeReportParquetError(&err, r->display);
	note_pages(r);
	for (int i = 0; i < r->ncolumns; i++)
		if (r->deferred[i])
			r->fetched[i] = r->selected[r->sel_of[i]];
	return r->fetched;
}

/*
 * Which record kinds the file holds, as the footer states: letters E S D O;
 * a file without the footer key holds ENGINE records only.
 */
const char *
LakeFileReaderKinds(LakeFileReader *r)
{
	const char *k = ParquetReaderKeyValue(r->pq, LAKE_KINDS_KEY);

	return k ? k : "E";
}

int64
LakeFileReaderNumRows(LakeFileReader *r)
{
	return ParquetReaderNumRows(r->pq);
}

uint64
LakeFileReaderBytesRead(LakeFileReader *r)
{
	return ParquetReaderBytesRead(r->pq);
}

void
LakeFileReaderClose(LakeFileReader *r)
{
	/* the footer and indexes stay cached; the page buffers go */
	if (r->cached)
		LakeReaderCacheGive(r->cached);
	if (r->file)
		LakeFileClose(r->file);
	r->cached = NULL;
	r->pq = NULL;
	r->file = NULL;
}
