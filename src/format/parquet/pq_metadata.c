/*-------------------------------------------------------------------------
 * pq_metadata.c
 *	  Parse and serialize Parquet thrift metadata: FileMetaData and what it
 *	  contains, PageHeader (v1, v2, dictionary), ColumnIndex, OffsetIndex
 *	  and BloomFilterHeader.  Field ids follow parquet.thrift (format 2.x);
 *	  unknown fields are skipped.
 *-------------------------------------------------------------------------
 */
#include <stdio.h>

#include "format/parquet/pq_metadata.h"

static PqStatus
thrift_error(PqThriftReader *r, PqError *err)
{
	return PqErrorSet(err, PQ_ERR_CORRUPT, pq_thrift_offset(r), "%s", r->msg);
}

static PqRawBytes
read_raw(PqThriftReader *r, int type)
{
	PqRawBytes	b;

	b.ptr = PqThriftReadBinary(r, type, &b.len);
	if (b.ptr == NULL)
		b.len = 0;
	return b;
}

/* ---------------------------------------------------------------------
 * Statistics
 * ---------------------------------------------------------------------
 */
/*
 * An array of n elements (at least one) for a Thrift list, or NULL after
 * failing the reader with "out of memory" and setting *nomem.
 */
static void *
alloc_list(PqThriftReader *r, const PqAllocator *alloc, size_t elem_size, uint32_t n,
		   bool *nomem)
{
	void	   *p = PqAllocZero(alloc, elem_size * (n ? n : 1));

	if (p == NULL)
	{
		*nomem = true;
		PqThriftFail(r, "out of memory");
	}
	return p;
}

static void
parse_stats(PqThriftReader *r, PqMetaStats *s)
{
	int16_t		last,
				id;
	int			t;

	memset(s, 0, sizeof(*s));
	PqThriftStructBegin(r, &last);
	while (PqThriftFieldBegin(r, &last, &id, &t))
	{
		switch (id)
		{
			case 1:
				s->max = read_raw(r, t);
				break;
			case 2:
				s->min = read_raw(r, t);
				break;
			case 3:
				s->null_count = PqThriftReadI64(r, t);
				s->has_null_count = true;
				break;
			case 4:
				s->distinct_count = PqThriftReadI64(r, t);
				s->has_distinct_count = true;
				break;
			case 5:
				s->max_value = read_raw(r, t);
				break;
			case 6:
				s->min_value = read_raw(r, t);
				break;
			default:
				PqThriftSkip(r, t);
		}
	}
	PqThriftStructEnd(r);
}

/* an empty-struct union member, e.g. TimeUnit or ColumnOrder: field id */
static int
parse_union_kind(PqThriftReader *r)
{
	int16_t		last,
				id;
	int			t,
				kind = 0;

	PqThriftStructBegin(r, &last);
	while (PqThriftFieldBegin(r, &last, &id, &t))
	{
		if (kind == 0)
			kind = id;
		PqThriftSkip(r, t);
	}
	PqThriftStructEnd(r);
	return kind;
}

static void
parse_logical(PqThriftReader *r, PqMetaLogical *lt)
{
	int16_t		last,
				id;
	int			t;

	memset(lt, 0, sizeof(*lt));
	PqThriftStructBegin(r, &last);
	while (PqThriftFieldBegin(r, &last, &id, &t))
	{
		if (t != TT_STRUCT)
		{
			PqThriftSkip(r, t);
			continue;
		}
		lt->kind = id;
		if (id == PQL_DECIMAL || id == PQL_TIMESTAMP || id == PQL_TIME ||
			id == PQL_INTEGER)
		{
			int16_t		l2,
						i2;
			int			t2;

			PqThriftStructBegin(r, &l2);
			while (PqThriftFieldBegin(r, &l2, &i2, &t2))
			{
				if (id == PQL_DECIMAL && i2 == 1)
					lt->scale = PqThriftReadI32(r, t2);
				else if (id == PQL_DECIMAL && i2 == 2)
					lt->precision = PqThriftReadI32(r, t2);
				else if ((id == PQL_TIMESTAMP || id == PQL_TIME) && i2 == 1)
					lt->adjusted_to_utc = PqThriftReadBool(r, t2);
				else if ((id == PQL_TIMESTAMP || id == PQL_TIME) && i2 == 2 &&
						 t2 == TT_STRUCT)
					lt->unit = parse_union_kind(r);
				else if (id == PQL_INTEGER && i2 == 1)
					lt->bit_width = (int) PqThriftReadI64(r, t2);
				else if (id == PQL_INTEGER && i2 == 2)
					lt->is_signed = PqThriftReadBool(r, t2);
				else
					PqThriftSkip(r, t2);
			}
			PqThriftStructEnd(r);
		}
		else
			PqThriftSkip(r, t);
	}
	PqThriftStructEnd(r);
}

static void
parse_schema(PqThriftReader *r, PqMetaSchema *s)
{
	int16_t		last,
				id;
	int			t;

	memset(s, 0, sizeof(*s));
	s->converted_type = -1;
	PqThriftStructBegin(r, &last);
	while (PqThriftFieldBegin(r, &last, &id, &t))
	{
		switch (id)
		{
			case 1:
				s->type = PqThriftReadI32(r, t);
				s->has_type = true;
				break;
			case 2:
				s->type_length = PqThriftReadI32(r, t);
				break;
			case 3:
				s->repetition = PqThriftReadI32(r, t);
				s->has_repetition = true;
				break;
			case 4:
				s->name = read_raw(r, t);
				break;
			case 5:
				s->num_children = PqThriftReadI32(r, t);
				break;
			case 6:
				s->converted_type = PqThriftReadI32(r, t);
				break;
			case 7:
				s->scale = PqThriftReadI32(r, t);
				break;
			case 8:
				s->precision = PqThriftReadI32(r, t);
				break;
			case 9:
				s->field_id = PqThriftReadI32(r, t);
				s->has_field_id = true;
				break;
			case 10:
				if (t == TT_STRUCT)
					parse_logical(r, &s->logical);
				else
					PqThriftSkip(r, t);
				break;
			default:
				PqThriftSkip(r, t);
		}
	}
	PqThriftStructEnd(r);
}

static void
parse_column_meta(PqThriftReader *r, PqMetaColumn *c)
{
	int16_t		last,
				id;
	int			t,
				et;
	uint32_t	n;
	uint32_t	seen = 0;
	/* required fields this reader relies on: type, codec, num_values,
	 * total_compressed_size, data_page_offset */
	const uint32_t required = (1u << 1) | (1u << 4) | (1u << 5) | (1u << 7) | (1u << 9);

	PqThriftStructBegin(r, &last);
	while (PqThriftFieldBegin(r, &last, &id, &t))
	{
		if (id > 0 && id < 32)
			seen |= 1u << id;
		switch (id)
		{
			case 1:
				c->type = PqThriftReadI32(r, t);
				break;
			case 2:
				n = PqThriftReadList(r, t, &et);
				for (uint32_t i = 0; i < n && !r->failed; i++)
				{
					int32_t		e = PqThriftReadI32(r, et);

					if (e >= 0 && e < 32)
						c->encodings_mask |= 1u << e;
				}
				break;
			case 3:
				n = PqThriftReadList(r, t, &et);
				c->npath = (int) n;
				for (uint32_t i = 0; i < n && !r->failed; i++)
					PqThriftSkip(r, et);
				break;
			case 4:
				c->codec = PqThriftReadI32(r, t);
				break;
			case 5:
				c->num_values = PqThriftReadI64(r, t);
				break;
			case 6:
				c->total_uncompressed_size = PqThriftReadI64(r, t);
				break;
			case 7:
				c->total_compressed_size = PqThriftReadI64(r, t);
				break;
			case 9:
				c->data_page_offset = PqThriftReadI64(r, t);
				break;
			case 11:
				c->dictionary_page_offset = PqThriftReadI64(r, t);
				break;
			case 12:
				if (t == TT_STRUCT)
				{
					parse_stats(r, &c->stats);
					c->has_stats = true;
				}
				else
					PqThriftSkip(r, t);
				break;
			case 14:
				c->bloom_filter_offset = PqThriftReadI64(r, t);
				break;
			case 15:
				c->bloom_filter_length = PqThriftReadI32(r, t);
				break;
			default:
				PqThriftSkip(r, t);
		}
	}
	PqThriftStructEnd(r);
	/*
	 * Checked here, not later: a footer of empty structs must fail before
	 * it makes this reader allocate a chunk descriptor per byte.
	 */
	if (!r->failed && (seen & required) != required)
		PqThriftFail(r, "column metadata lacks a required field (offset %llu)",
					 (unsigned long long) pq_thrift_offset(r));
}

static void
parse_column_chunk(PqThriftReader *r, PqMetaColumn *c)
{
	int16_t		last,
				id;
	int			t;

	memset(c, 0, sizeof(*c));
	c->offset_index_offset = -1;
	c->column_index_offset = -1;
	c->dictionary_page_offset = -1;
	c->bloom_filter_offset = -1;
	c->bloom_filter_length = -1;
	c->codec = -1;
	c->type = -1;
	PqThriftStructBegin(r, &last);
	while (PqThriftFieldBegin(r, &last, &id, &t))
	{
		switch (id)
		{
			case 1:
				c->file_path = read_raw(r, t);
				break;
			case 2:
				c->file_offset = PqThriftReadI64(r, t);
				break;
			case 3:
				if (t == TT_STRUCT)
				{
					parse_column_meta(r, c);
					c->has_meta = true;
				}
				else
					PqThriftSkip(r, t);
				break;
			case 4:
				c->offset_index_offset = PqThriftReadI64(r, t);
				break;
			case 5:
				c->offset_index_length = PqThriftReadI32(r, t);
				break;
			case 6:
				c->column_index_offset = PqThriftReadI64(r, t);
				break;
			case 7:
				c->column_index_length = PqThriftReadI32(r, t);
				break;
			default:
				PqThriftSkip(r, t);
		}
	}
	PqThriftStructEnd(r);
	if (!r->failed && !c->has_meta)
		PqThriftFail(r, "column chunk without meta_data (offset %llu)",
					 (unsigned long long) pq_thrift_offset(r));
}

static void
parse_row_group(PqThriftReader *r, PqMetaRowGroup *g, int expect_columns,
				const PqAllocator *alloc, bool *nomem)
{
	int16_t		last,
				id;
	int			t,
				et;
	uint32_t	n;

	PqThriftStructBegin(r, &last);
	while (PqThriftFieldBegin(r, &last, &id, &t))
	{
		switch (id)
		{
			case 1:
				n = PqThriftReadList(r, t, &et);
				if (r->failed)
					break;
				if (g->columns != NULL || et != TT_STRUCT ||
					(int64_t) n != expect_columns)
				{
					PqThriftFail(r, "row group has %u column chunks, schema has %d leaf columns (offset %llu)",
								 n, expect_columns,
								 (unsigned long long) pq_thrift_offset(r));
					break;
				}
				g->columns = alloc_list(r, alloc, sizeof(PqMetaColumn), n, nomem);
				if (g->columns == NULL)
					break;
				g->ncolumns = (int) n;
				for (uint32_t i = 0; i < n && !r->failed; i++)
					parse_column_chunk(r, &g->columns[i]);
				break;
			case 2:
				g->total_byte_size = PqThriftReadI64(r, t);
				break;
			case 3:
				g->num_rows = PqThriftReadI64(r, t);
				break;
			case 5:
				g->file_offset = PqThriftReadI64(r, t);
				break;
			case 6:
				g->total_compressed_size = PqThriftReadI64(r, t);
				break;
			default:
				PqThriftSkip(r, t);
		}
	}
	PqThriftStructEnd(r);
}

void
PqMetaFileFree(PqMetaFile *f, const PqAllocator *alloc)
{
	if (f->rowgroups)
	{
		for (int i = 0; i < f->nrowgroups; i++)
			pq_free(alloc, f->rowgroups[i].columns);
		pq_free(alloc, f->rowgroups);
	}
	pq_free(alloc, f->schema);
	pq_free(alloc, f->kv);
	pq_free(alloc, f->column_orders);
	memset(f, 0, sizeof(*f));
}

PqStatus
PqMetaFileParse(const uint8_t *buf, size_t len, uint64_t base_offset,
				uint32_t max_columns, const PqAllocator *alloc,
				PqMetaFile *f, PqError *err)
{
	PqThriftReader r;
	int16_t		last,
				id;
	int			t,
				et;
	uint32_t	n;
	bool		nomem = false;
	int			nleaves = -1;
	bool		seen_version = false,
				seen_rows = false;

	memset(f, 0, sizeof(*f));
	PqThriftReaderInit(&r, buf, len, base_offset, "file metadata");
	PqThriftStructBegin(&r, &last);
	while (PqThriftFieldBegin(&r, &last, &id, &t))
	{
		switch (id)
		{
			case 1:
				f->version = PqThriftReadI32(&r, t);
				seen_version = true;
				break;
			case 2:
				n = PqThriftReadList(&r, t, &et);
				if (r.failed)
					break;
				if (f->schema || et != TT_STRUCT || n < 1)
				{
					PqThriftFail(&r, "file metadata: invalid schema list at offset %llu",
								 (unsigned long long) pq_thrift_offset(&r));
					break;
				}
				if (n > max_columns + 1)
				{
					PqThriftFail(&r, "file metadata: %u schema elements exceed max_columns %u",
								 n, max_columns);
					break;
				}
				f->schema = alloc_list(&r, alloc, sizeof(PqMetaSchema), n, &nomem);
				if (f->schema == NULL)
					break;
				f->nschema = (int) n;
				nleaves = 0;
				for (uint32_t i = 0; i < n && !r.failed; i++)
				{
					parse_schema(&r, &f->schema[i]);
					if (i > 0 && f->schema[i].num_children == 0)
						nleaves++;
				}
				break;
			case 3:
				f->num_rows = PqThriftReadI64(&r, t);
				seen_rows = true;
				break;
			case 4:
				n = PqThriftReadList(&r, t, &et);
				if (r.failed)
					break;
				if (f->rowgroups || et != TT_STRUCT || nleaves < 0)
				{
					PqThriftFail(&r, "file metadata: row groups %s at offset %llu",
								 nleaves < 0 ? "precede the schema" : "invalid",
								 (unsigned long long) pq_thrift_offset(&r));
					break;
				}
				f->rowgroups = alloc_list(&r, alloc, sizeof(PqMetaRowGroup), n, &nomem);
				if (f->rowgroups == NULL)
					break;
				f->nrowgroups = (int) n;
				for (uint32_t i = 0; i < n && !r.failed; i++)
				{
					parse_row_group(&r, &f->rowgroups[i], nleaves, alloc, &nomem);
					if (!r.failed && f->rowgroups[i].ncolumns != nleaves)
						PqThriftFail(&r, "file metadata: row group %u has %d column chunks, the schema %d leaf columns",
									 i, f->rowgroups[i].ncolumns, nleaves);
				}
				break;
			case 5:
				n = PqThriftReadList(&r, t, &et);
				if (r.failed)
					break;
				if (f->kv || et != TT_STRUCT)
				{
					PqThriftFail(&r, "file metadata: invalid key_value_metadata");
					break;
				}
				f->kv = alloc_list(&r, alloc, sizeof(PqMetaKeyValue), n, &nomem);
				if (f->kv == NULL)
					break;
				f->nkv = (int) n;
				for (uint32_t i = 0; i < n && !r.failed; i++)
				{
					int16_t		l2,
								i2;
					int			t2;

					PqThriftStructBegin(&r, &l2);
					while (PqThriftFieldBegin(&r, &l2, &i2, &t2))
					{
						if (i2 == 1)
							f->kv[i].key = read_raw(&r, t2);
						else if (i2 == 2)
							f->kv[i].value = read_raw(&r, t2);
						else
							PqThriftSkip(&r, t2);
					}
					PqThriftStructEnd(&r);
				}
				break;
			case 6:
				f->created_by = read_raw(&r, t);
				break;
			case 7:
				n = PqThriftReadList(&r, t, &et);
				if (r.failed)
					break;
				if (f->column_orders || et != TT_STRUCT)
				{
					PqThriftFail(&r, "file metadata: invalid column_orders");
					break;
				}
				f->column_orders = alloc_list(&r, alloc, 1, n, &nomem);
				if (f->column_orders == NULL)
					break;
				f->ncolumn_orders = (int) n;
				for (uint32_t i = 0; i < n && !r.failed; i++)
					f->column_orders[i] = parse_union_kind(&r) == 1 ? 1 : 0;
				break;
			default:
				PqThriftSkip(&r, t);
		}
	}
	PqThriftStructEnd(&r);
	if (!r.failed && (!seen_version || !seen_rows || f->schema == NULL))
		PqThriftFail(&r, "file metadata: required field %s missing",
					 f->schema == NULL ? "schema" :
					 !seen_rows ? "num_rows" : "version");
	if (r.failed)
	{
		PqStatus	st = nomem ? PQ_ERR_NOMEM : PQ_ERR_CORRUPT;

		PqErrorSet(err, st, pq_thrift_offset(&r), "%s", r.msg);
		PqMetaFileFree(f, alloc);
		return st;
	}
	return PQ_OK;
}

/* ---------------------------------------------------------------------
 * Page header
 * ---------------------------------------------------------------------
 */
static void
parse_data_header(PqThriftReader *r, PqPageHeader *h, int which)
{
	int16_t		last,
				id;
	int			t;

	PqThriftStructBegin(r, &last);
	while (PqThriftFieldBegin(r, &last, &id, &t))
	{
		if (id == 1)
			h->num_values = PqThriftReadI32(r, t);
		else if (which == 1 && id == 2)
			h->encoding = PqThriftReadI32(r, t);
		else if (which == 1 && id == 3)
			h->def_encoding = PqThriftReadI32(r, t);
		else if (which == 1 && id == 4)
			h->rep_encoding = PqThriftReadI32(r, t);
		else if (which == 2 && id == 2)
			h->encoding = PqThriftReadI32(r, t);
		else if (which == 3 && id == 2)
			h->num_nulls = PqThriftReadI32(r, t);
		else if (which == 3 && id == 3)
			h->num_rows = PqThriftReadI32(r, t);
		else if (which == 3 && id == 4)
			h->encoding = PqThriftReadI32(r, t);
		else if (which == 3 && id == 5)
			h->def_len = PqThriftReadI32(r, t);
		else if (which == 3 && id == 6)
			h->rep_len = PqThriftReadI32(r, t);
		else if (which == 3 && id == 7)
			h->is_compressed = PqThriftReadBool(r, t);
		else
			PqThriftSkip(r, t);
	}
	PqThriftStructEnd(r);
}

PqStatus
PqPageHeaderParse(const uint8_t *buf, size_t len, uint64_t base_offset,
				  PqPageHeader *h, PqError *err)
{
	PqThriftReader r;
	int16_t		last,
				id;
	int			t;
	bool		seen_type = false;

	memset(h, 0, sizeof(*h));
	h->type = -1;
	h->is_compressed = true;
	PqThriftReaderInit(&r, buf, len, base_offset, "page header");
	PqThriftStructBegin(&r, &last);
	while (PqThriftFieldBegin(&r, &last, &id, &t))
	{
		switch (id)
		{
			case 1:
				h->type = PqThriftReadI32(&r, t);
				seen_type = true;
				break;
			case 2:
				h->uncompressed_size = PqThriftReadI32(&r, t);
				break;
			case 3:
				h->compressed_size = PqThriftReadI32(&r, t);
				break;
			case 5:
			case 7:
			case 8:
				if (t != TT_STRUCT)
				{
					PqThriftSkip(&r, t);
					break;
				}
				if ((id == 5 && h->type == PQP_DATA_PAGE) ||
					(id == 7 && h->type == PQP_DICTIONARY_PAGE) ||
					(id == 8 && h->type == PQP_DATA_PAGE_V2))
					h->has_data = true;
				parse_data_header(&r, h, id == 5 ? 1 : id == 7 ? 2 : 3);
				break;
			default:
				PqThriftSkip(&r, t);
		}
	}
	PqThriftStructEnd(&r);
	if (r.failed)
	{
		if (r.truncated)
			return PQ_END;
		return thrift_error(&r, err);
	}
	h->header_len = (size_t) (r.p - buf);
	if (!seen_type)
		return PqErrorSet(err, PQ_ERR_CORRUPT, base_offset,
						  "page header without a type at offset %llu",
						  (unsigned long long) base_offset);
	return PQ_OK;
}

bool
PqPageHeaderWrite(PqBuf *buf, const PqPageHeader *h)
{
	PqThriftWriter w;

	PqThriftWriterInit(&w, buf);
	PqThriftWriteI32(&w, 1, h->type);
	PqThriftWriteI32(&w, 2, h->uncompressed_size);
	PqThriftWriteI32(&w, 3, h->compressed_size);
	if (h->type == PQP_DATA_PAGE)
	{
		PqThriftWriteStructBegin(&w, 5);
		PqThriftWriteI32(&w, 1, h->num_values);
		PqThriftWriteI32(&w, 2, h->encoding);
		PqThriftWriteI32(&w, 3, h->def_encoding);
		PqThriftWriteI32(&w, 4, h->rep_encoding);
		PqThriftWriteStructEnd(&w);
	}
	else if (h->type == PQP_DATA_PAGE_V2)
	{
		PqThriftWriteStructBegin(&w, 8);
		PqThriftWriteI32(&w, 1, h->num_values);
		PqThriftWriteI32(&w, 2, h->num_nulls);
		PqThriftWriteI32(&w, 3, h->num_rows);
		PqThriftWriteI32(&w, 4, h->encoding);
		PqThriftWriteI32(&w, 5, h->def_len);
		PqThriftWriteI32(&w, 6, h->rep_len);
		PqThriftWriteBool(&w, 7, h->is_compressed);
		PqThriftWriteStructEnd(&w);
	}
	else if (h->type == PQP_DICTIONARY_PAGE)
	{
		PqThriftWriteStructBegin(&w, 7);
		PqThriftWriteI32(&w, 1, h->num_values);
		PqThriftWriteI32(&w, 2, h->encoding);
		PqThriftWriteStructEnd(&w);
	}
	PqThriftWriteStructEnd(&w);
	return !w.nomem;
}

/* ---------------------------------------------------------------------
 * ColumnIndex / OffsetIndex
 * ---------------------------------------------------------------------
 */
void
PqColumnIndexFree(PqMetaColumnIndex *ci, const PqAllocator *alloc)
{
	pq_free(alloc, ci->null_pages);
	pq_free(alloc, ci->min_values);
	pq_free(alloc, ci->max_values);
	pq_free(alloc, ci->null_counts);
	memset(ci, 0, sizeof(*ci));
}

PqStatus
PqColumnIndexParse(const uint8_t *buf, size_t len, uint64_t base_offset,
				   const PqAllocator *alloc, PqMetaColumnIndex *ci,
				   PqError *err)
{
	PqThriftReader r;
	int16_t		last,
				id;
	int			t,
				et;
	uint32_t	n;
	int			lens[4] = {-1, -1, -1, -1};
	bool		nomem = false;

	memset(ci, 0, sizeof(*ci));
	PqThriftReaderInit(&r, buf, len, base_offset, "column index");
	PqThriftStructBegin(&r, &last);
	while (PqThriftFieldBegin(&r, &last, &id, &t))
	{
		if (id < 1 || id > 5 || id == 4)
		{
			if (id == 4)
				ci->boundary_order = PqThriftReadI32(&r, t);
			else
				PqThriftSkip(&r, t);
			continue;
		}
		n = PqThriftReadList(&r, t, &et);
		if (r.failed)
			break;
		if (lens[id == 5 ? 3 : id - 1] >= 0)
		{
			PqThriftFail(&r, "column index: field %d repeated", id);
			break;
		}
		lens[id == 5 ? 3 : id - 1] = (int) n;
		if (id == 1)
		{
			ci->null_pages = PqAllocZero(alloc, n);
			if (!ci->null_pages)
				nomem = true;
			for (uint32_t i = 0; i < n && !nomem && !r.failed; i++)
				ci->null_pages[i] = PqThriftReadListBool(&r);
		}
		else if (id == 2 || id == 3)
		{
			PqRawBytes *arr = PqAllocZero(alloc, sizeof(PqRawBytes) * (n ? n : 1));

			if (!arr)
				nomem = true;
			if (id == 2)
				ci->min_values = arr;
			else
				ci->max_values = arr;
			for (uint32_t i = 0; i < n && !nomem && !r.failed; i++)
				arr[i] = read_raw(&r, et);
		}
		else
		{
			ci->null_counts = PqAllocZero(alloc, sizeof(int64_t) * (n ? n : 1));
			if (!ci->null_counts)
				nomem = true;
			ci->has_null_counts = true;
			for (uint32_t i = 0; i < n && !nomem && !r.failed; i++)
				ci->null_counts[i] = PqThriftReadI64(&r, et);
		}
		if (nomem)
		{
			PqThriftFail(&r, "out of memory");
			break;
		}
	}
	PqThriftStructEnd(&r);
	if (!r.failed)
	{
		if (lens[0] < 0 || lens[1] != lens[0] || lens[2] != lens[0] ||
			(lens[3] >= 0 && lens[3] != lens[0]))
			PqThriftFail(&r, "column index: list lengths disagree (null_pages %d, min_values %d, max_values %d, null_counts %d)",
						 lens[0], lens[1], lens[2], lens[3]);
	}
	if (r.failed)
	{
		PqStatus	st = nomem ? PQ_ERR_NOMEM : PQ_ERR_CORRUPT;

		PqErrorSet(err, st, pq_thrift_offset(&r), "%s", r.msg);
		PqColumnIndexFree(ci, alloc);
		return st;
	}
	ci->npages = lens[0];
	return PQ_OK;
}

bool
PqColumnIndexWrite(PqBuf *buf, const PqMetaColumnIndex *ci)
{
	PqThriftWriter w;

	PqThriftWriterInit(&w, buf);
	PqThriftWriteListBegin(&w, 1, TT_TRUE, ci->npages);
	for (int i = 0; i < ci->npages; i++)
		PqThriftWriteListBool(&w, ci->null_pages[i] != 0);
	PqThriftWriteListBegin(&w, 2, TT_BINARY, ci->npages);
	for (int i = 0; i < ci->npages; i++)
		PqThriftWriteRawBinary(&w, ci->min_values[i].ptr, ci->min_values[i].len);
	PqThriftWriteListBegin(&w, 3, TT_BINARY, ci->npages);
	for (int i = 0; i < ci->npages; i++)
		PqThriftWriteRawBinary(&w, ci->max_values[i].ptr, ci->max_values[i].len);
	PqThriftWriteI32(&w, 4, ci->boundary_order);
	if (ci->has_null_counts)
	{
		PqThriftWriteListBegin(&w, 5, TT_I64, ci->npages);
		for (int i = 0; i < ci->npages; i++)
			PqThriftWriteZigzag(&w, ci->null_counts[i]);
	}
	PqThriftWriteStructEnd(&w);
	return !w.nomem;
}

void
PqOffsetIndexFree(PqMetaOffsetIndex *oi, const PqAllocator *alloc)
{
	pq_free(alloc, oi->pages);
	memset(oi, 0, sizeof(*oi));
}

PqStatus
PqOffsetIndexParse(const uint8_t *buf, size_t len, uint64_t base_offset,
				   const PqAllocator *alloc, PqMetaOffsetIndex *oi,
				   PqError *err)
{
	PqThriftReader r;
	int16_t		last,
				id;
	int			t,
				et;
	uint32_t	n;
	bool		nomem = false;
	bool		seen = false;

	memset(oi, 0, sizeof(*oi));
	PqThriftReaderInit(&r, buf, len, base_offset, "offset index");
	PqThriftStructBegin(&r, &last);
	while (PqThriftFieldBegin(&r, &last, &id, &t))
	{
		if (id != 1 || seen)
		{
			PqThriftSkip(&r, t);
			continue;
		}
		seen = true;
		n = PqThriftReadList(&r, t, &et);
		if (r.failed)
			break;
		if (et != TT_STRUCT)
		{
			PqThriftFail(&r, "offset index: page_locations is not a list of structs");
			break;
		}
		oi->pages = alloc_list(&r, alloc, sizeof(PqMetaPageLocation), n, &nomem);
		if (oi->pages == NULL)
			break;
		oi->npages = (int) n;
		for (uint32_t i = 0; i < n && !r.failed; i++)
		{
			int16_t		l2,
						i2;
			int			t2;
			int			have = 0;

			PqThriftStructBegin(&r, &l2);
			while (PqThriftFieldBegin(&r, &l2, &i2, &t2))
			{
				if (i2 == 1)
					oi->pages[i].offset = PqThriftReadI64(&r, t2);
				else if (i2 == 2)
					oi->pages[i].compressed_page_size = PqThriftReadI32(&r, t2);
				else if (i2 == 3)
					oi->pages[i].first_row_index = PqThriftReadI64(&r, t2);
				else
				{
					PqThriftSkip(&r, t2);
					continue;
				}
				have |= 1 << i2;
			}
			PqThriftStructEnd(&r);
			if (!r.failed && have != 0xe)
				PqThriftFail(&r, "offset index: page location %u lacks a required field", i);
		}
	}
	PqThriftStructEnd(&r);
	if (!r.failed && !seen)
		PqThriftFail(&r, "offset index: page_locations missing");
	if (r.failed)
	{
		PqStatus	st = nomem ? PQ_ERR_NOMEM : PQ_ERR_CORRUPT;

		PqErrorSet(err, st, pq_thrift_offset(&r), "%s", r.msg);
		PqOffsetIndexFree(oi, alloc);
		return st;
	}
	return PQ_OK;
}

bool
PqOffsetIndexWrite(PqBuf *buf, const PqMetaOffsetIndex *oi)
{
	PqThriftWriter w;

	PqThriftWriterInit(&w, buf);
	PqThriftWriteListBegin(&w, 1, TT_STRUCT, oi->npages);
	for (int i = 0; i < oi->npages; i++)
	{
		PqThriftWriteStructBegin(&w, 0);
		PqThriftWriteI64(&w, 1, oi->pages[i].offset);
		PqThriftWriteI32(&w, 2, oi->pages[i].compressed_page_size);
		PqThriftWriteI64(&w, 3, oi->pages[i].first_row_index);
		PqThriftWriteStructEnd(&w);
	}
	PqThriftWriteStructEnd(&w);
	return !w.nomem;
}

/* ---------------------------------------------------------------------
 * BloomFilterHeader
 * ---------------------------------------------------------------------
 */
PqStatus
PqBloomHeaderParse(const uint8_t *buf, size_t len, uint64_t base_offset,
				   PqBloomHeader *h, PqError *err)
{
	PqThriftReader r;
	int16_t		last,
				id;
	int			t;

	memset(h, 0, sizeof(*h));
	h->num_bytes = -1;
	PqThriftReaderInit(&r, buf, len, base_offset, "bloom filter header");
	PqThriftStructBegin(&r, &last);
	while (PqThriftFieldBegin(&r, &last, &id, &t))
	{
		if (id == 1)
			h->num_bytes = PqThriftReadI32(&r, t);
		else if (id >= 2 && id <= 4 && t == TT_STRUCT)
		{
			int			k = parse_union_kind(&r);

			if (id == 2)
				h->algorithm = k;
			else if (id == 3)
				h->hash = k;
			else
				h->compression = k;
		}
		else
			PqThriftSkip(&r, t);
	}
	PqThriftStructEnd(&r);
	if (r.failed)
	{
		if (r.truncated)
			return PQ_END;
		return thrift_error(&r, err);
	}
	h->header_len = (size_t) (r.p - buf);
	return PQ_OK;
}

bool
PqBloomHeaderWrite(PqBuf *buf, int32_t num_bytes)
{
	PqThriftWriter w;

	PqThriftWriterInit(&w, buf);
	PqThriftWriteI32(&w, 1, num_bytes);
	/* algorithm: BLOCK (union field 1, empty struct) */
	PqThriftWriteStructBegin(&w, 2);
	PqThriftWriteStructBegin(&w, 1);
	PqThriftWriteStructEnd(&w);
	PqThriftWriteStructEnd(&w);
	/* hash: XXHASH */
	PqThriftWriteStructBegin(&w, 3);
	PqThriftWriteStructBegin(&w, 1);
	PqThriftWriteStructEnd(&w);
	PqThriftWriteStructEnd(&w);
	/* compression: UNCOMPRESSED */
	PqThriftWriteStructBegin(&w, 4);
	PqThriftWriteStructBegin(&w, 1);
	PqThriftWriteStructEnd(&w);
	PqThriftWriteStructEnd(&w);
	PqThriftWriteStructEnd(&w);
	return !w.nomem;
}

/* ---------------------------------------------------------------------
 * FileMetaData serialization
 * ---------------------------------------------------------------------
 */
static void
write_schema_element(PqThriftWriter *w, const PqMetaSchema *s, const char *name)
{
	PqThriftWriteStructBegin(w, 0);
	if (s->has_type)
		PqThriftWriteI32(w, 1, s->type);
	if (s->has_type && s->type == PQT_FLBA)
		PqThriftWriteI32(w, 2, s->type_length);
	if (s->has_repetition)
		PqThriftWriteI32(w, 3, s->repetition);
	PqThriftWriteBinary(w, 4, name, strlen(name));
	if (!s->has_type)
		PqThriftWriteI32(w, 5, s->num_children);
	if (s->converted_type >= 0)
		PqThriftWriteI32(w, 6, s->converted_type);
	if (s->converted_type == PQC_DECIMAL)
	{
		PqThriftWriteI32(w, 7, s->scale);
		PqThriftWriteI32(w, 8, s->precision);
	}
	if (s->logical.kind != PQL_NONE)
	{
		const PqMetaLogical *lt = &s->logical;

		PqThriftWriteStructBegin(w, 10);
		PqThriftWriteStructBegin(w, (int16_t) lt->kind);
		if (lt->kind == PQL_DECIMAL)
		{
			PqThriftWriteI32(w, 1, lt->scale);
			PqThriftWriteI32(w, 2, lt->precision);
		}
		else if (lt->kind == PQL_TIMESTAMP)
		{
			PqThriftWriteBool(w, 1, lt->adjusted_to_utc);
			PqThriftWriteStructBegin(w, 2);
			PqThriftWriteStructBegin(w, (int16_t) lt->unit);
			PqThriftWriteStructEnd(w);
			PqThriftWriteStructEnd(w);
		}
		else if (lt->kind == PQL_INTEGER)
		{
			PqThriftWriteFieldBegin(w, 1, TT_BYTE);
			{
				uint8_t		bw = (uint8_t) lt->bit_width;

				pq_buf_append(w->buf, &bw, 1) || (w->nomem = true);
			}
			PqThriftWriteBool(w, 2, lt->is_signed);
		}
		PqThriftWriteStructEnd(w);
		PqThriftWriteStructEnd(w);
	}
	PqThriftWriteStructEnd(w);
}

static void
write_column_chunk(PqThriftWriter *w, const PqMetaWriteColumn *c)
{
	int			nenc = 0;

	PqThriftWriteStructBegin(w, 0);
	PqThriftWriteI64(w, 2, c->data_page_offset);
	PqThriftWriteStructBegin(w, 3);
	PqThriftWriteI32(w, 1, c->type);
	for (int e = 0; e < 32; e++)
		if (c->encodings_mask & (1u << e))
			nenc++;
	PqThriftWriteListBegin(w, 2, TT_I32, nenc);
	for (int e = 0; e < 32; e++)
		if (c->encodings_mask & (1u << e))
			PqThriftWriteZigzag(w, e);
	PqThriftWriteListBegin(w, 3, TT_BINARY, 1);
	PqThriftWriteRawBinary(w, c->name, strlen(c->name));
	PqThriftWriteI32(w, 4, c->codec);
	PqThriftWriteI64(w, 5, c->num_values);
	PqThriftWriteI64(w, 6, c->total_uncompressed_size);
	PqThriftWriteI64(w, 7, c->total_compressed_size);
	PqThriftWriteI64(w, 9, c->data_page_offset);
	if (c->dictionary_page_offset >= 0)
		PqThriftWriteI64(w, 11, c->dictionary_page_offset);
	if (c->has_stats)
	{
		PqThriftWriteStructBegin(w, 12);
		PqThriftWriteI64(w, 3, c->null_count);
		if (c->has_min_max)
		{
			PqThriftWriteBinary(w, 5, c->max_value.ptr, c->max_value.len);
			PqThriftWriteBinary(w, 6, c->min_value.ptr, c->min_value.len);
			if (c->truncated)
			{
				PqThriftWriteBool(w, 7, false);	/* is_max_value_exact */
				PqThriftWriteBool(w, 8, false);	/* is_min_value_exact */
			}
		}
		PqThriftWriteStructEnd(w);
	}
	if (c->bloom_filter_offset >= 0)
	{
		PqThriftWriteI64(w, 14, c->bloom_filter_offset);
		PqThriftWriteI32(w, 15, c->bloom_filter_length);
	}
	PqThriftWriteStructEnd(w);
	if (c->offset_index_offset >= 0)
	{
		PqThriftWriteI64(w, 4, c->offset_index_offset);
		PqThriftWriteI32(w, 5, c->offset_index_length);
	}
	if (c->column_index_offset >= 0)
	{
		PqThriftWriteI64(w, 6, c->column_index_offset);
		PqThriftWriteI32(w, 7, c->column_index_length);
	}
	PqThriftWriteStructEnd(w);
}

bool
PqMetaFileWrite(PqBuf *buf, const PqMetaWriteFile *f)
{
	PqThriftWriter w;
	PqMetaSchema root;

	PqThriftWriterInit(&w, buf);
	PqThriftWriteI32(&w, 1, 1);
	PqThriftWriteListBegin(&w, 2, TT_STRUCT, f->ncolumns + 1);
	memset(&root, 0, sizeof(root));
	root.converted_type = -1;
	root.num_children = f->ncolumns;
	write_schema_element(&w, &root, "schema");
	for (int i = 0; i < f->ncolumns; i++)
		write_schema_element(&w, &f->leaves[i], (const char *) f->leaves[i].name.ptr);
	PqThriftWriteI64(&w, 3, f->num_rows);
	PqThriftWriteListBegin(&w, 4, TT_STRUCT, f->nrowgroups);
	for (int g = 0; g < f->nrowgroups; g++)
	{
		const PqMetaWriteRowGroup *rg = &f->rowgroups[g];

		PqThriftWriteStructBegin(&w, 0);
		PqThriftWriteListBegin(&w, 1, TT_STRUCT, f->ncolumns);
		for (int c = 0; c < f->ncolumns; c++)
			write_column_chunk(&w, &rg->columns[c]);
		PqThriftWriteI64(&w, 2, rg->total_byte_size);
		PqThriftWriteI64(&w, 3, rg->num_rows);
		PqThriftWriteI64(&w, 5, rg->file_offset);
		PqThriftWriteI64(&w, 6, rg->total_compressed_size);
		PqThriftWriteFieldBegin(&w, 7, TT_I16);
		PqThriftWriteZigzag(&w, g);
		PqThriftWriteStructEnd(&w);
	}
	if (f->nkv > 0)
	{
		PqThriftWriteListBegin(&w, 5, TT_STRUCT, f->nkv);
		for (int i = 0; i < f->nkv; i++)
		{
			PqThriftWriteStructBegin(&w, 0);
			PqThriftWriteBinary(&w, 1, f->keys[i], strlen(f->keys[i]));
			PqThriftWriteBinary(&w, 2, f->values[i], strlen(f->values[i]));
			PqThriftWriteStructEnd(&w);
		}
	}
	PqThriftWriteBinary(&w, 6, f->created_by, strlen(f->created_by));
	PqThriftWriteListBegin(&w, 7, TT_STRUCT, f->ncolumns);
	for (int i = 0; i < f->ncolumns; i++)
	{
		PqThriftWriteStructBegin(&w, 0);
		PqThriftWriteStructBegin(&w, 1);
		PqThriftWriteStructEnd(&w);
		PqThriftWriteStructEnd(&w);
	}
	PqThriftWriteStructEnd(&w);
	return !w.nomem;
}
