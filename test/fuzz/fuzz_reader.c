/*-------------------------------------------------------------------------
 * fuzz_reader.c
 *	  libFuzzer target for the whole Parquet reader: the input is a Parquet
 *	  file.  It is opened from memory with ParquetReaderOpen (bounded
 *	  footer/page limits and a bounded allocator), then for every row group
 *	  and column: chunk statistics, the page index and a bloom-filter
 *	  probe; then every row group is read with ReadBatch (all columns, and
 *	  once more for a row range), and with late materialisation (column 0
 *	  by ReadBatchColumns, the others by ReadRows at every third row and
 *	  at the batch's last row), and by key seek (SeekSorted of each INT32/
 *	  INT64 column for its chunk minimum and a value from the input, then
 *	  ReadRows of the rows found), touching every value so stray pointers
 *	  show up under ASan.  Properties: no crash, errors carry a message,
 *	  batches never exceed the requested size, the rows delivered by a
 *	  row group add up to its row count (or the read fails), every
 *	  allocation is freed.  (Statistics and bloom filters of a hostile
 *	  file may contradict its data; that is not checked here.)
 *-------------------------------------------------------------------------
 */
#include "fuzz_util.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct MemFile
{
	const uint8_t *data;
	size_t		size;
} MemFile;

static PqStatus
mem_read_at(void *ctx, uint64_t offset, size_t len, void *buf)
{
	MemFile    *m = (MemFile *) ctx;

	if (offset > m->size || len > m->size - offset)
		return PQ_ERR_IO;
	if (len > 0)
		memcpy(buf, m->data + offset, len);
	return PQ_OK;
}

static volatile uint64_t sink;

static void
touch_vector(const PqColumnVector *v, uint32_t nrows)
{
	uint64_t	h = 0;

	FUZZ_ASSERT(v->count == nrows);
	for (uint32_t i = 0; i < nrows; i++)
	{
		if (v->nulls && v->nulls[i])
			continue;
		switch (v->type)
		{
			case PQ_BOOL:
				h += v->v.b[i];
				break;
			case PQ_INT16:
			case PQ_INT32:
			case PQ_DATE:
				h += (uint64_t) v->v.i32[i];
				break;
			case PQ_INT64:
			case PQ_TIMESTAMP:
			case PQ_TIMESTAMPTZ:
				h += (uint64_t) v->v.i64[i];
				break;
			case PQ_FLOAT:
				h += (uint64_t) (v->v.f32[i] == v->v.f32[i]);
				break;
			case PQ_DOUBLE:
				h += (uint64_t) (v->v.f64[i] == v->v.f64[i]);
				break;
			case PQ_DECIMAL:
				/* slot size depends on the precision; read through bytes */
				h += ((const uint8_t *) v->v.i64)[0];
				break;
			case PQ_STRING:
			case PQ_BYTES:
			case PQ_JSON:
			case PQ_UUID:
				for (uint32_t k = 0; k < v->v.bytes[i].len; k++)
					h = h * 31 + v->v.bytes[i].ptr[k];
				if (v->type == PQ_UUID)
					FUZZ_ASSERT(v->v.bytes[i].len == 16);
				break;
		}
	}
	sink = h;
}

/* a probe value of the column's type: its chunk min when known */
static void
probe_value(const PqColumnInfo *ci, const PqColumnStats *st, bool have, PqValue *v)
{
	static const uint8_t zeros[16] = {0};

	if (have && st->has_min_max)
	{
		*v = st->min;
		return;
	}
	memset(v, 0, sizeof(*v));
	v->type = ci->type;
	v->precision = ci->precision;
	v->scale = ci->scale;
	if (ci->type == PQ_STRING || ci->type == PQ_BYTES || ci->type == PQ_JSON ||
		ci->type == PQ_UUID)
	{
		v->v.bytes.ptr = zeros;
		v->v.bytes.len = ci->type == PQ_UUID ? 16 : 3;
	}
}

static void
read_row_group(PqReader *r, int rg, const PqRowRange *ranges, int nranges, int ncols)
{
	PqColumnVector *out = calloc((size_t) ncols + 1, sizeof(PqColumnVector));
	PqError		err;
	PqStatus	st;
	int64_t		total = 0;
	int64_t		want = ParquetReaderRowGroupNumRows(r, rg);
	uint32_t	max_rows = 1000;

	st = ParquetReaderStartRowGroup(r, rg, ranges, nranges, &err);
	fuzz_check_error(st, &err);
	if (st != PQ_OK)
	{
		free(out);
		return;
	}
	for (;;)
	{
		uint32_t	nrows = 0;

		st = ParquetReaderReadBatch(r, max_rows, out, &nrows, &err);
		fuzz_check_error(st, &err);
		if (st != PQ_OK)
			break;
		FUZZ_ASSERT(nrows > 0 && nrows <= max_rows);
		for (int c = 0; c < ncols; c++)
			touch_vector(&out[c], nrows);
		total += nrows;
		FUZZ_ASSERT(total <= want);
	}
	if (st == PQ_END && ranges == NULL)
		FUZZ_ASSERT(total == want);
	free(out);
}

/* late materialisation: column 0 first, the others at some of its rows */
static void
read_row_group_late(PqReader *r, int rg, const PqRowRange *ranges, int nranges, int ncols)
{
	PqColumnVector *out = calloc((size_t) ncols + 1, sizeof(PqColumnVector));
	bool	   *want_f = calloc((size_t) ncols + 1, sizeof(bool));
	bool	   *want_o = calloc((size_t) ncols + 1, sizeof(bool));
	uint32_t	max_rows = 700;
	int64_t    *rows = calloc(max_rows, sizeof(int64_t));
	int64_t    *keep = calloc(max_rows, sizeof(int64_t));
	int64_t		total = 0;
	int64_t		want = ParquetReaderRowGroupNumRows(r, rg);
	PqError		err;
	PqStatus	st;

	for (int c = 0; c < ncols; c++)
	{
		want_f[c] = c == 0;
		want_o[c] = c != 0;
	}
	st = ParquetReaderStartRowGroup(r, rg, ranges, nranges, &err);
	fuzz_check_error(st, &err);
	while (st == PQ_OK)
	{
		uint32_t	nrows = 0,
					k = 0;

		st = ParquetReaderReadBatchColumns(r, max_rows, want_f, out, &nrows, rows, &err);
		fuzz_check_error(st, &err);
		if (st != PQ_OK)
			break;
		FUZZ_ASSERT(nrows > 0 && nrows <= max_rows);
		touch_vector(&out[0], nrows);
		for (uint32_t i = 0; i < nrows; i++)
		{
			FUZZ_ASSERT(rows[i] >= 0 && rows[i] < want);
			FUZZ_ASSERT(i == 0 || rows[i] > rows[i - 1]);
			if (i % 3 == 1 || i == nrows - 1)
				keep[k++] = rows[i];
		}
		st = ParquetReaderReadRows(r, keep, k, want_o, out, &err);
		fuzz_check_error(st, &err);
		if (st != PQ_OK)
			break;
		for (int c = 1; c < ncols; c++)
			touch_vector(&out[c], k);
		touch_vector(&out[0], nrows);	/* still valid */
		total += nrows;
		FUZZ_ASSERT(total <= want);
	}
	if (st == PQ_END && ranges == NULL)
		FUZZ_ASSERT(total == want);
	free(out);
	free(want_f);
	free(want_o);
	free(rows);
	free(keep);
}

/* key seek on column c (unsorted data of a hostile file: bounds only) */
static void
read_row_group_seek(PqReader *r, int rg, const PqRowRange *ranges, int nranges,
					int ncols, int c, int64_t salt)
{
	const PqColumnInfo *ci = ParquetReaderColumn(r, c);
	PqColumnVector *out = calloc((size_t) ncols + 1, sizeof(PqColumnVector));
	bool	   *want = calloc((size_t) ncols + 1, sizeof(bool));
	int64_t		n = ParquetReaderRowGroupNumRows(r, rg);
	PqColumnStats cs;
	PqError		err;

	for (int k = 0; k < 2; k++)
	{
		PqValue		key;
		int64_t		first,
					count;
		PqStatus	st;

		memset(&key, 0, sizeof(key));
		key.type = ci->type;
		if (k == 0 && ParquetReaderChunkStats(r, rg, c, &cs, &err) == PQ_OK &&
			cs.has_min_max)
			key = cs.min;
		else if (ci->type == PQ_INT64)
			key.v.i64 = salt;
		else
			key.v.i32 = (int32_t) salt;
		for (int i = 0; i < ncols; i++)
			want[i] = true;
		st = ParquetReaderStartRowGroup(r, rg, ranges, nranges, &err);
		fuzz_check_error(st, &err);
		if (st != PQ_OK)
			break;
		st = ParquetReaderSeekSorted(r, c, &key, &first, &count, &err);
		fuzz_check_error(st, &err);
		if (st != PQ_OK)
			continue;
		FUZZ_ASSERT(count >= 0 && (count == 0 || (first >= 0 && first + count <= n)));
		if (count > 0 && count <= 700)
		{
			int64_t    *rows = calloc((size_t) count, sizeof(int64_t));

			for (int64_t i = 0; i < count; i++)
				rows[i] = first + i;
			st = ParquetReaderReadRows(r, rows, (uint32_t) count, want, out, &err);
			fuzz_check_error(st, &err);
			if (st == PQ_OK)
				for (int i = 0; i < ncols; i++)
					touch_vector(&out[i], (uint32_t) count);
			free(rows);
		}
	}
	free(out);
	free(want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	MemFile		m = {data, size};
	PqSource	src = {mem_read_at, size, &m};
	PqReaderOptions opts;
	FuzzAlloc	fa;
	PqAllocator a = fuzz_allocator(&fa);
	PqError		err;
	PqReader   *r;
	int			ncols;
	int			nrg;

	ParquetReaderOptionsInit(&opts);
	opts.max_footer_bytes = 8 << 20;
	opts.max_page_bytes = 16 << 20;
	opts.max_columns = 1000;
	memset(&err, 0, sizeof(err));
	r = ParquetReaderOpen(&src, &opts, &a, "fuzz.parquet", &err);
	if (r == NULL)
	{
		fuzz_check_error(err.status, &err);
		FUZZ_ASSERT(err.status != PQ_OK);
		FUZZ_ASSERT(fa.blocks == 0);
		return 0;
	}
	ncols = ParquetReaderNumColumns(r);
	nrg = ParquetReaderNumRowGroups(r);
	FUZZ_ASSERT(ncols >= 0 && nrg >= 0);
	for (int c = 0; c < ncols; c++)
	{
		const PqColumnInfo *ci = ParquetReaderColumn(r, c);

		FUZZ_ASSERT(ci != NULL && ci->name != NULL);
		FUZZ_ASSERT(ParquetReaderFindColumn(r, ci->name) >= 0);
	}
	(void) ParquetReaderKeyValue(r, "ARROW:schema");

	/* metadata: stats, page index, bloom probe */
	for (int rg = 0; rg < nrg && rg < 64; rg++)
		for (int c = 0; c < ncols && c < 64; c++)
		{
			PqColumnStats cs;
			const PqPageIndex *pi = NULL;
			PqValue		pv;
			bool		might = false;
			PqStatus	st;
			bool		have;

			st = ParquetReaderChunkStats(r, rg, c, &cs, &err);
			fuzz_check_error(st, &err);
			have = (st == PQ_OK);
			if (have && cs.has_min_max)
				sink = (uint64_t) ParquetValueCompare(&cs.min, &cs.max);
			st = ParquetReaderPageIndex(r, rg, c, &pi, &err);
			fuzz_check_error(st, &err);
			if (st == PQ_OK)
			{
				FUZZ_ASSERT(pi != NULL && pi->npages >= 0);
				for (int p = 0; p < pi->npages; p++)
					FUZZ_ASSERT(pi->pages[p].num_rows >= 0);
			}
			probe_value(ParquetReaderColumn(r, c), &cs, have, &pv);
			st = ParquetReaderBloomProbe(r, rg, c, &pv, &might, &err);
			fuzz_check_error(st, &err);
		}

	/* data: every row group, all columns; then the second half only */
	for (int rg = 0; rg < nrg && rg < 64; rg++)
	{
		int64_t		n = ParquetReaderRowGroupNumRows(r, rg);

		read_row_group(r, rg, NULL, 0, ncols);
		if (n > 1)
		{
			PqRowRange	range = {n / 2, n - n / 2};

			read_row_group(r, rg, &range, 1, ncols);
			read_row_group_late(r, rg, &range, 1, ncols);
		}
		if (ncols > 1)
			read_row_group_late(r, rg, NULL, 0, ncols);
		for (int c = 0; c < ncols && c < 8; c++)
		{
			PqType		t = ParquetReaderColumn(r, c)->type;

			if (t != PQ_INT64 && t != PQ_INT32)
				continue;
			read_row_group_seek(r, rg, NULL, 0, ncols, c, (int64_t) size);
			if (n > 1)
			{
				PqRowRange	range = {n / 2, n - n / 2};

				read_row_group_seek(r, rg, &range, 1, ncols, c, (int64_t) size);
			}
		}
	}
	/* a projection of the last column alone */
	if (ncols > 1 && nrg > 0)
	{
		int			col = ncols - 1;

		if (ParquetReaderSelectColumns(r, &col, 1, &err) == PQ_OK)
			read_row_group(r, 0, NULL, 0, 1);
	}
	ParquetReaderClose(r);
	FUZZ_ASSERT(fa.blocks == 0);
	return 0;
}
