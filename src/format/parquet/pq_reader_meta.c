/*-------------------------------------------------------------------------
 * pq_reader_meta.c
 *	  Reader entry points over metadata rather than data pages: column
 *	  chunk statistics (with the sort-order rules for legacy and current
 *	  fields), the page index (ColumnIndex + OffsetIndex, loaded lazily and
 *	  cached per chunk) and split-block bloom filter probes.
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>

#include "format/parquet/pq_reader_int.h"

/* ---------------------------------------------------------------------
 * Statistics, page index, bloom filters
 * ---------------------------------------------------------------------
 */
static void
fix_float_zero_bounds(PqValue *mn, PqValue *mx)
{
	if (mn->type == PQ_FLOAT)
	{
		if (mn->v.f32 == 0.0f)
			mn->v.f32 = -0.0f;
		if (mx->v.f32 == 0.0f)
			mx->v.f32 = 0.0f;
	}
	else if (mn->type == PQ_DOUBLE)
	{
		if (mn->v.f64 == 0.0)
			mn->v.f64 = -0.0;
		if (mx->v.f64 == 0.0)
			mx->v.f64 = 0.0;
	}
}

static bool
legacy_stats_usable(PqOrder order)
{
	/* deprecated min/max were written with signed comparisons */
	return order == PQO_I32 || order == PQO_I64 || order == PQO_FLOAT ||
		order == PQO_DOUBLE || order == PQO_BOOL;
}

PqStatus
ParquetReaderChunkStats(PqReader *r, int rg, int column, PqColumnStats *out,
						PqError *err)
{
	const PqMetaColumn *m;
	const RColumn *rc;
	const PqMetaStats *st;
	PqRawBytes	mn,
				mx;

	memset(out, 0, sizeof(*out));
	if (rg < 0 || rg >= r->meta.nrowgroups || column < 0 || column >= r->ncols)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet reader: no row group %d / column %d", rg, column);
	m = &r->meta.rowgroups[rg].columns[column];
	rc = &r->cols[column];
	out->min.type = out->max.type = rc->info.type;
	if (!m->has_stats)
		return PQ_OK;
	st = &m->stats;
	if (st->has_null_count && st->null_count >= 0)
	{
		out->has_null_count = true;
		out->null_count = st->null_count;
	}
	if (!rc->type_order || rc->order == PQO_NONE)
		return PQ_OK;
	mn = st->min_value;
	mx = st->max_value;
	if ((!mn.ptr || !mx.ptr) && legacy_stats_usable(rc->order) && st->min.ptr && st->max.ptr)
	{
		mn = st->min;
		mx = st->max;
	}
	if (!mn.ptr || !mx.ptr)
		return PQ_OK;
	if (PqStatsDecodeValue(rc->conv, rc->ptype, &rc->info, mn.ptr, mn.len, &out->min) &&
		PqStatsDecodeValue(rc->conv, rc->ptype, &rc->info, mx.ptr, mx.len, &out->max))
	{
		fix_float_zero_bounds(&out->min, &out->max);
		out->has_min_max = true;
	}
	else
	{
		memset(&out->min, 0, sizeof(out->min));
		memset(&out->max, 0, sizeof(out->max));
		out->min.type = out->max.type = rc->info.type;
	}
	return PQ_OK;
}

PqStatus
ParquetReaderPageIndex(PqReader *r, int rg, int column,
					   const PqPageIndex **out, PqError *err)
{
	RPageIndexCache *pc;
	const PqMetaColumn *m;
	const RColumn *rc;
	const PqMetaOffsetIndex *oi;
	bool		present;
	PqStatus	st;
	int64_t		rows;

	*out = NULL;
	if (rg < 0 || rg >= r->meta.nrowgroups || column < 0 || column >= r->ncols)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet reader: no row group %d / column %d", rg, column);
	if (!r->pic)
	{
		r->pic = PqAllocZero(r->alloc, sizeof(RPageIndexCache) *
							 (size_t) r->meta.nrowgroups * r->ncols);
		if (!r->pic)
			return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	}
	pc = &r->pic[(size_t) rg * r->ncols + column];
	if (pc->loaded)
	{
		if (pc->absent)
			return PQ_END;
		*out = &pc->pi;
		return PQ_OK;
	}
	m = &r->meta.rowgroups[rg].columns[column];
	rc = &r->cols[column];
	rows = r->meta.rowgroups[rg].num_rows;
	st = PqReaderOffsetIndex(r, rg, column, &oi, &present, err);
	if (st != PQ_OK)
		return st;
	if (!present)
	{
		pc->loaded = pc->absent = true;
		return PQ_END;
	}
	/* the column index is optional */
	if (m->column_index_offset >= 0 && m->column_index_length > 0)
	{
		if ((uint64_t) m->column_index_offset > r->data_end ||
			(uint64_t) m->column_index_length > r->data_end - (uint64_t) m->column_index_offset ||
			(uint64_t) m->column_index_length > r->opts.max_footer_bytes)
		{
			return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
							  "file \"%s\", row group %d, column \"%s\": column index at %lld length %d outside the file",
							  r->name, rg, rc->name, (long long) m->column_index_offset,
							  m->column_index_length);
		}
		pc->ci_raw = pq_alloc(r->alloc, (size_t) m->column_index_length);
		if (!pc->ci_raw)
		{
			return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
		}
		st = PqReaderSourceRead(r, (uint64_t) m->column_index_offset,
					  (size_t) m->column_index_length, pc->ci_raw, err);
		if (st == PQ_OK)
			st = PqColumnIndexParse(pc->ci_raw, (size_t) m->column_index_length,
									(uint64_t) m->column_index_offset, r->alloc,
									&pc->ci, err);
		if (st == PQ_OK && pc->ci.npages != oi->npages)
			st = PqErrorSet(err, PQ_ERR_CORRUPT, (uint64_t) m->column_index_offset,
							"file \"%s\", row group %d, column \"%s\": column index has %d pages, offset index %d",
							r->name, rg, rc->name, pc->ci.npages, oi->npages);
		if (st != PQ_OK)
		{
			pq_free(r->alloc, pc->ci_raw);
			pc->ci_raw = NULL;
			PqColumnIndexFree(&pc->ci, r->alloc);
			return st;
		}
	}
	pc->pi.pages = PqAllocZero(r->alloc, sizeof(PqPageIndexEntry) * (oi->npages ? oi->npages : 1));
	if (!pc->pi.pages)
	{
		return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	}
	pc->pi.npages = oi->npages;
	for (int i = 0; i < oi->npages; i++)
	{
		PqPageIndexEntry *e = &pc->pi.pages[i];
		int64_t		next = (i + 1 < oi->npages) ? oi->pages[i + 1].first_row_index : rows;

		e->first_row = oi->pages[i].first_row_index;
		e->num_rows = next - e->first_row;
		e->offset = (uint64_t) oi->pages[i].offset;
		e->compressed_size = (uint32_t) oi->pages[i].compressed_page_size;
		e->min.type = e->max.type = rc->info.type;
		if (pc->ci_raw && pc->ci.npages == oi->npages)
		{
			e->null_page = pc->ci.null_pages[i] != 0;
			if (pc->ci.has_null_counts && pc->ci.null_counts[i] >= 0)
			{
				e->has_null_count = true;
				e->null_count = pc->ci.null_counts[i];
			}
			if (!e->null_page && rc->type_order && rc->order != PQO_NONE &&
				PqStatsDecodeValue(rc->conv, rc->ptype, &rc->info,
								   pc->ci.min_values[i].ptr, pc->ci.min_values[i].len, &e->min) &&
				PqStatsDecodeValue(rc->conv, rc->ptype, &rc->info,
								   pc->ci.max_values[i].ptr, pc->ci.max_values[i].len, &e->max))
			{
				fix_float_zero_bounds(&e->min, &e->max);
				e->has_min_max = true;
			}
			else if (!e->has_min_max)
			{
				memset(&e->min, 0, sizeof(e->min));
				memset(&e->max, 0, sizeof(e->max));
				e->min.type = e->max.type = rc->info.type;
			}
		}
	}
	/* sorted pages (a primary key in a sorted file) allow a binary search */
	pc->pi.ascending = oi->npages > 0;
	for (int i = 0; i < oi->npages && pc->pi.ascending; i++)
	{
		const PqPageIndexEntry *e = &pc->pi.pages[i];

		if (!e->has_min_max || e->null_page ||
			(i > 0 && ParquetValueCompare(&pc->pi.pages[i - 1].max, &e->min) > 0))
			pc->pi.ascending = false;
	}
	pc->loaded = true;
	*out = &pc->pi;
	return PQ_OK;
}

PqStatus
ParquetReaderPagesInRanges(PqReader *r, int rg, int column, const PqRowRange *ranges,
						   int nranges, int *npages, int *nread, PqError *err)
{
	const PqMetaOffsetIndex *oi;
	const PqMetaPageLocation *pg;
	bool		present;
	PqStatus	st;
	int64_t		rows;
	int			next = 0;

	*npages = *nread = 0;
	if (rg < 0 || rg >= r->meta.nrowgroups || column < 0 || column >= r->ncols ||
		nranges < 0 || (nranges > 0 && !ranges))
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet reader: no row group %d / column %d", rg, column);
	st = PqReaderOffsetIndex(r, rg, column, &oi, &present, err);
	if (st != PQ_OK)
		return st;
	if (!present)
		return PQ_END;
	*npages = oi->npages;
	if (ranges == NULL)
	{
		*nread = oi->npages;
		return PQ_OK;
	}
	pg = oi->pages;
	rows = r->meta.rowgroups[rg].num_rows;

	/*
	 * Per range, the last page starting at or before its first row, then
	 * the pages up to its end.  next: the first page not counted yet, so
	 * that a page two ranges share counts once.
	 */
	for (int k = 0; k < nranges && next < oi->npages; k++)
	{
		int64_t		first = ranges[k].first;
		int64_t		end = first + ranges[k].count;
		int			lo = next,
					hi = oi->npages - 1;

		if (ranges[k].count <= 0 || first >= rows)
			continue;
		if (pg[lo].first_row_index < first)
			lo = PqPageOfRow(pg, lo, hi, rows, first);
		for (; lo < oi->npages && pg[lo].first_row_index < end; lo++)
			(*nread)++;
		next = lo;
	}
	return PQ_OK;
}

/* PLAIN bytes of value as stored in column rc; -1: cannot be present,
 * -2: unknown (assume present) */
static int
probe_bytes(const RColumn *rc, const PqValue *value, uint8_t *tmp,
			const uint8_t **ptr)
{
	PqValue		v = *value;

	switch (rc->conv)
	{
		case PQV_I64_MILLIS:
			if (v.v.i64 % 1000 != 0)
				return -1;
			v.v.i64 /= 1000;
			break;
		case PQV_I64_NANOS:
			if (v.v.i64 > INT64_MAX / 1000 || v.v.i64 < INT64_MIN / 1000)
				return -1;
			v.v.i64 *= 1000;
			break;
		case PQV_INT96:
			return -2;
		case PQV_DEC_BYTES:
			if (rc->ptype == PQT_BYTE_ARRAY)
				return -2;
			break;
		default:
			break;
	}
	return PqValueEncodePlain(&v, rc->ptype, rc->tlen, tmp, ptr);
}

PqStatus
ParquetReaderBloomProbe(PqReader *r, int rg, int column, const PqValue *value,
						bool *might_contain, PqError *err)
{
	const PqMetaColumn *m;
	const RColumn *rc;
	uint8_t		tmp[16];
	const uint8_t *ptr = NULL;
	int			len;
	uint64_t	h;

	*might_contain = true;
	if (rg < 0 || rg >= r->meta.nrowgroups || column < 0 || column >= r->ncols || !value)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet reader: no row group %d / column %d", rg, column);
	m = &r->meta.rowgroups[rg].columns[column];
	rc = &r->cols[column];
	if (value->type != rc->info.type)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet reader: probing column \"%s\" (%s) with a %s value",
						  rc->name, ParquetTypeName(rc->info.type),
						  ParquetTypeName(value->type));
	if (m->bloom_filter_offset < 0)
		return PQ_OK;

	if (r->bloom_rg != rg || r->bloom_col != column)
	{
		uint8_t		hb[256];
		size_t		hn;
		PqBloomHeader bh;
		PqStatus	st;
		uint64_t	off = (uint64_t) m->bloom_filter_offset;
		PqError		e2;

		pq_free(r->alloc, r->bloom_bits);
		r->bloom_bits = NULL;
		r->bloom_rg = r->bloom_col = -1;
		if (off >= r->data_end)
			return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
							  "file \"%s\", row group %d, column \"%s\": bloom filter offset %llu outside the data",
							  r->name, rg, rc->name, (unsigned long long) off);
		hn = r->data_end - off < sizeof(hb) ? (size_t) (r->data_end - off) : sizeof(hb);
		if (m->bloom_filter_length > 0 && (size_t) m->bloom_filter_length < hn)
			hn = (size_t) m->bloom_filter_length;
		st = PqReaderSourceRead(r, off, hn, hb, err);
		if (st != PQ_OK)
			return st;
		memset(&e2, 0, sizeof(e2));
		st = PqBloomHeaderParse(hb, hn, off, &bh, &e2);
		if (st != PQ_OK)
			return PqErrorSet(err, PQ_ERR_CORRUPT, off,
							  "file \"%s\", row group %d, column \"%s\": bloom filter header: %s",
							  r->name, rg, rc->name,
							  st == PQ_END ? "truncated" : e2.message);
		if (bh.algorithm != 1 || bh.hash != 1 || bh.compression != 1)
			return PQ_OK;		/* a kind we do not know: assume present */
		if (bh.num_bytes < 32 || bh.num_bytes > 128 * 1024 * 1024 || bh.num_bytes % 32 != 0 ||
			(uint64_t) bh.num_bytes > r->data_end - off - bh.header_len ||
			(m->bloom_filter_length > 0 &&
			 (uint64_t) bh.num_bytes + bh.header_len > (uint64_t) m->bloom_filter_length))
			return PqErrorSet(err, PQ_ERR_CORRUPT, off,
							  "file \"%s\", row group %d, column \"%s\": bloom filter of %d bytes is invalid or runs past its bounds",
							  r->name, rg, rc->name, bh.num_bytes);
		r->bloom_bits = pq_alloc(r->alloc, (size_t) bh.num_bytes);
		if (!r->bloom_bits)
			return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
		st = PqReaderSourceRead(r, off + bh.header_len, (size_t) bh.num_bytes, r->bloom_bits, err);
		if (st != PQ_OK)
		{
			pq_free(r->alloc, r->bloom_bits);
			r->bloom_bits = NULL;
			return st;
		}
		r->bloom_nbytes = (uint32_t) bh.num_bytes;
		r->bloom_rg = rg;
		r->bloom_col = column;
	}
	len = probe_bytes(rc, value, tmp, &ptr);
	if (len == -2)
		return PQ_OK;
	if (len < 0)
	{
		*might_contain = false;
		return PQ_OK;
	}
	h = PqXxHash64(ptr ? ptr : tmp, (size_t) len, 0);
	*might_contain = PqBloomCheck(r->bloom_bits, r->bloom_nbytes, h);
	/* -0.0 and +0.0 are equal but hash differently: probe both */
	if (!*might_contain && (rc->ptype == PQT_FLOAT || rc->ptype == PQT_DOUBLE))
	{
		PqValue		z = *value;
		bool		zero = rc->ptype == PQT_FLOAT ? z.v.f32 == 0.0f : z.v.f64 == 0.0;

		if (zero)
		{
			if (rc->ptype == PQT_FLOAT)
				z.v.f32 = signbit(z.v.f32) ? 0.0f : -0.0f;
			else
				z.v.f64 = signbit(z.v.f64) ? 0.0 : -0.0;
			len = probe_bytes(rc, &z, tmp, &ptr);
			if (len > 0)
				*might_contain = PqBloomCheck(r->bloom_bits, r->bloom_nbytes,
											  PqXxHash64(ptr ? ptr : tmp, (size_t) len, 0));
		}
	}
	return PQ_OK;
}

int
PqPageOfRow(const PqMetaPageLocation *pg, int lo, int hi, int64_t rows, int64_t row)
{
	int64_t		span = rows - pg[lo].first_row_index;

	/* invariant: pg[lo].first_row_index <= row */
	if (span > 0 && lo < hi)
	{
		int			g = lo + (int) ((row - pg[lo].first_row_index) *
									(int64_t) (hi - lo + 1) / span);

		if (g > hi)
			g = hi;
		if (pg[g].first_row_index <= row)
		{
			lo = g;
			if (g < hi && pg[g + 1].first_row_index > row)
				hi = g;
		}
		else
			hi = g - 1;
	}
	while (lo < hi)
	{
		int			mid = lo + (hi - lo + 1) / 2;

		if (pg[mid].first_row_index <= row)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}
