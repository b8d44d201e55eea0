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

struct LakeFileReader
{
	char	   *path;
	char	   *display;
	LakeFile   *file;
	LakeCachedReader *cached;	/* owns pq (reader_cache.c) */
	PqReader   *pq;
	int			ncolumns;		/* projected */
	int		   *file_col;		/* per projected column, -1 = absent */
	int			seq_index;		/* index of _lake_seq among selected, or -1 */
	int			kind_index;		/* index of _lake_kind among selected, or -1 */
	int			ops_index;		/* index of _lake_ops among selected, or -1 */
	bool		seq_implicit;	/* no _lake_seq column: first_seq + row */
	bool		want_seq;
	int64		first_seq;
	int64		rows_done;		/* rows delivered so far (implicit seq) */
	int64	   *seq_buf;		/* synthesized sequences of a batch */
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
	int			cur_rg;			/* row group the callbacks look at */
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
	r->nselected = 0;
	for (int i = 0; i < ncolumns; i++)
	{
		int			fc = names[i] ? ParquetReaderFindColumn(r->pq, names[i]) : -1;

		r->file_col[i] = fc;
		r->absent[i] = (fc < 0);
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
	if (want_records)
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

/* Pages of the selected columns in row group rg, and those the ranges touch. */
static void
count_pages(LakeFileReader *r, const PqRowRange *ranges, int nranges)
{
	const int  *cols = r->file_col;

	for (int i = 0; i < r->ncolumns; i++)
	{
		const PqPageIndex *pi;
		PqError		err;
		PqStatus	st;
		int			k = 0;

		if (cols[i] < 0)
			continue;
		st = ParquetReaderPageIndex(r->pq, r->cur_rg, cols[i], &pi, &err);
		if (st == PQ_END)
			continue;
		if (st != PQ_OK)
			LakeReportParquetError(&err, r->display);
		r->stats->pages_total += pi->npages;
		if (ranges == NULL)
		{
			r->stats->pages_read += pi->npages;
			continue;
		}

		/*
		 * Pages are in row order: per range, binary search its first page,
		 * then count on to its end (a point lookup touches one page of
		 * thousands).  next: first page not counted yet, so a page two
		 * ranges share counts once.
		 */
		for (int next = 0; k < nranges; k++)
		{
			int64		first = ranges[k].first;
			int64		end = first + ranges[k].count;
			int			lo = next;
			int			hi = pi->npages;

			while (lo < hi)
			{
				int			mid = lo + (hi - lo) / 2;

				if (pi->pages[mid].first_row + pi->pages[mid].num_rows <= first)
					lo = mid + 1;
				else
					hi = mid;
			}
			for (; lo < pi->npages && pi->pages[lo].first_row < end; lo++)
				r->stats->pages_read++;
			next = lo;
		}
		k = 0;
	}
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
		 * (they count every row of the row group).
		 */
		if (!(r->seq_implicit && r->seq_index < 0 && r->want_seq))
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
		count_pages(r, ranges, nranges);
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

bool
LakeFileReaderNext(LakeFileReader *r, LakeFileBatch *batch)
{
	PqError		err;
	uint32		nrows = 0;

	for (;;)
	{
		PqStatus	st;

		CHECK_FOR_INTERRUPTS();
		if (!r->rg_open)
		{
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
		}
		if (r->nselected == 0)
		{
			/* no column read (count(*)): rows without values, batch-sized */
			nrows = (uint32) Min(r->rg_left, (int64) LAKE_BATCH_ROWS);
			r->rg_left -= nrows;
			if (r->rg_left == 0)
				r->rg_open = false;
			break;
		}
		st = ParquetReaderReadBatch(r->pq, LAKE_BATCH_ROWS, r->selected, &nrows, &err);
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
		r->columns[i] = r->selected[s++];
	}
	batch->nrows = nrows;
	batch->columns = r->columns;
	batch->absent = r->absent;
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
		if (r->seq_buf == NULL)
			r->seq_buf = MemoryContextAlloc(GetMemoryChunkContext(r),
											sizeof(int64) * LAKE_BATCH_ROWS);
		for (uint32 i = 0; i < nrows; i++)
			r->seq_buf[i] = r->first_seq + r->rows_done + i;
		batch->seq = r->seq_buf;
	}
	r->rows_done += nrows;
	return true;
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
