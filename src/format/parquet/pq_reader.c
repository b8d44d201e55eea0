/*-------------------------------------------------------------------------
 * pq_reader.c
 *	  The Parquet reader: footer and schema validation, type detection,
 *	  projection, row groups, page reading (v1, v2, dictionary) with page
 *	  skipping by row ranges through the OffsetIndex, batch decoding into
 *	  typed arrays, chunk statistics, page index and bloom filter probes.
 *
 * Every length, offset and count taken from the file is checked before it
 * is used: chunk ranges against the file, pages against their chunk, page
 * sizes against PqReaderOptions, value counts against levels and the row
 * group, dictionary indexes against the dictionary.  Corruption is
 * PQ_ERR_CORRUPT with a message naming row group, column and offset.
 *
 * Only the bytes of selected column chunks are read, page by page (pages
 * outside the requested row ranges are neither read nor decompressed when
 * an OffsetIndex exists; without one their headers are read and their
 * bodies skipped).  A small column chunk read selectively a second time
 * is read whole and kept (small_chunk_bytes): later point lookups read its
 * pages from memory.
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "format/parquet/pq_codec.h"
#include "format/parquet/pq_decode_foreign.h"
#include "format/parquet/pq_plain.h"
#include "format/parquet/pq_reader_int.h"
#include "format/parquet/pq_rle.h"

void
ParquetReaderOptionsInit(PqReaderOptions *o)
{
	o->max_footer_bytes = 64 * 1024 * 1024;
	o->max_page_bytes = 256 * 1024 * 1024;
	o->max_columns = 10000;
	o->max_page_values = 16 * 1024 * 1024;
}

/* ---------------------------------------------------------------------
 * I/O
 * ---------------------------------------------------------------------
 */
PqStatus
PqReaderSourceRead(PqReader *r, uint64_t off, size_t len, void *buf, PqError *err)
{
	PqStatus	st;

	if (off > r->src.size || len > r->src.size - off)
		return PqErrorSet(err, PQ_ERR_CORRUPT, off,
						  "file \"%s\": read of %zu bytes at offset %llu beyond the end of the file (%llu bytes)",
						  r->name, len, (unsigned long long) off,
						  (unsigned long long) r->src.size);
	r->bytes_read += len;
	st = r->src.read_at(r->src.ctx, off, len, buf);
	if (st != PQ_OK)
		return PqErrorSet(err, st == PQ_OK ? PQ_ERR_IO : st, off,
						  "file \"%s\": read of %zu bytes at offset %llu failed",
						  r->name, len, (unsigned long long) off);
	return PQ_OK;
}

static void *
grow_array(PqReader *r, void *old, size_t *cap, size_t need, bool *fail)
{
	void	   *n;

	if (need <= *cap)
		return old;
	n = pq_alloc(r->alloc, need);
	if (!n)
	{
		*fail = true;
		return old;
	}
	pq_free(r->alloc, old);
	*cap = need;
	return n;
}

/*
 * The bytes of s's column chunk, kept by the reader: read whole at the
 * chunk's second selective read (*out = NULL, nothing read, at the first,
 * when the reader's budget for them is spent or memory is short: the
 * caller reads pages as usual).
 */
static PqStatus
small_chunk_bytes(PqReader *r, RSel *s, const uint8_t **out, PqError *err)
{
	RChunkCache *cc;
	size_t		len = (size_t) (s->chunk_end - s->chunk_start);
	PqStatus	st;

	*out = NULL;
	if (!r->chc)
	{
		r->chc = PqAllocZero(r->alloc, sizeof(RChunkCache) *
							 ((size_t) r->meta.nrowgroups * r->ncols + 1));
		if (!r->chc)
		{
			s->small_chunk = false;
			return PQ_OK;
		}
	}
	cc = &r->chc[(size_t) r->rg * r->ncols + s->col];
	if (cc->bytes == NULL && !cc->touched)
	{
		/* this selective read reads pages; the next one keeps the chunk */
		cc->touched = true;
		s->small_chunk = false;
		return PQ_OK;
	}
	if (cc->bytes == NULL)
	{
		uint8_t    *b;

		if (r->chc_bytes + len > SMALL_CHUNK_BUDGET ||
			(b = pq_alloc(r->alloc, len ? len : 1)) == NULL)
		{
			s->small_chunk = false;
			return PQ_OK;
		}
		st = PqReaderSourceRead(r, s->chunk_start, len, b, err);
		if (st != PQ_OK)
		{
			pq_free(r->alloc, b);
			return st;
		}
		cc->bytes = b;
		r->chc_bytes += len;
	}
	*out = cc->bytes;
	return PQ_OK;
}

/*
 * Make file bytes [off, off + len) available in s->io and return them.
 * Reads ahead up to limit (never past it).
 */
static PqStatus
sel_fetch(PqReader *r, RSel *s, uint64_t off, size_t len, uint64_t limit,
		  const uint8_t **out, PqError *err)
{
	size_t		want;
	PqStatus	st;

	if (off >= s->io_off && off + len <= s->io_off + s->io.len)
	{
		*out = s->io.data + (off - s->io_off);
		return PQ_OK;
	}
	if (off + len > limit)
		return PqErrorSet(err, PQ_ERR_CORRUPT, off,
						  "file \"%s\", row group %d, column \"%s\": %zu bytes at offset %llu run past the column chunk end %llu",
						  r->name, r->rg, s->rc->name, len,
						  (unsigned long long) off, (unsigned long long) limit);
	if (s->small_chunk && off >= s->chunk_start && limit <= s->chunk_end)
	{
		const uint8_t *chunk;

		st = small_chunk_bytes(r, s, &chunk, err);
		if (st != PQ_OK)
			return st;
		if (chunk)
		{
			*out = chunk + (off - s->chunk_start);
			return PQ_OK;
		}
	}
	want = len;
	if (want < READAHEAD_BYTES)
		want = (limit - off < READAHEAD_BYTES) ? (size_t) (limit - off) : READAHEAD_BYTES;
	s->io.len = 0;
	if (!PqBufGrow(&s->io, want))
		return PqErrorSet(err, PQ_ERR_NOMEM, off, "out of memory reading \"%s\"", r->name);
	st = PqReaderSourceRead(r, off, want, s->io.data, err);
	if (st != PQ_OK)
		return st;
	s->io.len = want;
	s->io_off = off;
	*out = s->io.data;
	return PQ_OK;
}

/* ---------------------------------------------------------------------
 * Open
 * ---------------------------------------------------------------------
 */
static PqStatus
validate_chunk(PqReader *r, int g, int c, PqError *err)
{
	PqMetaColumn *m = &r->meta.rowgroups[g].columns[c];
	RColumn    *rc = &r->cols[c];
	uint64_t	start;

	if (!m->has_meta)
		return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
						  "file \"%s\", row group %d, column \"%s\": column chunk without meta_data",
						  r->name, g, rc->name);
	if (m->file_path.ptr)
		return PqErrorSet(err, PQ_ERR_UNSUPPORTED, r->footer_off,
						  "file \"%s\", row group %d, column \"%s\": column chunk stored in another file",
						  r->name, g, rc->name);
	if (m->type != rc->ptype)
		return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
						  "file \"%s\", row group %d, column \"%s\": chunk type %d differs from schema type %d",
						  r->name, g, rc->name, m->type, rc->ptype);
	start = (uint64_t) m->data_page_offset;
	if (m->dictionary_page_offset > 0 && m->dictionary_page_offset < m->data_page_offset)
		start = (uint64_t) m->dictionary_page_offset;
	if (m->data_page_offset < 4 || m->total_compressed_size <= 0 ||
		start > r->data_end ||
		(uint64_t) m->total_compressed_size > r->data_end - start ||
		(uint64_t) m->data_page_offset >= start + (uint64_t) m->total_compressed_size)
		return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
						  "file \"%s\", row group %d, column \"%s\": column chunk at offset %lld size %lld lies outside the data area (%llu bytes)",
						  r->name, g, rc->name, (long long) start,
						  (long long) m->total_compressed_size,
						  (unsigned long long) r->data_end);
	if (m->num_values < 0)
		return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
						  "file \"%s\", row group %d, column \"%s\": num_values %lld",
						  r->name, g, rc->name, (long long) m->num_values);
	return PQ_OK;
}

static PqStatus
setup_schema(PqReader *r, PqError *err)
{
	int64_t		total_rows;
	PqMetaFile *f = &r->meta;
	const PqMetaSchema *root = &f->schema[0];

	if (root->num_children != f->nschema - 1 || root->has_type)
	{
		/* find the first nested element to name it */
		for (int i = 1; i < f->nschema; i++)
			if (f->schema[i].num_children > 0 || !f->schema[i].has_type)
				return PqErrorSet(err, PQ_ERR_UNSUPPORTED, r->footer_off,
								  "file \"%s\": column \"%.*s\" is nested; only flat schemas are supported",
								  r->name, (int) f->schema[i].name.len,
								  (const char *) f->schema[i].name.ptr);
		return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
						  "file \"%s\": root schema element claims %d children, %d follow",
						  r->name, root->num_children, f->nschema - 1);
	}
	r->ncols = f->nschema - 1;
	if ((uint32_t) r->ncols > r->opts.max_columns)
		return PqErrorSet(err, PQ_ERR_LIMIT, r->footer_off,
						  "file \"%s\": %d columns exceed max_columns %u",
						  r->name, r->ncols, r->opts.max_columns);
	r->cols = PqAllocZero(r->alloc, sizeof(RColumn) * (r->ncols ? r->ncols : 1));
	if (!r->cols)
		return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	for (int i = 0; i < r->ncols; i++)
	{
		const PqMetaSchema *s = &f->schema[i + 1];
		RColumn    *rc = &r->cols[i];
		char		why[160];
		PqStatus	st;

		rc->name = PqStrdup(r->alloc, s->name.ptr ? (const char *) s->name.ptr : "",
							s->name.len);
		if (!rc->name)
			return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
		if (s->num_children > 0 || !s->has_type)
			return PqErrorSet(err, PQ_ERR_UNSUPPORTED, r->footer_off,
							  "file \"%s\": column \"%s\" is nested; only flat schemas are supported",
							  r->name, rc->name);
		if (s->has_repetition && s->repetition == 2)
			return PqErrorSet(err, PQ_ERR_UNSUPPORTED, r->footer_off,
							  "file \"%s\": column \"%s\" is repeated; only flat schemas are supported",
							  r->name, rc->name);
		if (s->has_repetition && (s->repetition < 0 || s->repetition > 2))
			return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
							  "file \"%s\": column \"%s\" has repetition type %d",
							  r->name, rc->name, s->repetition);
		if (s->type < PQT_BOOLEAN || s->type > PQT_FLBA)
			return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
							  "file \"%s\": column \"%s\" has physical type %d",
							  r->name, rc->name, s->type);
		st = PqTypeFromSchema(s, &rc->info, &rc->conv, why, sizeof(why));
		if (st != PQ_OK)
			return PqErrorSet(err, st, r->footer_off,
							  "file \"%s\": column \"%s\": %s are not supported",
							  r->name, rc->name, why);
		rc->info.name = rc->name;
		rc->info.nullable = s->has_repetition && s->repetition == 1;
		rc->ptype = s->type;
		rc->tlen = s->type_length;
		if (rc->ptype == PQT_FLBA && (rc->tlen < 1 || (uint64_t) rc->tlen > r->opts.max_page_bytes))
			return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
							  "file \"%s\": column \"%s\": type_length %d",
							  r->name, rc->name, rc->tlen);
		rc->slot = PqTypeSlotSize(rc->info.type, rc->info.precision);
		rc->order = PqOrderOf(rc->ptype, rc->conv, rc->info.type);
		rc->type_order = (f->column_orders == NULL) ||
			(i < f->ncolumn_orders && f->column_orders[i] == 1);
	}
	total_rows = 0;
	for (int g = 0; g < f->nrowgroups; g++)
	{
		if (f->rowgroups[g].num_rows < 0 ||
			f->rowgroups[g].num_rows > INT64_MAX - total_rows)
			return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
							  "file \"%s\", row group %d: num_rows %lld",
							  r->name, g, (long long) f->rowgroups[g].num_rows);
		total_rows += f->rowgroups[g].num_rows;
		for (int c = 0; c < r->ncols; c++)
		{
			PqStatus	st = validate_chunk(r, g, c, err);

			if (st != PQ_OK)
				return st;
		}
	}
	/* the file's row count must be what its row groups hold */
	if (f->num_rows != total_rows)
		return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
						  "file \"%s\": num_rows %lld, but its row groups hold %lld rows",
						  r->name, (long long) f->num_rows, (long long) total_rows);
	return PQ_OK;
}

static void sel_free(PqReader *r, RSel *s);
static PqStatus copy_key_values(PqReader *r, PqError *err);

/* drop the small column chunks kept (no selection may be using them) */
static void
free_chunk_cache(PqReader *r)
{
	if (r->chc)
	{
		for (int i = 0; i < r->meta.nrowgroups * r->ncols; i++)
			pq_free(r->alloc, r->chc[i].bytes);
		pq_free(r->alloc, r->chc);
	}
	r->chc = NULL;
	r->chc_bytes = 0;
}

void
ParquetReaderClose(PqReader *r)
{
	if (!r)
		return;
	for (int i = 0; i < r->nsel; i++)
		sel_free(r, &r->sels[i]);
	pq_free(r->alloc, r->sels);
	for (int i = 0; i < r->nretired; i++)
		pq_free(r->alloc, r->retired[i]);
	pq_free(r->alloc, r->retired);
	if (r->pic)
	{
		for (int i = 0; i < r->meta.nrowgroups * r->ncols; i++)
		{
			pq_free(r->alloc, r->pic[i].pi.pages);
			pq_free(r->alloc, r->pic[i].ci_raw);
			PqColumnIndexFree(&r->pic[i].ci, r->alloc);
		}
		pq_free(r->alloc, r->pic);
	}
	if (r->dic)
	{
		for (int i = 0; i < r->meta.nrowgroups * r->ncols; i++)
		{
			PqBufFree(&r->dic[i].raw);
			pq_free(r->alloc, r->dic[i].vals);
		}
		pq_free(r->alloc, r->dic);
	}
	if (r->oic)
	{
		for (int i = 0; i < r->meta.nrowgroups * r->ncols; i++)
			PqOffsetIndexFree(&r->oic[i].oi, r->alloc);
		pq_free(r->alloc, r->oic);
	}
	free_chunk_cache(r);
	if (r->cols)
		for (int i = 0; i < r->ncols; i++)
			pq_free(r->alloc, r->cols[i].name);
	if (r->kv_values)
		for (int i = 0; i < r->meta.nkv; i++)
			pq_free(r->alloc, r->kv_values[i]);
	pq_free(r->alloc, r->kv_values);
	pq_free(r->alloc, r->cols);
	pq_free(r->alloc, r->ranges);
	pq_free(r->alloc, r->bloom_bits);
	PqMetaFileFree(&r->meta, r->alloc);
	pq_free(r->alloc, r->footer);
	pq_free(r->alloc, r->name);
	r->alloc->free(r->alloc->ctx, r);
}

PqReader *
ParquetReaderOpen(const PqSource *src, const PqReaderOptions *opts,
				  const PqAllocator *alloc, const char *name, PqError *err)
{
	PqReader   *r;
	uint8_t		tail[8];
	uint8_t		head[4];
	uint32_t	flen;
	PqStatus	st;

	if (err)
	{
		err->status = PQ_OK;
		err->offset = PQ_NO_OFFSET;
		err->message[0] = '\0';
	}
	if (!src || !src->read_at || !alloc)
	{
		PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET, "parquet reader: source and allocator are required");
		return NULL;
	}
	r = PqAllocZero(alloc, sizeof(PqReader));
	if (!r)
	{
		PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
		return NULL;
	}
	r->alloc = alloc;
	if (opts)
		r->opts = *opts;
	else
		ParquetReaderOptionsInit(&r->opts);
	if (r->opts.max_page_values == 0)
		r->opts.max_page_values = 16 * 1024 * 1024;
	r->src = *src;
	r->file_size = src->size;
	r->rg = -1;
	r->bloom_rg = -1;
	if (!name)
		name = "(parquet)";
	r->name = PqStrdup(alloc, name, strlen(name));
	if (!r->name)
	{
		pq_free(alloc, r);
		PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
		return NULL;
	}
	if (src->size < 12)
	{
		PqErrorSet(err, PQ_ERR_CORRUPT, 0,
				   "file \"%s\": %llu bytes is too small for a Parquet file",
				   r->name, (unsigned long long) src->size);
		goto fail;
	}
	if (PqReaderSourceRead(r, src->size - 8, 8, tail, err) != PQ_OK ||
		PqReaderSourceRead(r, 0, 4, head, err) != PQ_OK)
		goto fail;
	if (memcmp(tail + 4, "PARE", 4) == 0)
	{
		PqErrorSet(err, PQ_ERR_UNSUPPORTED, src->size - 4,
				   "file \"%s\": encrypted Parquet files are not supported", r->name);
		goto fail;
	}
	if (memcmp(tail + 4, "PAR1", 4) != 0 || memcmp(head, "PAR1", 4) != 0)
	{
		PqErrorSet(err, PQ_ERR_CORRUPT, memcmp(head, "PAR1", 4) ? 0 : src->size - 4,
				   "file \"%s\": missing PAR1 magic (not a Parquet file, or truncated)",
				   r->name);
		goto fail;
	}
	flen = pq_load_u32(tail);
	if ((uint64_t) flen > src->size - 12)
	{
		PqErrorSet(err, PQ_ERR_CORRUPT, src->size - 8,
				   "file \"%s\": footer length %u exceeds the file size %llu",
				   r->name, flen, (unsigned long long) src->size);
		goto fail;
	}
	if ((uint64_t) flen > r->opts.max_footer_bytes)
	{
		PqErrorSet(err, PQ_ERR_LIMIT, src->size - 8,
				   "file \"%s\": footer of %u bytes exceeds max_footer_bytes %llu",
				   r->name, flen, (unsigned long long) r->opts.max_footer_bytes);
		goto fail;
	}
	r->footer_off = src->size - 8 - flen;
	r->data_end = r->footer_off;
	r->footer = pq_alloc(alloc, flen);
	if (!r->footer)
	{
		PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory reading the footer of \"%s\"", r->name);
		goto fail;
	}
	if (PqReaderSourceRead(r, r->footer_off, flen, r->footer, err) != PQ_OK)
		goto fail;
	st = PqMetaFileParse(r->footer, flen, r->footer_off, r->opts.max_columns,
						 alloc, &r->meta, err);
	if (st != PQ_OK)
	{
		PqErrorPrefix(err, "file \"%s\"", r->name);
		goto fail;
	}
	if (setup_schema(r, err) != PQ_OK || copy_key_values(r, err) != PQ_OK)
		goto fail;
	if (r->meta.num_rows < 0)
	{
		PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off, "file \"%s\": num_rows %lld",
				   r->name, (long long) r->meta.num_rows);
		goto fail;
	}
	/* default projection: every column */
	{
		int		   *all = pq_alloc(alloc, sizeof(int) * (r->ncols ? r->ncols : 1));

		if (!all)
		{
			PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
			goto fail;
		}
		for (int i = 0; i < r->ncols; i++)
			all[i] = i;
		st = ParquetReaderSelectColumns(r, all, r->ncols, err);
		pq_free(alloc, all);
		if (st != PQ_OK)
			goto fail;
	}
	return r;

fail:
	ParquetReaderClose(r);
	return NULL;
}

int
ParquetReaderNumColumns(const PqReader *r)
{
	return r->ncols;
}

const PqColumnInfo *
ParquetReaderColumn(const PqReader *r, int column)
{
	if (column < 0 || column >= r->ncols)
		return NULL;
	return &r->cols[column].info;
}

int
ParquetReaderFindColumn(const PqReader *r, const char *name)
{
	for (int i = 0; i < r->ncols; i++)
		if (strcmp(r->cols[i].name, name) == 0)
			return i;
	return -1;
}

int64_t
ParquetReaderNumRows(const PqReader *r)
{
	return r->meta.num_rows;
}

int
ParquetReaderNumRowGroups(const PqReader *r)
{
	return r->meta.nrowgroups;
}

int64_t
ParquetReaderRowGroupNumRows(const PqReader *r, int rg)
{
	if (rg < 0 || rg >= r->meta.nrowgroups)
		return -1;
	return r->meta.rowgroups[rg].num_rows;
}

const char *
ParquetReaderKeyValue(const PqReader *r, const char *key)
{
	size_t		klen = strlen(key);

	/* the last occurrence wins, as in a map */
	for (int i = r->meta.nkv - 1; i >= 0; i--)
	{
		const PqMetaKeyValue *kv = &r->meta.kv[i];

		if (kv->key.len == klen && kv->key.ptr && memcmp(kv->key.ptr, key, klen) == 0)
			return r->kv_values[i];
	}
	return NULL;
}

static PqStatus
copy_key_values(PqReader *r, PqError *err)
{
	if (r->meta.nkv == 0)
		return PQ_OK;
	r->kv_values = PqAllocZero(r->alloc, sizeof(char *) * r->meta.nkv);
	if (!r->kv_values)
		return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	for (int i = 0; i < r->meta.nkv; i++)
	{
		const PqMetaKeyValue *kv = &r->meta.kv[i];

		/* an absent value reads as NULL */
		if (!kv->value.ptr)
			continue;
		r->kv_values[i] = PqStrdup(r->alloc, (const char *) kv->value.ptr,
								   kv->value.len);
		if (!r->kv_values[i])
			return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	}
	return PQ_OK;
}

uint64_t
ParquetReaderBytesRead(const PqReader *r)
{
	return r->bytes_read;
}

void
ParquetReaderPageCounts(const PqReader *r, uint64_t *decoded, uint64_t *total)
{
	*decoded = r->pages_decoded;
	*total = r->pages_total;
}

/* ---------------------------------------------------------------------
 * Projection and row groups
 * ---------------------------------------------------------------------
 */
static void
sel_reset_chunk(PqReader *r, RSel *s)
{
	s->oi = NULL;
	s->use_oi = false;
	s->oi_next = 0;
	s->decoding_oi = -1;
	s->dict_loaded = false;
	s->dict_n = 0;
	if (s->dict_borrowed)
	{
		s->dict_vals = NULL;
		s->dict_vals_cap = 0;
		s->dict_borrowed = false;
	}
	pq_free(r->alloc, s->dict_arena);
	s->dict_arena = NULL;
	pq_free(r->alloc, s->page_arena);
	s->page_arena = NULL;
	s->page_loaded = false;
	s->page_referenced = false;
	s->page_n = s->page_pos = s->page_nn_pos = 0;
	s->io.len = 0;
	s->io_off = 0;
	s->small_chunk = false;
}

static void
sel_free(PqReader *r, RSel *s)
{
	sel_reset_chunk(r, s);
	PqBufFree(&s->io);
	PqBufFree(&s->dict_raw);
	pq_free(r->alloc, s->dict_vals);
	PqBufFree(&s->page);
	pq_free(r->alloc, s->nulls);
	pq_free(r->alloc, s->vals);
	pq_free(r->alloc, s->idx);
	pq_free(r->alloc, s->tmp);
	pq_free(r->alloc, s->out_vals);
	pq_free(r->alloc, s->out_nulls);
}

static void
free_retired(PqReader *r)
{
	for (int i = 0; i < r->nretired; i++)
		pq_free(r->alloc, r->retired[i]);
	r->nretired = 0;
}

/* a fresh selection slot: no buffers, nothing loaded */
static void
sel_init(PqReader *r, RSel *s)
{
	memset(s, 0, sizeof(*s));
	PqBufInit(&s->io, r->alloc);
	PqBufInit(&s->dict_raw, r->alloc);
	PqBufInit(&s->page, r->alloc);
}

PqStatus
ParquetReaderSelectColumns(PqReader *r, const int *columns, int ncolumns,
						   PqError *err)
{
	if (ncolumns < 0 || (ncolumns > 0 && !columns))
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET, "parquet reader: bad column list");
	for (int i = 0; i < ncolumns; i++)
		if (columns[i] < 0 || columns[i] >= r->ncols)
			return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
							  "file \"%s\": no column %d (the file has %d)",
							  r->name, columns[i], r->ncols);
	if (ncolumns > r->sels_cap)
	{
		/* a larger array; the old selection's slots move over with their buffers */
		RSel	   *ns = pq_alloc(r->alloc, sizeof(RSel) * ncolumns);

		if (!ns)
			return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
		if (r->nsel > 0)
			memcpy(ns, r->sels, sizeof(RSel) * r->nsel);
		for (int i = r->nsel; i < ncolumns; i++)
			sel_init(r, &ns[i]);
		pq_free(r->alloc, r->sels);
		r->sels = ns;
		r->sels_cap = ncolumns;
	}
	else
		for (int i = r->nsel; i < ncolumns; i++)
			sel_init(r, &r->sels[i]);
	free_retired(r);

	/*
	 * Slots of the new selection keep the buffers of the old one in the
	 * same position (a reader kept across lookups selects the same columns
	 * again and again); slots past it are freed.
	 */
	for (int i = 0; i < ncolumns; i++)
	{
		RSel	   *s = &r->sels[i];

		if (i < r->nsel)
			sel_reset_chunk(r, s);
		s->col = columns[i];
		s->rc = &r->cols[columns[i]];
	}
	for (int i = ncolumns; i < r->nsel; i++)
	{
		sel_free(r, &r->sels[i]);
		sel_init(r, &r->sels[i]);
	}
	r->nsel = ncolumns;
	/* a selection change ends the current row group */
	r->rg = -1;
	r->nranges = 0;
	r->range_idx = 0;
	return PQ_OK;
}

static PqStatus
load_offset_index(PqReader *r, int g, int c, PqMetaOffsetIndex *oi,
				  bool *present, PqError *err)
{
	const PqMetaColumn *m = &r->meta.rowgroups[g].columns[c];
	const RColumn *rc = &r->cols[c];
	uint8_t    *buf;
	PqStatus	st;
	int64_t		rg_rows = r->meta.rowgroups[g].num_rows;
	uint64_t	cstart;
	uint64_t	cend;

	*present = false;
	memset(oi, 0, sizeof(*oi));
	if (m->offset_index_offset < 0 || m->offset_index_length <= 0)
		return PQ_OK;
	if ((uint64_t) m->offset_index_offset > r->data_end ||
		(uint64_t) m->offset_index_length > r->data_end - (uint64_t) m->offset_index_offset)
		return PqErrorSet(err, PQ_ERR_CORRUPT, r->footer_off,
						  "file \"%s\", row group %d, column \"%s\": offset index at %lld length %d outside the file",
						  r->name, g, rc->name, (long long) m->offset_index_offset,
						  m->offset_index_length);
	if ((uint64_t) m->offset_index_length > r->opts.max_footer_bytes)
		return PqErrorSet(err, PQ_ERR_LIMIT, (uint64_t) m->offset_index_offset,
						  "file \"%s\", row group %d, column \"%s\": offset index of %d bytes too large",
						  r->name, g, rc->name, m->offset_index_length);
	buf = pq_alloc(r->alloc, (size_t) m->offset_index_length);
	if (!buf)
		return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	st = PqReaderSourceRead(r, (uint64_t) m->offset_index_offset, (size_t) m->offset_index_length, buf, err);
	if (st == PQ_OK)
		st = PqOffsetIndexParse(buf, (size_t) m->offset_index_length,
								(uint64_t) m->offset_index_offset, r->alloc, oi, err);
	pq_free(r->alloc, buf);
	if (st != PQ_OK)
	{
		if (st == PQ_ERR_CORRUPT)
			PqErrorPrefix(err, "file \"%s\", row group %d, column \"%s\"",
						  r->name, g, rc->name);
		return st;
	}
	/* validate the page locations against the chunk and the row group */
	cstart = (uint64_t) m->data_page_offset;
	if (m->dictionary_page_offset > 0 && m->dictionary_page_offset < m->data_page_offset)
		cstart = (uint64_t) m->dictionary_page_offset;
	cend = cstart + (uint64_t) m->total_compressed_size;
	for (int i = 0; i < oi->npages; i++)
	{
		const PqMetaPageLocation *p = &oi->pages[i];
		bool		bad = false;

		if (p->offset < 0 || (uint64_t) p->offset < cstart || p->compressed_page_size <= 0 ||
			(uint64_t) p->offset >= cend ||
			(uint64_t) p->compressed_page_size > cend - (uint64_t) p->offset)
			bad = true;
		if (p->first_row_index < 0 || p->first_row_index >= (rg_rows > 0 ? rg_rows : 1) ||
			(i == 0 && p->first_row_index != 0) ||
			(i > 0 && (p->first_row_index <= oi->pages[i - 1].first_row_index ||
					   p->offset < oi->pages[i - 1].offset + oi->pages[i - 1].compressed_page_size)))
			bad = true;
		if (bad)
		{
			PqStatus	s2 = PqErrorSet(err, PQ_ERR_CORRUPT, (uint64_t) m->offset_index_offset,
										"file \"%s\", row group %d, column \"%s\": offset index page %d (offset %lld, size %d, first row %lld) is inconsistent with the column chunk",
										r->name, g, rc->name, i, (long long) p->offset,
										p->compressed_page_size, (long long) p->first_row_index);

			PqOffsetIndexFree(oi, r->alloc);
			return s2;
		}
	}
	if (oi->npages == 0 && rg_rows > 0)
	{
		PqOffsetIndexFree(oi, r->alloc);
		return PqErrorSet(err, PQ_ERR_CORRUPT, (uint64_t) m->offset_index_offset,
						  "file \"%s\", row group %d, column \"%s\": empty offset index",
						  r->name, g, rc->name);
	}
	*present = true;
	return PQ_OK;
}

PqStatus
PqReaderOffsetIndex(PqReader *r, int g, int c, const PqMetaOffsetIndex **oi,
					bool *present, PqError *err)
{
	ROffsetIndexCache *oc;

	*oi = NULL;
	*present = false;
	if (!r->oic)
	{
		r->oic = PqAllocZero(r->alloc, sizeof(ROffsetIndexCache) *
							 ((size_t) r->meta.nrowgroups * r->ncols + 1));
		if (!r->oic)
			return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	}
	oc = &r->oic[(size_t) g * r->ncols + c];
	if (!oc->loaded)
	{
		PqStatus	st = load_offset_index(r, g, c, &oc->oi, &oc->present, err);

		if (st != PQ_OK)
			return st;
		oc->loaded = true;
	}
	*present = oc->present;
	if (oc->present)
		*oi = &oc->oi;
	return PQ_OK;
}

/*
 * Reuse across scans: Release drops what one scan needs (projection, page
 * and dictionary buffers, row ranges) and forgets the source; the footer,
 * schema, offset indexes, page indexes and key/value metadata stay.
 * Attach binds a released reader to a source again (the same file, reopened:
 * its size must be the one the footer was read from) and selects every
 * column, as after Open.
 */
/*
 * Buffers of a released selection up to this size stay for the next scan:
 * point lookups and probes would otherwise allocate and free them (and
 * fault their pages in) per statement or per row.
 */
#define KEEP_BUFFER_BYTES (128 * 1024)

static void
sel_trim(PqReader *r, RSel *s)
{
	sel_reset_chunk(r, s);
#define TRIM_BUF(b) do { if ((b).cap > KEEP_BUFFER_BYTES) PqBufFree(&(b)); } while (0)
#define TRIM_ARR(p, cap, sz) \
	do { if ((size_t) (cap) * (sz) > KEEP_BUFFER_BYTES) { pq_free(r->alloc, p); (p) = NULL; (cap) = 0; } } while (0)
	TRIM_BUF(s->io);
	TRIM_BUF(s->dict_raw);
	TRIM_BUF(s->page);
	if (!s->dict_borrowed)
		TRIM_ARR(s->dict_vals, s->dict_vals_cap, 1);
	TRIM_ARR(s->nulls, s->nulls_cap, 1);
	TRIM_ARR(s->vals, s->vals_cap, 1);
	TRIM_ARR(s->idx, s->idx_cap, sizeof(uint32_t));
	TRIM_ARR(s->tmp, s->tmp_cap, 1);
	TRIM_ARR(s->out_vals, s->out_vals_cap, 1);
	TRIM_ARR(s->out_nulls, s->out_nulls_cap, 1);
#undef TRIM_BUF
#undef TRIM_ARR
}

void
ParquetReaderRelease(PqReader *r)
{
	for (int i = 0; i < r->nsel; i++)
		sel_trim(r, &r->sels[i]);
	free_retired(r);
	pq_free(r->alloc, r->retired);
	r->retired = NULL;
	r->retired_cap = 0;
	pq_free(r->alloc, r->ranges);
	r->ranges = NULL;
	r->ranges_cap = 0;
	r->nranges = 0;
	r->rg = -1;
	memset(&r->src, 0, sizeof(r->src));
}

void
ParquetReaderTrim(PqReader *r)
{
	ParquetReaderRelease(r);
	for (int i = 0; i < r->nsel; i++)
		sel_free(r, &r->sels[i]);
	pq_free(r->alloc, r->sels);
	r->sels = NULL;
	r->nsel = 0;
	r->sels_cap = 0;
	free_chunk_cache(r);
}

PqStatus
ParquetReaderAttach(PqReader *r, const PqSource *src, PqError *err)
{
	int		   *all;
	PqStatus	st;

	if (!src || !src->read_at)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET, "parquet reader: a source is required");
	if (src->size != r->file_size)
		return PqErrorSet(err, PQ_ERR_CORRUPT, PQ_NO_OFFSET,
						  "file \"%s\": %llu bytes, but %llu when its footer was read",
						  r->name, (unsigned long long) src->size,
						  (unsigned long long) r->file_size);
	r->src = *src;
	r->bytes_read = 0;
	r->pages_decoded = 0;
	r->pages_total = 0;
	r->count_pages = false;
	all = pq_alloc(r->alloc, sizeof(int) * (r->ncols ? r->ncols : 1));
	if (!all)
		return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	for (int i = 0; i < r->ncols; i++)
		all[i] = i;
	st = ParquetReaderSelectColumns(r, all, r->ncols, err);
	pq_free(r->alloc, all);
	return st;
}

static bool
chunk_has_offset_index(const RSel *s)
{
	return s->mc->offset_index_offset >= 0 && s->mc->offset_index_length > 0;
}

/*
 * Page accounting (ParquetReaderCountPages): a chunk with an offset index
 * counts its pages now; one without counts each page header its reading
 * passes (advance_to).
 */
static PqStatus
count_chunk_pages(PqReader *r, int rg, RSel *s, PqError *err)
{
	const PqMetaOffsetIndex *oi = s->use_oi ? s->oi : NULL;
	bool		present = oi != NULL;

	if (!present && chunk_has_offset_index(s))
	{
		PqStatus	st = PqReaderOffsetIndex(r, rg, s->col, &oi, &present, err);

		if (st != PQ_OK)
			return st;
	}
	if (present)
		r->pages_total += (uint64_t) oi->npages;
	return PQ_OK;
}

void
ParquetReaderCountPages(PqReader *r, bool on)
{
	r->count_pages = on;
}

PqStatus
ParquetReaderStartRowGroup(PqReader *r, int rg, const PqRowRange *ranges,
						   int nranges, PqError *err)
{
	int64_t		rows;

	if (rg < 0 || rg >= r->meta.nrowgroups)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "file \"%s\": no row group %d (the file has %d)",
						  r->name, rg, r->meta.nrowgroups);
	if (nranges < 0 || (nranges > 0 && !ranges))
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET, "parquet reader: bad row ranges");
	free_retired(r);
	rows = r->meta.rowgroups[rg].num_rows;
	r->rg = -1;
	/* copy and clip the ranges */
	if (r->ranges_cap < nranges + 1)
	{
		PqRowRange *nr = pq_alloc(r->alloc, sizeof(PqRowRange) * (nranges + 1));

		if (!nr)
			return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
		pq_free(r->alloc, r->ranges);
		r->ranges = nr;
		r->ranges_cap = nranges + 1;
	}
	r->nranges = 0;
	if (!ranges)
	{
		r->ranges[0].first = 0;
		r->ranges[0].count = rows;
		r->nranges = 1;
	}
	else
	{
		int64_t		prev_end = 0;

		for (int i = 0; i < nranges; i++)
		{
			int64_t		a = ranges[i].first,
						n = ranges[i].count;

			if (a < prev_end || n < 0)
				return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
								  "parquet reader: row ranges must be sorted, non-overlapping and non-negative (range %d)",
								  i);
			prev_end = a + n;
			if (a >= rows || n == 0)
				continue;
			if (n > rows - a)
				n = rows - a;
			r->ranges[r->nranges].first = a;
			r->ranges[r->nranges].count = n;
			r->nranges++;
		}
	}
	r->range_idx = 0;
	r->cur_row = 0;
	r->rg_rows = rows;
	r->rg_last_row = r->nranges > 0 ?
		r->ranges[r->nranges - 1].first + r->ranges[r->nranges - 1].count - 1 : -1;

	for (int i = 0; i < r->nsel; i++)
	{
		RSel	   *s = &r->sels[i];
		const PqMetaColumn *m = &r->meta.rowgroups[rg].columns[s->col];

		sel_reset_chunk(r, s);
		s->mc = m;
		s->chunk_start = (uint64_t) m->data_page_offset;
		if (m->dictionary_page_offset > 0 && m->dictionary_page_offset < m->data_page_offset)
			s->chunk_start = (uint64_t) m->dictionary_page_offset;
		s->chunk_end = s->chunk_start + (uint64_t) m->total_compressed_size;
		s->next_off = s->chunk_start;
		s->next_first_row = 0;
		s->page_first_row = 0;
		/* the offset index only pays when rows are skipped */
		if (ranges && r->nranges > 0 &&
			!(r->nranges == 1 && r->ranges[0].first == 0 && r->ranges[0].count == rows))
		{
			bool		present;
			PqStatus	st = PqReaderOffsetIndex(r, rg, s->col, &s->oi, &present, err);

			if (st != PQ_OK)
				return st;
			s->use_oi = present;
			s->small_chunk = present &&
				s->chunk_end - s->chunk_start <= SMALL_CHUNK_BYTES;
		}
		if (r->count_pages)
		{
			PqStatus	st = count_chunk_pages(r, rg, s, err);

			if (st != PQ_OK)
				return st;
		}
	}
	r->rg = rg;
	return PQ_OK;
}

/* ---------------------------------------------------------------------
 * Pages
 * ---------------------------------------------------------------------
 */
static PqStatus
sel_error(PqReader *r, RSel *s, PqError *err, PqStatus st, uint64_t off,
		  const char *fmt,...)
	__attribute__((format(printf, 6, 7)));

/* an error naming file, row group, column and offset */
static PqStatus
sel_error(PqReader *r, RSel *s, PqError *err, PqStatus st, uint64_t off,
		  const char *fmt,...)
{
	char		what[200];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return PqErrorSet(err, st, off,
					  "file \"%s\", row group %d, column \"%s\": %s (offset %llu)",
					  r->name, r->rg, s->rc->name, what, (unsigned long long) off);
}

#define CORRUPT(off, ...) sel_error(r, s, err, PQ_ERR_CORRUPT, off, __VA_ARGS__)

static PqStatus
decompress_into(PqReader *r, RSel *s, const uint8_t *src, size_t srclen,
				uint8_t *dst, size_t dstlen, uint64_t off, PqError *err)
{
	int			codec = s->mc->codec;
	PqError		e2;
	PqStatus	st;

	if (codec == PQ_CODEC_UNCOMPRESSED)
	{
		if (srclen != dstlen)
			return CORRUPT(off, "uncompressed page body of %zu bytes, header says %zu",
						   srclen, dstlen);
		if (dstlen)
			memcpy(dst, src, dstlen);
		return PQ_OK;
	}
	if (!PqCodecSupported(codec))
		return sel_error(r, s, err, PQ_ERR_UNSUPPORTED, off,
						 "compression codec %s (%d) is not supported",
						 ParquetCodecName((PqCodec) codec), codec);
	memset(&e2, 0, sizeof(e2));
	st = PqCodecDecompress(codec, src, srclen, dst, dstlen, &e2);
	if (st != PQ_OK)
		return sel_error(r, s, err, st == PQ_ERR_NOMEM ? st : PQ_ERR_CORRUPT, off,
						 "%s page: %s", ParquetCodecName((PqCodec) codec), e2.message);
	return PQ_OK;
}

/*
 * Prefix decompression of a page body (see PqCodecPrefixBegin); errors
 * worded like decompress_into's.
 */
static PqStatus
prefix_begin(PqReader *r, RSel *s, PqCodecPrefix *pp, const uint8_t *src,
			 size_t srclen, uint8_t *dst, size_t dstlen, uint64_t off, PqError *err)
{
	int			codec = s->mc->codec;
	PqError		e2;
	PqStatus	st;

	memset(&e2, 0, sizeof(e2));
	st = PqCodecPrefixBegin(pp, codec, src, srclen, dst, dstlen, &e2);
	if (st != PQ_OK)
		return sel_error(r, s, err, st == PQ_ERR_NOMEM ? st : PQ_ERR_CORRUPT, off,
						 "%s page: %s", ParquetCodecName((PqCodec) codec), e2.message);
	return PQ_OK;
}

/* make bytes [lo, hi) of the page body valid */
static PqStatus
prefix_range(PqReader *r, RSel *s, PqCodecPrefix *pp, size_t lo, size_t hi,
			 uint64_t off, PqError *err)
{
	PqError		e2;
	PqStatus	st;

	if (pp->complete || lo >= hi || (lo >= pp->valid_lo && hi <= pp->valid))
		return PQ_OK;
	memset(&e2, 0, sizeof(e2));
	st = PqCodecPrefixRange(pp, lo, hi, &e2);
	if (st != PQ_OK)
		return sel_error(r, s, err, st == PQ_ERR_NOMEM ? st : PQ_ERR_CORRUPT, off,
						 "%s page: %s", ParquetCodecName((PqCodec) pp->codec), e2.message);
	return PQ_OK;
}

/* make the first want bytes of the page body valid */
static PqStatus
prefix_need(PqReader *r, RSel *s, PqCodecPrefix *pp, size_t want, uint64_t off,
			PqError *err)
{
	return prefix_range(r, s, pp, 0, want, off, err);
}

/* read the page header at off (the page must end by limit) and its body */
static PqStatus
read_page(PqReader *r, RSel *s, uint64_t off, uint64_t limit, PqPageHeader *h,
		  const uint8_t **body, PqError *err)
{
	size_t		win = 256;
	const uint8_t *p;
	PqStatus	st;
	PqError		e2;

	for (;;)
	{
		size_t		avail,
					n;

		if (off >= limit)
			return CORRUPT(off, "page header expected past the end of its range %llu",
						   (unsigned long long) limit);
		avail = (size_t) (limit - off);
		n = win < avail ? win : avail;
		st = sel_fetch(r, s, off, n, limit, &p, err);
		if (st != PQ_OK)
			return st;
		memset(&e2, 0, sizeof(e2));
		st = PqPageHeaderParse(p, n, off, h, &e2);
		if (st == PQ_OK)
			break;
		if (st != PQ_END)
			return CORRUPT(e2.offset, "%s", e2.message);
		if (n == avail)
			return CORRUPT(off, "page header truncated by the end of the column chunk");
		if (win >= MAX_HEADER_BYTES)
			return sel_error(r, s, err, PQ_ERR_LIMIT, off,
							 "page header larger than %d bytes", MAX_HEADER_BYTES);
		win *= 4;
	}
	if (h->compressed_size < 0 || h->uncompressed_size < 0)
		return CORRUPT(off, "page header: compressed_page_size %d, uncompressed_page_size %d",
					   h->compressed_size, h->uncompressed_size);
	if ((uint64_t) h->compressed_size > r->opts.max_page_bytes ||
		(uint64_t) h->uncompressed_size > r->opts.max_page_bytes)
		return sel_error(r, s, err, PQ_ERR_LIMIT, off,
						 "page of %d/%d bytes exceeds max_page_bytes %llu",
						 h->compressed_size, h->uncompressed_size,
						 (unsigned long long) r->opts.max_page_bytes);
	if ((uint64_t) h->compressed_size > limit - off - h->header_len)
		return CORRUPT(off, "page body of %d bytes runs past the column chunk end %llu",
					   h->compressed_size, (unsigned long long) limit);
	return sel_fetch(r, s, off + h->header_len, (size_t) h->compressed_size,
					 limit, body, err);
}

static PqStatus
load_dictionary(PqReader *r, RSel *s, const PqPageHeader *h,
				const uint8_t *body, uint64_t off, PqError *err)
{
	RColumn    *rc = s->rc;
	int			w = PqPhysicalWidth(rc->ptype, rc->tlen);
	uint64_t	minbytes;
	size_t		consumed;
	size_t		need;
	bool		fail = false;
	PqStatus	st;

	if (s->dict_loaded)
		return CORRUPT(off, "second dictionary page in one column chunk");
	if (!h->has_data || h->num_values < 0)
		return CORRUPT(off, "dictionary page header without a valid num_values");
	if (h->encoding != PQE_PLAIN && h->encoding != PQE_PLAIN_DICTIONARY)
		return sel_error(r, s, err, PQ_ERR_UNSUPPORTED, off,
						 "dictionary page encoding %d", h->encoding);
	s->dict_raw.len = 0;
	if (!PqBufGrow(&s->dict_raw, (size_t) h->uncompressed_size))
		return sel_error(r, s, err, PQ_ERR_NOMEM, off, "out of memory");
	st = decompress_into(r, s, body, (size_t) h->compressed_size, s->dict_raw.data,
						 (size_t) h->uncompressed_size, off, err);
	if (st != PQ_OK)
		return st;
	s->dict_raw.len = (size_t) h->uncompressed_size;
	/* each value takes at least this much of the page */
	minbytes = w < 0 ? 0 : w == 0 ? 4 : (uint64_t) w;
	if (w < 0 ? ((uint64_t) h->num_values > s->dict_raw.len * 8)
		: ((uint64_t) h->num_values * minbytes > s->dict_raw.len))
		return CORRUPT(off, "dictionary of %d values cannot fit in %zu bytes",
					   h->num_values, s->dict_raw.len);
	need = (size_t) h->num_values * (rc->slot > sizeof(PqBytes) ? rc->slot : sizeof(PqBytes));
	s->dict_vals = grow_array(r, s->dict_vals, &s->dict_vals_cap, need + 16, &fail);
	if (fail)
		return sel_error(r, s, err, PQ_ERR_NOMEM, off, "out of memory");
	if (!PqPlainDecode(rc->conv, &rc->info, rc->ptype, rc->tlen, s->dict_raw.data,
					   s->dict_raw.len, (uint32_t) h->num_values, s->dict_vals, &consumed))
		return CORRUPT(off, "dictionary page values are truncated or malformed");
	s->dict_n = (uint32_t) h->num_values;
	s->dict_loaded = true;
	return PQ_OK;
}

/* with an offset index, the dictionary page sits before the first page */
static PqStatus
ensure_dictionary(PqReader *r, RSel *s, uint64_t off, PqError *err)
{
	PqPageHeader h;
	const uint8_t *body;
	PqStatus	st;
	uint64_t	limit;

	RDictCache *dc;

	if (s->dict_loaded)
		return PQ_OK;
	if (!s->use_oi || s->oi->npages == 0 || (uint64_t) s->oi->pages[0].offset <= s->chunk_start)
		return CORRUPT(off, "dictionary-encoded page without a dictionary page");
	if (!r->dic)
		r->dic = PqAllocZero(r->alloc, sizeof(RDictCache) *
							 ((size_t) r->meta.nrowgroups * r->ncols + 1));
	dc = r->dic ? &r->dic[(size_t) r->rg * r->ncols + s->col] : NULL;
	if (dc && dc->loaded)
	{
		/* decoded by an earlier probe of this chunk */
		if (!s->dict_borrowed)
			pq_free(r->alloc, s->dict_vals);
		s->dict_vals = dc->vals;
		s->dict_vals_cap = 0;
		s->dict_borrowed = true;
		s->dict_n = dc->n;
		s->dict_loaded = true;
		return PQ_OK;
	}
	limit = (uint64_t) s->oi->pages[0].offset;
	st = read_page(r, s, s->chunk_start, limit, &h, &body, err);
	if (st != PQ_OK)
		return st;
	if (h.type != PQP_DICTIONARY_PAGE)
		return CORRUPT(s->chunk_start, "expected a dictionary page, found page type %d", h.type);
	if (s->dict_borrowed)
	{
		s->dict_vals = NULL;
		s->dict_vals_cap = 0;
		s->dict_borrowed = false;
	}
	st = load_dictionary(r, s, &h, body, s->chunk_start, err);
	if (st != PQ_OK || dc == NULL)
		return st;
	/* hand the decoded dictionary to the reader's cache, keep using it */
	dc->raw = s->dict_raw;
	dc->vals = s->dict_vals;
	dc->n = s->dict_n;
	dc->loaded = true;
	PqBufInit(&s->dict_raw, r->alloc);
	s->dict_borrowed = true;
	s->dict_vals_cap = 0;
	return PQ_OK;
}

static void
retire(PqReader *r, void *p)
{
	if (!p)
		return;
	if (r->nretired == r->retired_cap)
	{
		int			ncap = r->retired_cap ? r->retired_cap * 2 : 16;
		void	  **n = pq_alloc(r->alloc, sizeof(void *) * ncap);

		if (!n)
		{
			/*
			 * Out of memory for the list: the batch still points into p,
			 * so it must not be freed; leaking it is the safe choice.
			 */
			return;
		}
		if (r->nretired)
			memcpy(n, r->retired, sizeof(void *) * r->nretired);
		pq_free(r->alloc, r->retired);
		r->retired = n;
		r->retired_cap = ncap;
	}
	r->retired[r->nretired++] = p;
}

/* value i of a page of PLAIN int32/int64 values at vals */
static inline int64_t
seek_value(const RSel *s, const uint8_t *vals, uint32_t i)
{
	if (s->rc->order == PQO_I32)
	{
		int32_t		v;

		memcpy(&v, vals + (size_t) i * 4, 4);
		return v;
	}
	else
	{
		int64_t		v;

		memcpy(&v, vals + (size_t) i * 8, 8);
		return v;
	}
}

/*
 * Where key should sit among the n ascending values of the page being
 * decoded, by interpolation between the page's min and max from the page
 * index (when the scan loaded it, as a lookup's row ranges do), or
 * UINT32_MAX when unknown.  Only a first probe: a wrong guess costs a
 * probe, never a wrong answer.
 */
static uint32_t
seek_guess(PqReader *r, const RSel *s, int64_t key, uint32_t n)
{
	const RPageIndexCache *pc;
	const PqPageIndexEntry *e;
	int64_t		min,
				max;

	if (n == 0 || !s->use_oi || s->decoding_oi < 0 || r->pic == NULL || r->rg < 0)
		return UINT32_MAX;
	pc = &r->pic[(size_t) r->rg * r->ncols + s->col];
	if (!pc->loaded || pc->absent || s->decoding_oi >= pc->pi.npages)
		return UINT32_MAX;
	e = &pc->pi.pages[s->decoding_oi];
	if (!e->has_min_max || e->null_page || e->min.type != s->rc->info.type)
		return UINT32_MAX;
	min = s->rc->order == PQO_I32 ? (int64_t) e->min.v.i32 : e->min.v.i64;
	max = s->rc->order == PQO_I32 ? (int64_t) e->max.v.i32 : e->max.v.i64;
	if (key <= min || max <= min)
		return 0;
	if (key >= max)
		return n - 1;
	return (uint32_t) (((double) key - (double) min) / ((double) max - (double) min) *
					   (double) (n - 1));
}

/*
 * The first of the ascending values [a, b) of a page that is at or above
 * key (above: above key), b if none.  With pp (a zstd page in frame or
 * prefix mode, values at byte base of its output), each probed value is
 * decompressed first, and in frame mode every value a decompressed frame
 * holds is looked at before another frame is: the first probe goes to
 * guess (seek_guess), and the frame it decompresses either holds the
 * answer or tells on which side it lies, so a lookup usually decompresses
 * one frame, not the three a plain binary search touches.
 */
static PqStatus
seek_first(PqReader *r, RSel *s, PqCodecPrefix *pp, size_t base,
		   const uint8_t *vals, uint32_t a, uint32_t b, int64_t key, bool above,
		   uint32_t guess, uint32_t *out, uint64_t off, PqError *err)
{
	size_t		w = s->rc->slot;
	bool		inside = false;
	bool		first = true;

#define BEFORE(v)	(above ? (v) <= key : (v) < key)
	/* invariant: the answer is in [a, b] */
	while (a < b)
	{
		uint32_t	m;

		if (!inside && pp && pp->nframes > 0 && pp->valid > pp->valid_lo)
		{
			/* the values wholly inside the decompressed frames */
			size_t		vlo = pp->valid_lo > base ? pp->valid_lo - base : 0;
			size_t		vhi = pp->valid > base ? pp->valid - base : 0;
			size_t		fx = (vlo + w - 1) / w;
			size_t		fy = vhi / w;
			uint32_t	x = fx > a ? (uint32_t) (fx < b ? fx : b) : a;
			uint32_t	y = fy < b ? (uint32_t) fy : b;

			if (x < y)
			{
				if (!BEFORE(seek_value(s, vals, x)))
					b = x;
				else if (BEFORE(seek_value(s, vals, y - 1)))
					a = y;
				else
				{
					/* in (x, y - 1]: decompressed already */
					a = x + 1;
					b = y - 1;
					inside = true;
				}
				continue;
			}
		}
		m = (first && guess >= a && guess < b) ? guess : a + (b - a) / 2;
		first = false;
		if (pp)
		{
			PqStatus	st = prefix_range(r, s, pp, base + m * w, base + (m + 1) * w, off, err);

			if (st != PQ_OK)
				return st;
		}
		if (BEFORE(seek_value(s, vals, m)))
			a = m + 1;
		else
			b = m;
	}
#undef BEFORE
	*out = a;
	return PQ_OK;
}

/*
 * The ascending values [lo, hi) of a page searched for key: *lb the first
 * at or above it, *ub the first above it (seek_first).
 */
static PqStatus
seek_bounds(PqReader *r, RSel *s, PqCodecPrefix *pp, size_t base,
			const uint8_t *vals, uint32_t lo, uint32_t hi, int64_t key,
			uint32_t guess, uint32_t *lb, uint32_t *ub, uint64_t off, PqError *err)
{
	PqStatus	st = seek_first(r, s, pp, base, vals, lo, hi, key, false, guess, lb, off, err);

	if (st != PQ_OK)
		return st;
	return seek_first(r, s, pp, base, vals, *lb, hi, key, true, *lb, ub, off, err);
}

static PqStatus
decode_data_page(PqReader *r, RSel *s, const PqPageHeader *h,
				 const uint8_t *body, uint64_t off, int64_t first_row,
				 int64_t want_row, PqError *err)
{
	RColumn    *rc = s->rc;
	uint32_t	n,
				nn;
	const uint8_t *p;
	size_t		len,
				pos = 0;
	const uint8_t *vbuf;
	size_t		vlen;
	size_t		consumed;
	size_t		vneed;
	bool		fail = false;
	bool		v2 = (h->type == PQP_DATA_PAGE_V2);
	PqStatus	st;
	PqCodecPrefix pp;
	size_t		pbase = 0;		/* page bytes before the compressed part */
	bool		prefix;
	uint32_t	rel_first = 0;
	uint32_t	rel_last = 0;
	int64_t		last;
	bool		seeking;

	if (!h->has_data)
		return CORRUPT(off, "data page without its data page header");
	if (h->num_values < 0)
		return CORRUPT(off, "data page num_values %d", h->num_values);
	if ((uint32_t) h->num_values > r->opts.max_page_values)
		return sel_error(r, s, err, PQ_ERR_LIMIT, off,
						 "data page of %d values exceeds max_page_values %u",
						 h->num_values, r->opts.max_page_values);
	n = (uint32_t) h->num_values;
	if (v2 && (h->num_rows != h->num_values || h->num_nulls < 0 || h->num_nulls > h->num_values))
		return CORRUPT(off, "data page v2: num_rows %d, num_nulls %d, num_values %d disagree",
					   h->num_rows, h->num_nulls, h->num_values);

	/* keep a page whose bytes the current batch references */
	if (s->page_referenced)
	{
		retire(r, s->page.data);
		PqBufInit(&s->page, r->alloc);
		retire(r, s->page_arena);
		s->page_arena = NULL;
		s->page_referenced = false;
	}
	pq_free(r->alloc, s->page_arena);
	s->page_arena = NULL;

	s->page.len = 0;
	/* padding: the branch-free copy in column_read may read one slot past */
	if (!PqBufGrow(&s->page, (size_t) h->uncompressed_size + 16))
		return sel_error(r, s, err, PQ_ERR_NOMEM, off, "out of memory");

	/*
	 * A zstd page of PLAIN fixed-width values of which only rows want_row
	 * (the first row the column reads next) to last (ReadRows' last row, or
	 * the end of the row group's last row range) are wanted, and not all of
	 * them: decompress just the frames holding those values (the writer cuts
	 * a page into a few independent frames), or the blocks up to the last of
	 * them (a page of one frame of a few blocks).
	 */
	seeking = r->seek_active && s == &r->sels[r->seek_sel] && !rc->info.nullable;
	last = r->sparse ? r->sparse_last : r->rg_last_row;
	if (want_row > first_row)
		rel_first = want_row - first_row < (int64_t) n ? (uint32_t) (want_row - first_row) : n;
	if (last - first_row < (int64_t) n - 1)
		rel_last = (uint32_t) (last - first_row);
	else
		rel_last = n > 0 ? n - 1 : 0;
	prefix = !s->force_full && s->mc->codec == PQ_CODEC_ZSTD &&
		h->encoding == PQE_PLAIN &&
		(rc->conv == PQV_I32 || rc->conv == PQV_I64 || rc->conv == PQV_F32 ||
		 rc->conv == PQV_F64) &&
		last >= first_row && last >= want_row && rel_first < n &&
		(rel_first > 0 || rel_last < n - 1 || seeking) &&
		(!v2 || h->is_compressed);
	if (!v2 && prefix)
	{
		st = prefix_begin(r, s, &pp, body, (size_t) h->compressed_size, s->page.data,
						  (size_t) h->uncompressed_size, off, err);
		if (st != PQ_OK)
			return st;
	}
	else if (!v2)
	{
		st = decompress_into(r, s, body, (size_t) h->compressed_size, s->page.data,
							 (size_t) h->uncompressed_size, off, err);
		if (st != PQ_OK)
			return st;
	}
	else
	{
		size_t		lv;

		if (h->def_len < 0 || h->rep_len < 0 ||
			(int64_t) h->def_len + h->rep_len > h->compressed_size ||
			(int64_t) h->def_len + h->rep_len > h->uncompressed_size)
			return CORRUPT(off, "data page v2: level lengths %d/%d exceed the page",
						   h->rep_len, h->def_len);
		lv = (size_t) h->def_len + (size_t) h->rep_len;
		memcpy(s->page.data, body, lv);
		pbase = lv;
		if (prefix)
			st = prefix_begin(r, s, &pp, body + lv, (size_t) h->compressed_size - lv,
							  s->page.data + lv, (size_t) h->uncompressed_size - lv,
							  off, err);
		else if (h->is_compressed)
			st = decompress_into(r, s, body + lv, (size_t) h->compressed_size - lv,
								 s->page.data + lv, (size_t) h->uncompressed_size - lv,
								 off, err);
		else if (h->compressed_size != h->uncompressed_size)
			st = CORRUPT(off, "data page v2 not compressed but sizes differ (%d vs %d)",
						 h->compressed_size, h->uncompressed_size);
		else
		{
			memcpy(s->page.data + lv, body + lv, (size_t) h->compressed_size - lv);
			st = PQ_OK;
		}
		if (st != PQ_OK)
			return st;
	}
	s->page.len = (size_t) h->uncompressed_size;
	p = s->page.data;
	len = s->page.len;

	/* definition levels -> nulls */
	if (s->nulls_cap < n || !s->nulls)
	{
		uint8_t    *nb = pq_alloc(r->alloc, n ? n : 1);

		if (!nb)
			return sel_error(r, s, err, PQ_ERR_NOMEM, off, "out of memory");
		pq_free(r->alloc, s->nulls);
		s->nulls = nb;
		s->nulls_cap = n ? n : 1;
	}
	nn = n;
	if (rc->info.nullable)
	{
		PqRleDecoder d;
		const uint8_t *lp;
		size_t		llen;

		if (v2)
		{
			lp = p + h->rep_len;
			llen = (size_t) h->def_len;
			pos = (size_t) h->rep_len + (size_t) h->def_len;
			PqRleDecoderInit(&d, lp, llen, 1);
			if (!PqRleDecode8(&d, s->nulls, n))
				return CORRUPT(off, "definition levels truncated or malformed");
		}
		else if (h->def_encoding == PQE_BIT_PACKED)
		{
			size_t		nb = ((size_t) n + 7) / 8;

			if (nb > len)
				return CORRUPT(off, "BIT_PACKED definition levels truncated");
			if (prefix && (st = prefix_need(r, s, &pp, nb, off, err)) != PQ_OK)
				return st;
			for (uint32_t i = 0; i < n; i++)
				s->nulls[i] = (p[i >> 3] >> (7 - (i & 7))) & 1;
			pos = nb;
		}
		else if (h->def_encoding == PQE_RLE)
		{
			uint32_t	l;

			if (len < 4)
				return CORRUPT(off, "definition levels length missing");
			if (prefix && (st = prefix_need(r, s, &pp, 4, off, err)) != PQ_OK)
				return st;
			l = pq_load_u32(p);
			if (l > len - 4)
				return CORRUPT(off, "definition levels length %u exceeds the page (%zu bytes)",
							   l, len);
			if (prefix && (st = prefix_need(r, s, &pp, 4 + (size_t) l, off, err)) != PQ_OK)
				return st;
			PqRleDecoderInit(&d, p + 4, l, 1);
			if (!PqRleDecode8(&d, s->nulls, n))
				return CORRUPT(off, "definition levels truncated or malformed");
			pos = 4 + (size_t) l;
		}
		else
			return sel_error(r, s, err, PQ_ERR_UNSUPPORTED, off,
							 "definition level encoding %d", h->def_encoding);
		{
			uint8_t		any = 0;
			uint32_t	cnt = 0;
			uint8_t    *nlp = s->nulls;

			uint64_t	any8 = 0;
			uint32_t	i = 0;

			/* one pass, 8 levels at a time: count, flip to NULL marks,
			 * catch levels > 1 */
			for (; i + 8 <= n; i += 8)
			{
				uint64_t	x = pq_load_u64(nlp + i);

				any8 |= x;
				cnt += (uint32_t) __builtin_popcountll(x & 0x0101010101010101ULL);
				x ^= 0x0101010101010101ULL;
				memcpy(nlp + i, &x, 8);
			}
			if (any8 & 0xfefefefefefefefeULL)
				any = 2;
			for (; i < n; i++)
			{
				uint8_t		lv = nlp[i];

				any |= lv;
				cnt += lv & 1;
				nlp[i] = lv ^ 1;
			}
			if (any > 1)
				return CORRUPT(off, "definition level above the maximum 1");
			nn = cnt;
		}
		if (v2 && n - nn != (uint32_t) h->num_nulls)
			return CORRUPT(off, "data page v2: num_nulls %d but levels say %u",
						   h->num_nulls, n - nn);
	}
	else if (v2)
		pos = (size_t) h->rep_len + (size_t) h->def_len;
	s->page_has_nulls = (nn < n);

	if (pos > len)
		return CORRUPT(off, "levels exceed the page");
	s->page_valid_lo = 0;
	s->page_valid = n;
	if (prefix)
	{
		size_t		lo,
					hi;

		if (s->page_has_nulls)
		{
			/* the values of rows [0, rel_last], and the slot past them */
			uint32_t	cnt = 0;

			for (uint32_t i = 0; i <= rel_last; i++)
				cnt += s->nulls[i] == 0;
			rel_first = 0;
			lo = 0;
			hi = ((size_t) cnt + 1) * rc->slot;
		}
		else
		{
			if (seeking)
			{
				/* SeekSorted: probe only, then keep the rows equal to the key */
				st = seek_bounds(r, s, &pp, pos - pbase, p + pos, rel_first,
								 rel_last + 1, r->seek_key,
								 seek_guess(r, s, r->seek_key, n),
								 &r->seek_lb, &r->seek_ub, off, err);
				if (st != PQ_OK)
					return st;
				r->seek_done = true;
				rel_first = r->seek_lb < n ? r->seek_lb : n - 1;
				rel_last = r->seek_ub > r->seek_lb ? r->seek_ub - 1 : rel_first;
			}
			/* value i is row i's: the values of rows [rel_first, rel_last] */
			lo = (size_t) rel_first * rc->slot;
			hi = ((size_t) rel_last + 1) * rc->slot;
		}
		st = prefix_range(r, s, &pp, pos - pbase + lo, pos - pbase + hi, off, err);
		if (st != PQ_OK)
			return st;
		if (!pp.complete && s->page_has_nulls)
			s->page_valid = rel_last + 1;
		else if (!pp.complete)
		{
			/* the rows whose values lie wholly in what was decompressed */
			size_t		base = pos - pbase;
			size_t		vlo = pp.valid_lo > base ? pp.valid_lo - base : 0;
			size_t		vhi = pp.valid > base ? pp.valid - base : 0;

			s->page_valid_lo = (uint32_t) ((vlo + rc->slot - 1) / rc->slot);
			s->page_valid = vhi / rc->slot < n ? (uint32_t) (vhi / rc->slot) : n;
			if (s->page_valid_lo > rel_first || s->page_valid < rel_last + 1)
				return CORRUPT(off, "page decompressed short of the rows wanted");
		}
	}
	vbuf = p + pos;
	vlen = len - pos;
	vneed = (size_t) nn * (rc->slot > sizeof(PqBytes) ? rc->slot : sizeof(PqBytes));
	s->vals = grow_array(r, s->vals, &s->vals_cap, vneed + 16, &fail);
	if (fail)
		return sel_error(r, s, err, PQ_ERR_NOMEM, off, "out of memory");
	s->page_dict = false;
	s->idx_lazy = false;
	s->page_nn = nn;
	s->page_off = off;
	s->vsrc = s->vals;

	switch (h->encoding)
	{
		case PQE_PLAIN:
			if (rc->conv == PQV_I32 || rc->conv == PQV_I64 || rc->conv == PQV_F32 ||
				rc->conv == PQV_F64)
			{
				/* delivered as stored: use the page bytes in place */
				if ((uint64_t) nn * rc->slot > vlen)
					return CORRUPT(off, "PLAIN values truncated (%u values in %zu bytes)",
								   nn, vlen);
				s->vsrc = vbuf;
				break;
			}
			if (!PqPlainDecode(rc->conv, &rc->info, rc->ptype, rc->tlen, vbuf, vlen,
							   nn, s->vals, &consumed))
				return CORRUPT(off, "PLAIN values truncated or malformed (%u values in %zu bytes)",
							   nn, vlen);
			break;
		case PQE_PLAIN_DICTIONARY:
		case PQE_RLE_DICTIONARY:
			{
				PqRleDecoder d;
				int			bw;
				uint32_t	maxidx = 0;

				st = ensure_dictionary(r, s, off, err);
				if (st != PQ_OK)
					return st;
				if (nn == 0)
				{
					/* all NULL: column_read still reads idx[0] */
					if (s->idx_cap < 1)
					{
						s->idx = pq_alloc(r->alloc, sizeof(uint32_t));
						if (!s->idx)
							return sel_error(r, s, err, PQ_ERR_NOMEM, off, "out of memory");
						s->idx_cap = 1;
					}
					s->idx[0] = 0;
					s->page_dict = true;
					break;
				}
				if (vlen < 1)
					return CORRUPT(off, "dictionary indexes missing");
				bw = vbuf[0];
				if (bw > 32)
					return CORRUPT(off, "dictionary index bit width %d", bw);
				if (s->idx_cap < nn + 1)
				{
					uint32_t   *ni = pq_alloc(r->alloc, sizeof(uint32_t) * ((size_t) nn + 1));

					if (!ni)
						return sel_error(r, s, err, PQ_ERR_NOMEM, off, "out of memory");
					pq_free(r->alloc, s->idx);
					s->idx = ni;
					s->idx_cap = nn + 1;
				}
				s->idx[nn] = 0;		/* the padding slot column_read may read */
				s->page_dict = true;
				if (r->sparse)
				{
					/* a few rows wanted: indexes decoded as column_read needs them */
					PqRleDecoderInit(&s->idx_dec, vbuf + 1, vlen - 1, bw);
					s->idx_next = 0;
					s->idx_lazy = true;
					break;
				}
				PqRleDecoderInit(&d, vbuf + 1, vlen - 1, bw);
				if (!PqRleDecode32(&d, s->idx, nn))
					return CORRUPT(off, "dictionary indexes truncated or malformed");
				{
					/* OR bounds the maximum; find the exact one only if needed */
					uint32_t	o0 = 0,
								o1 = 0,
								o2 = 0,
								o3 = 0;
					uint32_t	i = 0;
					const uint32_t *ix = s->idx;

					for (; i + 4 <= nn; i += 4)
					{
						o0 |= ix[i];
						o1 |= ix[i + 1];
						o2 |= ix[i + 2];
						o3 |= ix[i + 3];
					}
					for (; i < nn; i++)
						o0 |= ix[i];
					if ((o0 | o1 | o2 | o3) >= s->dict_n)
						for (i = 0; i < nn; i++)
							maxidx = ix[i] > maxidx ? ix[i] : maxidx;
				}
				if (maxidx >= s->dict_n)
					return CORRUPT(off, "dictionary index %u out of range (dictionary has %u values)",
								   maxidx, s->dict_n);
				s->page_dict = true;
				break;
			}
		case PQE_RLE:
			{
				PqRleDecoder d;
				uint32_t	l;
				uint8_t    *o = s->vals;

				if (rc->ptype != PQT_BOOLEAN)
					return CORRUPT(off, "RLE value encoding on a non-boolean column");
				if (vlen < 4 || (l = pq_load_u32(vbuf)) > vlen - 4)
					return CORRUPT(off, "RLE boolean values: bad length");
				PqRleDecoderInit(&d, vbuf + 4, l, 1);
				if (!PqRleDecode8(&d, o, nn))
					return CORRUPT(off, "RLE boolean values truncated or malformed");
				for (uint32_t i = 0; i < nn; i++)
					if (o[i] > 1)
						return CORRUPT(off, "RLE boolean value %u", o[i]);
				break;
			}
		case PQE_DELTA_BINARY_PACKED:
			{
				int			w = rc->ptype == PQT_INT32 ? 4 : rc->ptype == PQT_INT64 ? 8 : 0;
				PqError		e2;

				if (w == 0)
					return CORRUPT(off, "DELTA_BINARY_PACKED on physical type %d", rc->ptype);
				s->tmp = grow_array(r, s->tmp, &s->tmp_cap, (size_t) nn * w + 8, &fail);
				if (fail)
					return sel_error(r, s, err, PQ_ERR_NOMEM, off, "out of memory");
				memset(&e2, 0, sizeof(e2));
				st = (w == 4) ?
					PqDecodeDeltaBinaryPacked32(vbuf, vlen, nn, (int32_t *) s->tmp, &consumed, &e2) :
					PqDecodeDeltaBinaryPacked64(vbuf, vlen, nn, (int64_t *) s->tmp, &consumed, &e2);
				if (st != PQ_OK)
					return sel_error(r, s, err, st, off, "DELTA_BINARY_PACKED: %s", e2.message);
				PqConvertFixed(rc->conv, &rc->info, w, s->tmp, nn, s->vals);
				break;
			}
		case PQE_DELTA_LENGTH_BYTE_ARRAY:
		case PQE_DELTA_BYTE_ARRAY:
			{
				PqError		e2;

				if (rc->ptype != PQT_BYTE_ARRAY &&
					!(rc->ptype == PQT_FLBA && h->encoding == PQE_DELTA_BYTE_ARRAY))
					return CORRUPT(off, "encoding %d on physical type %d", h->encoding, rc->ptype);
				memset(&e2, 0, sizeof(e2));
				if (h->encoding == PQE_DELTA_LENGTH_BYTE_ARRAY)
					st = PqDecodeDeltaLengthByteArray(vbuf, vlen, nn, (PqBytes *) s->vals,
													  &consumed, &e2);
				else
					st = PqDecodeDeltaByteArray(vbuf, vlen, nn, (PqBytes *) s->vals,
												r->alloc, &s->page_arena, &consumed, &e2);
				if (st != PQ_OK)
					return sel_error(r, s, err, st, off, "%s: %s",
									 h->encoding == PQE_DELTA_BYTE_ARRAY ?
									 "DELTA_BYTE_ARRAY" : "DELTA_LENGTH_BYTE_ARRAY",
									 e2.message);
				if (rc->ptype == PQT_FLBA)
				{
					PqBytes    *b = (PqBytes *) s->vals;

					for (uint32_t i = 0; i < nn; i++)
						if (b[i].len != (uint32_t) rc->tlen)
							return CORRUPT(off, "FIXED_LEN_BYTE_ARRAY value of %u bytes, expected %d",
										   b[i].len, rc->tlen);
				}
				if (rc->conv == PQV_DEC_BYTES &&
					!PqConvertBytesToDecimal(&rc->info, s->vals, nn))
					return CORRUPT(off, "decimal value longer than 16 bytes");
				break;
			}
		case PQE_BYTE_STREAM_SPLIT:
			{
				int			w = PqPhysicalWidth(rc->ptype, rc->tlen);
				PqError		e2;

				if (w <= 0)
					return CORRUPT(off, "BYTE_STREAM_SPLIT on physical type %d", rc->ptype);
				s->tmp = grow_array(r, s->tmp, &s->tmp_cap, (size_t) nn * w + 8, &fail);
				if (fail)
					return sel_error(r, s, err, PQ_ERR_NOMEM, off, "out of memory");
				memset(&e2, 0, sizeof(e2));
				st = PqDecodeByteStreamSplit(vbuf, vlen, nn, (uint32_t) w, s->tmp, &consumed, &e2);
				if (st != PQ_OK)
					return sel_error(r, s, err, st, off, "BYTE_STREAM_SPLIT: %s", e2.message);
				if (rc->conv == PQV_BYTES)
				{
					/* FLBA values must outlive tmp: keep them in the page arena */
					uint8_t    *a = pq_alloc(r->alloc, (size_t) nn * w + 1);

					if (!a)
						return sel_error(r, s, err, PQ_ERR_NOMEM, off, "out of memory");
					memcpy(a, s->tmp, (size_t) nn * w);
					s->page_arena = a;
					PqConvertFixed(rc->conv, &rc->info, w, a, nn, s->vals);
				}
				else
					PqConvertFixed(rc->conv, &rc->info, w, s->tmp, nn, s->vals);
				break;
			}
		default:
			return sel_error(r, s, err, PQ_ERR_UNSUPPORTED, off,
							 "value encoding %d", h->encoding);
	}
	if (s->vsrc == s->vals)
		memset(s->vals + (size_t) nn * rc->slot, 0, 16);	/* padding slot */
	s->page_loaded = true;
	s->page_n = n;
	s->page_pos = 0;
	s->page_nn_pos = 0;
	return PQ_OK;
}

/* load the page holding row (rows only move forward) */
static PqStatus
advance_to(PqReader *r, RSel *s, int64_t row, PqError *err)
{
	PqPageHeader h;
	const uint8_t *body;
	PqStatus	st;

	if (s->use_oi)
	{
		int			i = s->oi_next;
		int64_t		next_first;
		uint64_t	off;

		/*
		 * The last page starting at or before row, from oi_next on: a
		 * search, so that a point lookup into a chunk of a thousand pages
		 * does not walk them all (per column).
		 */
		if (i + 1 < s->oi->npages && s->oi->pages[i + 1].first_row_index <= row)
			i = PqPageOfRow(s->oi->pages, i + 1, s->oi->npages - 1, r->rg_rows, row);
		if (i >= s->oi->npages || s->oi->pages[i].first_row_index > row)
			return CORRUPT(s->chunk_start, "offset index has no page for row %lld",
						   (long long) row);
		next_first = (i + 1 < s->oi->npages) ? s->oi->pages[i + 1].first_row_index : r->rg_rows;
		off = (uint64_t) s->oi->pages[i].offset;
		st = read_page(r, s, off, off + (uint64_t) s->oi->pages[i].compressed_page_size,
					   &h, &body, err);
		if (st != PQ_OK)
			return st;
		if (h.type != PQP_DATA_PAGE && h.type != PQP_DATA_PAGE_V2)
			return CORRUPT(off, "offset index points at a page of type %d", h.type);
		s->decoding_oi = i;
		st = decode_data_page(r, s, &h, body, off, s->oi->pages[i].first_row_index, row, err);
		s->decoding_oi = -1;
		if (st != PQ_OK)
			return st;
		if (!s->force_full)
			r->pages_decoded++;
		if ((int64_t) s->page_n != next_first - s->oi->pages[i].first_row_index)
			return CORRUPT(off, "page holds %u rows, the offset index says %lld",
						   s->page_n, (long long) (next_first - s->oi->pages[i].first_row_index));
		s->page_first_row = s->oi->pages[i].first_row_index;
		s->page_oi = i;
		s->oi_next = i + 1;
		return PQ_OK;
	}

	for (;;)
	{
		uint64_t	off = s->next_off;
		int64_t		rows;

		if (off >= s->chunk_end)
			return CORRUPT(off, "column chunk ends before row %lld of %lld",
						   (long long) row, (long long) r->rg_rows);
		st = read_page(r, s, off, s->chunk_end, &h, &body, err);
		if (st != PQ_OK)
			return st;
		s->next_off = off + h.header_len + (uint64_t) h.compressed_size;
		if (h.type == PQP_DICTIONARY_PAGE)
		{
			st = load_dictionary(r, s, &h, body, off, err);
			if (st != PQ_OK)
				return st;
			continue;
		}
		if (h.type == PQP_INDEX_PAGE)
			continue;
		if (h.type != PQP_DATA_PAGE && h.type != PQP_DATA_PAGE_V2)
			return CORRUPT(off, "unknown page type %d", h.type);
		if (!h.has_data || h.num_values < 0)
			return CORRUPT(off, "data page header without a valid num_values");
		rows = h.num_values;
		if (r->count_pages && !s->force_full && !chunk_has_offset_index(s))
			r->pages_total++;
		if (rows > r->rg_rows - s->next_first_row)
			return CORRUPT(off, "pages hold more rows than the row group's %lld",
						   (long long) r->rg_rows);
		if (row >= s->next_first_row + rows)
		{
			/* wholly before the wanted row: skip without decompressing */
			s->next_first_row += rows;
			continue;
		}
		st = decode_data_page(r, s, &h, body, off, s->next_first_row, row, err);
		if (st != PQ_OK)
			return st;
		if (!s->force_full)
			r->pages_decoded++;
		s->page_first_row = s->next_first_row;
		s->next_first_row += rows;
		return PQ_OK;
	}
}

static inline void
gather_slots(uint8_t *dst, const uint8_t *src, const uint32_t *idx, uint32_t n,
			 size_t slot)
{
	switch (slot)
	{
		case 1:
			for (uint32_t i = 0; i < n; i++)
				dst[i] = src[idx[i]];
			break;
		case 4:
			for (uint32_t i = 0; i < n; i++)
				memcpy(dst + 4 * (size_t) i, src + 4 * (size_t) idx[i], 4);
			break;
		case 8:
			for (uint32_t i = 0; i < n; i++)
				memcpy(dst + 8 * (size_t) i, src + 8 * (size_t) idx[i], 8);
			break;
		default:
			for (uint32_t i = 0; i < n; i++)
				memcpy(dst + 16 * (size_t) i, src + 16 * (size_t) idx[i], 16);
			break;
	}
}

/*
 * Spread the non-null values over k rows with NULL marks nl.  Branch-free:
 * a NULL row copies the next value too (its slot is unspecified), which
 * is why value arrays carry one slot of padding.  Returns the new
 * non-null position.
 */
static inline __attribute__((always_inline)) uint32_t
scatter_plain_w(uint8_t *ov, const uint8_t *src, uint32_t nnp,
				const uint8_t *nl, uint32_t k, const size_t w)
{
	for (uint32_t i = 0; i < k; i++)
	{
		memcpy(ov + i * w, src + (size_t) nnp * w, w);
		nnp += 1 - nl[i];
	}
	return nnp;
}

static uint32_t
scatter_plain(uint8_t *ov, const uint8_t *src, uint32_t nnp, const uint8_t *nl,
			  uint32_t k, size_t slot)
{
	switch (slot)
	{
		case 1:
			return scatter_plain_w(ov, src, nnp, nl, k, 1);
		case 4:
			return scatter_plain_w(ov, src, nnp, nl, k, 4);
		case 8:
			return scatter_plain_w(ov, src, nnp, nl, k, 8);
		default:
			return scatter_plain_w(ov, src, nnp, nl, k, 16);
	}
}

static inline __attribute__((always_inline)) uint32_t
scatter_dict_w(uint8_t *ov, const uint8_t *dict, const uint32_t *idx,
			   uint32_t nnp, const uint8_t *nl, uint32_t k, const size_t w)
{
	for (uint32_t i = 0; i < k; i++)
	{
		memcpy(ov + i * w, dict + (size_t) idx[nnp] * w, w);
		nnp += 1 - nl[i];
	}
	return nnp;
}

static uint32_t
scatter_dict(uint8_t *ov, const uint8_t *dict, const uint32_t *idx,
			 uint32_t nnp, const uint8_t *nl, uint32_t k, size_t slot)
{
	switch (slot)
	{
		case 1:
			return scatter_dict_w(ov, dict, idx, nnp, nl, k, 1);
		case 4:
			return scatter_dict_w(ov, dict, idx, nnp, nl, k, 4);
		case 8:
			return scatter_dict_w(ov, dict, idx, nnp, nl, k, 8);
		default:
			return scatter_dict_w(ov, dict, idx, nnp, nl, k, 16);
	}
}

/*
 * Dictionary indexes [from, to) (clipped to the page's values) of a page
 * decoded lazily.  Positions before from that were never decoded are
 * skipped: a column only moves forward, so nothing reads them.
 */
static PqStatus
lazy_indexes(PqReader *r, RSel *s, uint32_t from, uint32_t to, PqError *err)
{
	uint32_t	o = 0;

	if (to > s->page_nn)
		to = s->page_nn;
	if (from < s->idx_next)
		from = s->idx_next;
	if (from >= to)
		return PQ_OK;
	if ((from > s->idx_next && !PqRleSkip(&s->idx_dec, from - s->idx_next)) ||
		!PqRleDecode32(&s->idx_dec, s->idx + from, to - from))
		return CORRUPT(s->page_off, "dictionary indexes truncated or malformed");
	for (uint32_t i = from; i < to; i++)
		o |= s->idx[i];
	if (o >= s->dict_n)
		for (uint32_t i = from; i < to; i++)
			if (s->idx[i] >= s->dict_n)
				return CORRUPT(s->page_off, "dictionary index %u out of range (dictionary has %u values)",
							   s->idx[i], s->dict_n);
	s->idx_next = to;
	return PQ_OK;
}

/*
 * The current page was decompressed only up to the rows an earlier ReadRows
 * wanted: decode it again, whole.
 */
static PqStatus
reload_page_whole(PqReader *r, RSel *s, PqError *err)
{
	PqStatus	st;

	if (s->use_oi)
		s->oi_next = s->page_oi;
	else
	{
		s->next_off = s->page_off;
		s->next_first_row = s->page_first_row;
	}
	s->page_loaded = false;
	s->force_full = true;
	st = advance_to(r, s, s->page_first_row, err);
	s->force_full = false;
	return st;
}

/* deliver rows [row, row + take) of column s into the output at dst */
static PqStatus
column_read(PqReader *r, RSel *s, int64_t row, uint32_t take, uint32_t dst,
			bool *any_null, PqError *err)
{
	size_t		slot = s->rc->slot;

	while (take > 0)
	{
		uint32_t	target,
					k;
		uint8_t    *ov;

		if (!s->page_loaded || row >= s->page_first_row + (int64_t) s->page_n)
		{
			PqStatus	st = advance_to(r, s, row, err);

			if (st != PQ_OK)
				return st;
			if (s->page_n == 0)
				continue;
		}
		target = (uint32_t) (row - s->page_first_row);
		if ((s->page_valid < s->page_n || s->page_valid_lo > 0) &&
			(target < s->page_valid_lo || target >= s->page_valid ||
			 take > s->page_valid - target))
		{
			PqStatus	st = reload_page_whole(r, s, err);

			if (st != PQ_OK)
				return st;
			continue;
		}
		/* skip inside the page */
		if (target > s->page_pos)
		{
			if (s->page_has_nulls)
			{
				uint32_t	c = 0;

				for (uint32_t i = s->page_pos; i < target; i++)
					c += s->nulls[i] == 0;
				s->page_nn_pos += c;
			}
			else
				s->page_nn_pos += target - s->page_pos;
			s->page_pos = target;
		}
		k = s->page_n - s->page_pos;
		if (k > take)
			k = take;
		if (s->idx_lazy)
		{
			/* k rows use at most k indexes, plus the one a NULL row peeks at */
			PqStatus	st = lazy_indexes(r, s, s->page_nn_pos, s->page_nn_pos + k + 1, err);

			if (st != PQ_OK)
				return st;
		}
		ov = s->out_vals + (size_t) dst * slot;
		if (!s->page_has_nulls)
		{
			memset(s->out_nulls + dst, 0, k);
			if (s->page_dict)
				gather_slots(ov, s->dict_vals, s->idx + s->page_nn_pos, k, slot);
			else
				memcpy(ov, s->vsrc + (size_t) s->page_nn_pos * slot, (size_t) k * slot);
			s->page_nn_pos += k;
		}
		else
		{
			const uint8_t *nl = s->nulls + s->page_pos;

			memcpy(s->out_nulls + dst, nl, k);
			*any_null = true;
			if (s->page_dict)
				s->page_nn_pos = scatter_dict(ov, s->dict_vals, s->idx, s->page_nn_pos,
											  nl, k, slot);
			else
				s->page_nn_pos = scatter_plain(ov, s->vsrc, s->page_nn_pos, nl, k, slot);
		}
		if (s->rc->conv == PQV_BYTES && !s->page_dict)
			s->page_referenced = true;
		s->page_pos += k;
		row += k;
		take -= k;
		dst += k;
	}
	return PQ_OK;
}

/* grow the output arrays of the selected columns in want (NULL: all) to n rows */
static bool
grow_outputs(PqReader *r, const bool *want, uint32_t n)
{
	bool		fail = false;

	for (int i = 0; i < r->nsel; i++)
	{
		RSel	   *s = &r->sels[i];
		size_t		cap = s->out_nulls_cap;

		if (want && !want[i])
			continue;
		s->out_vals = grow_array(r, s->out_vals, &s->out_vals_cap,
								 (size_t) n * s->rc->slot, &fail);
		s->out_nulls = grow_array(r, s->out_nulls, &cap, n, &fail);
		s->out_nulls_cap = (uint32_t) cap;
	}
	return !fail;
}

/* out[i] of the selected columns in want (NULL: all) describes n rows */
static void
set_outputs(PqReader *r, const bool *want, const bool *any_null, uint32_t n,
			PqColumnVector *out)
{
	for (int i = 0; i < r->nsel; i++)
	{
		RSel	   *s = &r->sels[i];

		if (want && !want[i])
			continue;
		out[i].type = s->rc->info.type;
		out[i].count = n;
		out[i].nulls = any_null[i] ? s->out_nulls : NULL;
		out[i].v.b = s->out_vals;
	}
}

/*
 * The next rows of the row ranges, of the selected columns in want (NULL:
 * all); rows_out (optional) receives each row's index in the row group.
 */
static PqStatus
read_batch(PqReader *r, uint32_t max_rows, const bool *want, PqColumnVector *out,
		   uint32_t *nrows, int64_t *rows_out, PqError *err)
{
	uint32_t	n = 0;
	bool	   *any_null;
	bool		small[64];

	*nrows = 0;
	if (r->rg < 0)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet reader: ReadBatch before StartRowGroup");
	if (max_rows == 0)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET, "parquet reader: max_rows is 0");
	free_retired(r);
	any_null = r->nsel <= 64 ? small : pq_alloc(r->alloc, sizeof(bool) * r->nsel);
	if (!any_null)
		return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	for (int i = 0; i < r->nsel; i++)
	{
		any_null[i] = false;
		/* pages of the previous batch are no longer referenced */
		r->sels[i].page_referenced = false;
	}
	if (!grow_outputs(r, want, max_rows))
	{
		if (any_null != small)
			pq_free(r->alloc, any_null);
		return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	}
	while (n < max_rows && r->range_idx < r->nranges)
	{
		const PqRowRange *rr = &r->ranges[r->range_idx];
		int64_t		end = rr->first + rr->count;
		uint32_t	take;

		if (r->cur_row < rr->first)
			r->cur_row = rr->first;
		if (r->cur_row >= end)
		{
			r->range_idx++;
			continue;
		}
		take = (end - r->cur_row < (int64_t) (max_rows - n)) ?
			(uint32_t) (end - r->cur_row) : max_rows - n;
		for (int i = 0; i < r->nsel; i++)
		{
			PqStatus	st;

			if (want && !want[i])
				continue;
			st = column_read(r, &r->sels[i], r->cur_row, take, n, &any_null[i], err);
			if (st != PQ_OK)
			{
				if (any_null != small)
					pq_free(r->alloc, any_null);
				r->range_idx = r->nranges;	/* stop this row group */
				return st;
			}
		}
		if (rows_out)
			for (uint32_t k = 0; k < take; k++)
				rows_out[n + k] = r->cur_row + k;
		n += take;
		r->cur_row += take;
	}
	set_outputs(r, want, any_null, n, out);
	if (any_null != small)
		pq_free(r->alloc, any_null);
	*nrows = n;
	return n == 0 ? PQ_END : PQ_OK;
}

PqStatus
ParquetReaderReadBatch(PqReader *r, uint32_t max_rows, PqColumnVector *out,
					   uint32_t *nrows, PqError *err)
{
	return read_batch(r, max_rows, NULL, out, nrows, NULL, err);
}

PqStatus
ParquetReaderReadBatchColumns(PqReader *r, uint32_t max_rows, const bool *want,
							  PqColumnVector *out, uint32_t *nrows, int64_t *rows,
							  PqError *err)
{
	if (!want || !rows)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet reader: ReadBatchColumns needs want and rows");
	return read_batch(r, max_rows, want, out, nrows, rows, err);
}

/*
 * Row selection: rows (strictly increasing row indexes of the current row
 * group) of the selected columns in want, decoded into out.  Runs of
 * consecutive rows are read as one stretch; a column's rows only move
 * forward, so no row may precede one the column delivered already.
 */
PqStatus
ParquetReaderReadRows(PqReader *r, const int64_t *rows, uint32_t nrows,
					  const bool *want, PqColumnVector *out, PqError *err)
{
	bool	   *any_null;
	bool		small[64];
	PqStatus	st = PQ_OK;

	if (r->rg < 0)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet reader: ReadRows before StartRowGroup");
	if (!want || (nrows > 0 && !rows))
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET, "parquet reader: ReadRows needs want and rows");
	for (uint32_t k = 0; k < nrows; k++)
		if (rows[k] < 0 || rows[k] >= r->rg_rows || (k > 0 && rows[k] <= rows[k - 1]))
			return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
							  "parquet reader: ReadRows rows must increase strictly within the row group (row %u)",
							  k);
	for (int i = 0; i < r->nsel; i++)
	{
		RSel	   *s = &r->sels[i];

		if (want[i] && nrows > 0 && s->page_loaded &&
			rows[0] < s->page_first_row + (int64_t) s->page_pos)
			return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
							  "parquet reader: ReadRows row %lld of column \"%s\" was passed already",
							  (long long) rows[0], s->rc->name);
	}
	any_null = r->nsel <= 64 ? small : pq_alloc(r->alloc, sizeof(bool) * r->nsel);
	if (!any_null)
		return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	memset(any_null, 0, sizeof(bool) * r->nsel);
	if (!grow_outputs(r, want, nrows ? nrows : 1))
		st = PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "out of memory");
	r->sparse = true;
	r->sparse_last = nrows > 0 ? rows[nrows - 1] : -1;
	for (uint32_t k = 0; st == PQ_OK && k < nrows;)
	{
		uint32_t	run = 1;

		while (k + run < nrows && rows[k + run] == rows[k] + run)
			run++;
		for (int i = 0; i < r->nsel && st == PQ_OK; i++)
			if (want[i])
				st = column_read(r, &r->sels[i], rows[k], run, k, &any_null[i], err);
		k += run;
	}
	r->sparse = false;
	if (st == PQ_OK)
		set_outputs(r, want, any_null, nrows, out);
	else
		r->range_idx = r->nranges;	/* stop this row group */
	if (any_null != small)
		pq_free(r->alloc, any_null);
	return st;
}

/*
 * SeekSorted cannot tell: leave column s where ReadBatch can start the row
 * group's first range (a page after it was loaded: back to the chunk's
 * first page through the offset index).
 */
static PqStatus
seek_give_up(PqReader *r, RSel *s)
{
	if (s->page_loaded && r->nranges > 0 && r->ranges[0].first < s->page_first_row)
	{
		s->oi_next = 0;
		s->page_loaded = false;
		s->page_n = s->page_pos = s->page_nn_pos = 0;
	}
	return PQ_END;
}

/*
 * Sorted-key seek (see parquet.h): binary search of column sel over the
 * current row group's row ranges, page by page, for the run of rows equal
 * to key.
 */
PqStatus
ParquetReaderSeekSorted(PqReader *r, int sel, const PqValue *key,
						int64_t *first, int64_t *count, PqError *err)
{
	RSel	   *s;
	int64_t		k;

	*first = 0;
	*count = 0;
	if (r->rg < 0 || sel < 0 || sel >= r->nsel)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet reader: SeekSorted before StartRowGroup or of a column not selected");
	s = &r->sels[sel];
	if (s->rc->info.nullable || s->rc->info.type != key->type ||
		(s->rc->order != PQO_I32 && s->rc->order != PQO_I64) ||
		(s->page_loaded && s->page_pos > 0))
		return PQ_END;
	k = s->rc->order == PQO_I32 ? (int64_t) key->v.i32 : key->v.i64;
	for (int ri = 0; ri < r->nranges; ri++)
	{
		int64_t		row = r->ranges[ri].first;
		int64_t		end = row + r->ranges[ri].count;

		while (row < end)
		{
			uint32_t	lo,
						hi,
						lb,
						ub;

			if (!s->page_loaded || row < s->page_first_row ||
				row >= s->page_first_row + (int64_t) s->page_n)
			{
				PqStatus	st;

				/* sequential pages cannot be rewound: the first one only */
				if (s->page_loaded && (row < s->page_first_row || !s->use_oi))
					return seek_give_up(r, s);
				r->seek_active = true;
				r->seek_done = false;
				r->seek_sel = sel;
				r->seek_key = k;
				r->sparse = true;
				r->sparse_last = end - 1;
				st = advance_to(r, s, row, err);
				r->seek_active = false;
				r->sparse = false;
				if (st != PQ_OK)
					return st;
				if (s->page_n == 0)
					return seek_give_up(r, s);
			}
			else
				r->seek_done = false;
			lo = (uint32_t) (row - s->page_first_row);
			hi = end - s->page_first_row < (int64_t) s->page_n ?
				(uint32_t) (end - s->page_first_row) : s->page_n;
			if (r->seek_done)
			{
				lb = r->seek_lb;
				ub = r->seek_ub;
				r->seek_done = false;
			}
			else
			{
				PqStatus	st;

				if (s->page_dict || s->page_has_nulls ||
					s->page_valid_lo > lo || s->page_valid < hi)
					return seek_give_up(r, s);
				st = seek_bounds(r, s, NULL, 0, s->vsrc, lo, hi, k, UINT32_MAX, &lb, &ub,
								 s->page_off, err);
				if (st != PQ_OK)
					return st;
			}
			if (ub > lb)
			{
				/* a run reaching the end of the page may go on past it */
				if (ub == hi && (s->page_first_row + hi < end || ri + 1 < r->nranges))
					return seek_give_up(r, s);
				*first = s->page_first_row + lb;
				*count = ub - lb;
				return PQ_OK;
			}
			if (lb < hi)
				return PQ_OK;	/* a value above the key: absent */
			row = s->page_first_row + hi;
		}
	}
	return PQ_OK;
}
