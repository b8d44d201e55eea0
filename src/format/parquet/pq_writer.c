/*-------------------------------------------------------------------------
 * pq_writer.c
 *	  The Parquet writer: flat schemas, REQUIRED/OPTIONAL columns, row
 *	  groups cut at row_group_rows, data pages (v1 headers) cut at
 *	  page_bytes/page_rows, RLE_DICTIONARY with fallback to PLAIN, page
 *	  compression through pq_codec.h, chunk statistics, ColumnIndex and
 *	  OffsetIndex, split-block bloom filters, key/value metadata, footer.
 *
 * Layout: PAR1, then per row group its column chunks ([dictionary page]
 * data pages) followed by the row group's bloom filters; after the last
 * row group every ColumnIndex, then every OffsetIndex, then FileMetaData,
 * its length and PAR1.  Memory holds one row group's encoded pages plus
 * the (small) metadata of all row groups.
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>

#include "format/parquet/pq_codec.h"
#include "format/parquet/pq_plain.h"
#include "format/parquet/pq_rle.h"

/* byte-array bounds longer than this are truncated */
#define CI_TRUNCATE		64		/* page bounds in the ColumnIndex */
#define STATS_TRUNCATE	1024	/* chunk Statistics */

typedef struct WPageEntry
{
	uint32_t	rel_offset;		/* within the chunk's data pages buffer */
	uint32_t	size;			/* header + compressed body */
	int64_t		first_row;
	int64_t		null_count;
	bool		null_page;
	bool		has_min_max;	/* false for an all-NaN page */
	uint32_t	min_off;		/* into WCol.ci_bytes */
	uint32_t	min_len;
	uint32_t	max_off;
	uint32_t	max_len;
} WPageEntry;

typedef struct WCol
{
	PqColumnSpec spec;			/* name points to name_copy */
	char	   *name_copy;
	PqMetaSchema schema;
	int			ptype;
	int			tlen;
	int			width;			/* physical width, 0 byte array, -1 bool */
	PqColumnInfo info;
	PqConv		conv;
	PqOrder		order;

	/* current page */
	uint32_t	page_rows;
	uint32_t	page_nn;
	uint32_t   *levels;
	uint32_t	levels_cap;
	uint32_t   *idx;
	uint32_t	idx_cap;
	PqBuf		plain;
	PqStatAcc	page_stats;

	/* dictionary */
	bool		dict_mode;
	bool		dict_used;
	PqDict		dict;

	/* current chunk */
	PqBuf		chunk;
	WPageEntry *pages;
	uint32_t	npages;
	uint32_t	pages_cap;
	PqBuf		ci_bytes;		/* page min/max bytes */
	uint32_t	encodings;
	int64_t		chunk_uncompressed;
	int64_t		chunk_values;
	int64_t		chunk_rows;
	PqStatAcc	chunk_stats;
	PqHashSet	bloom_set;

	/* whole file */
	PqStatAcc	file_stats;
	PqColumnStats file_out;
} WCol;

typedef struct WRowGroup
{
	PqMetaWriteRowGroup meta;
	/* offsets of the indexes inside PqWriter.ci_buf / oi_buf */
	uint64_t   *ci_off;
	uint32_t   *ci_len;
	uint64_t   *oi_off;
	uint32_t   *oi_len;
} WRowGroup;

struct PqWriter
{
	const PqAllocator *alloc;
	PqWriterOptions opts;
	PqSink		sink;
	int			ncols;
	WCol	   *cols;
	uint64_t	pos;			/* bytes written so far */
	int64_t		rg_rows;
	int64_t		total_rows;
	WRowGroup  *rgs;
	int			nrgs;
	int			rgs_cap;
	PqBuf		ci_buf;
	PqBuf		oi_buf;
	PqBuf		pagebuf;		/* uncompressed page body */
	PqBuf		cbuf;			/* compressed page */
	PqBuf		hdr;
	char	  **keys;
	char	  **values;
	int			nkv;
	int			kv_cap;
	bool		finished;
	bool		failed;
};

void
ParquetWriterOptionsInit(PqWriterOptions *o)
{
	memset(o, 0, sizeof(*o));
	o->codec = PQ_CODEC_ZSTD;
	o->compression_level = 0;
	o->row_group_rows = 1048576;
	o->page_bytes = 1024 * 1024;
	o->page_rows = 20000;
	o->dictionary = true;
	o->dictionary_max_bytes = 1024 * 1024;
	o->statistics = true;
	o->page_index = true;
	o->bloom_fpp = 0.01;
	o->created_by = "lake_fdw";
}

static PqStatus
nomem(PqWriter *w, PqError *err, const char *what)
{
	w->failed = true;
	return PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET,
					  "parquet writer: out of memory (%s)", what);
}

static PqStatus
sink_write(PqWriter *w, const void *p, size_t len, PqError *err)
{
	PqStatus	st;

	if (len == 0)
		return PQ_OK;
	st = w->sink.write(w->sink.ctx, p, len);
	if (st != PQ_OK)
	{
		w->failed = true;
		if (err && err->status == PQ_OK)
			PqErrorSet(err, st == PQ_OK ? PQ_ERR_IO : st, w->pos,
					   "parquet writer: sink failed writing %zu bytes at offset %llu",
					   len, (unsigned long long) w->pos);
		else if (err)
			PqErrorSet(err, st, w->pos,
					   "parquet writer: sink failed writing %zu bytes at offset %llu",
					   len, (unsigned long long) w->pos);
		return st;
	}
	w->pos += len;
	return PQ_OK;
}

/* ---------------------------------------------------------------------
 * Create / free
 * ---------------------------------------------------------------------
 */
static void
wcol_free(PqWriter *w, WCol *c)
{
	pq_free(w->alloc, c->name_copy);
	pq_free(w->alloc, c->levels);
	pq_free(w->alloc, c->idx);
	PqBufFree(&c->plain);
	PqStatAccFree(&c->page_stats);
	PqDictFree(&c->dict);
	PqBufFree(&c->chunk);
	pq_free(w->alloc, c->pages);
	PqBufFree(&c->ci_bytes);
	PqStatAccFree(&c->chunk_stats);
	PqHashSetFree(&c->bloom_set);
	PqStatAccFree(&c->file_stats);
}

void
ParquetWriterFree(PqWriter *w)
{
	if (!w)
		return;
	for (int i = 0; i < w->ncols; i++)
		wcol_free(w, &w->cols[i]);
	pq_free(w->alloc, w->cols);
	for (int g = 0; g < w->nrgs; g++)
	{
		WRowGroup  *rg = &w->rgs[g];

		if (rg->meta.columns)
		{
			for (int i = 0; i < w->ncols; i++)
			{
				pq_free(w->alloc, (void *) rg->meta.columns[i].min_value.ptr);
				pq_free(w->alloc, (void *) rg->meta.columns[i].max_value.ptr);
			}
		}
		pq_free(w->alloc, rg->meta.columns);
		pq_free(w->alloc, rg->ci_off);
		pq_free(w->alloc, rg->ci_len);
		pq_free(w->alloc, rg->oi_off);
		pq_free(w->alloc, rg->oi_len);
	}
	pq_free(w->alloc, w->rgs);
	PqBufFree(&w->ci_buf);
	PqBufFree(&w->oi_buf);
	PqBufFree(&w->pagebuf);
	PqBufFree(&w->cbuf);
	PqBufFree(&w->hdr);
	for (int i = 0; i < w->nkv; i++)
	{
		pq_free(w->alloc, w->keys[i]);
		pq_free(w->alloc, w->values[i]);
	}
	pq_free(w->alloc, w->keys);
	pq_free(w->alloc, w->values);
	w->alloc->free(w->alloc->ctx, w);
}

PqWriter *
ParquetWriterCreate(const PqSchema *schema, const PqWriterOptions *opts,
					const PqSink *sink, const PqAllocator *alloc, PqError *err)
{
	PqWriter   *w;
	PqWriterOptions defaults;

	if (err)
	{
		err->status = PQ_OK;
		err->offset = PQ_NO_OFFSET;
		err->message[0] = '\0';
	}
	if (!schema || schema->ncolumns < 1 || !schema->columns || !sink ||
		!sink->write || !alloc)
	{
		PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
				   "parquet writer: a schema with at least one column, a sink and an allocator are required");
		return NULL;
	}
	if (!opts)
	{
		ParquetWriterOptionsInit(&defaults);
		opts = &defaults;
	}
	if (!PqCodecSupported(opts->codec))
	{
		PqErrorSet(err, PQ_ERR_UNSUPPORTED, PQ_NO_OFFSET,
				   "parquet writer: codec %s is not supported by this build",
				   ParquetCodecName(opts->codec));
		return NULL;
	}
	for (int i = 0; i < schema->ncolumns; i++)
	{
		const PqColumnSpec *s = &schema->columns[i];

		if (!s->name || !s->name[0])
		{
			PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
					   "parquet writer: column %d has no name", i);
			return NULL;
		}
		if ((int) s->type < PQ_BOOL || s->type > PQ_JSON)
		{
			PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
					   "parquet writer: column \"%s\" has an invalid type %d",
					   s->name, (int) s->type);
			return NULL;
		}
		if (s->type == PQ_DECIMAL &&
			(s->precision < 1 || s->precision > 38 || s->scale < 0 ||
			 s->scale > s->precision))
		{
			PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
					   "parquet writer: column \"%s\": DECIMAL(%d,%d) is invalid",
					   s->name, s->precision, s->scale);
			return NULL;
		}
	}

	w = PqAllocZero(alloc, sizeof(PqWriter));
	if (!w)
	{
		PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "parquet writer: out of memory");
		return NULL;
	}
	w->alloc = alloc;
	w->opts = *opts;
	if (w->opts.row_group_rows == 0)
		w->opts.row_group_rows = 1048576;
	if (w->opts.page_bytes == 0)
		w->opts.page_bytes = 1024 * 1024;
	if (w->opts.page_rows == 0)
		w->opts.page_rows = 20000;
	if (w->opts.page_rows > w->opts.row_group_rows)
		w->opts.page_rows = w->opts.row_group_rows;
	if (!w->opts.created_by)
		w->opts.created_by = "lake_fdw";
	if (!(w->opts.bloom_fpp > 0.0 && w->opts.bloom_fpp < 1.0))
		w->opts.bloom_fpp = 0.01;
	w->sink = *sink;
	PqBufInit(&w->ci_buf, alloc);
	PqBufInit(&w->oi_buf, alloc);
	PqBufInit(&w->pagebuf, alloc);
	PqBufInit(&w->cbuf, alloc);
	PqBufInit(&w->hdr, alloc);
	w->cols = PqAllocZero(alloc, sizeof(WCol) * schema->ncolumns);
	if (!w->cols)
	{
		pq_free(alloc, w);
		PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "parquet writer: out of memory");
		return NULL;
	}
	w->ncols = schema->ncolumns;
	for (int i = 0; i < w->ncols; i++)
	{
		WCol	   *c = &w->cols[i];
		char		why[128];

		c->spec = schema->columns[i];
		PqBufInit(&c->plain, alloc);
		PqStatAccInit(&c->page_stats, alloc);
		PqBufInit(&c->chunk, alloc);
		PqBufInit(&c->ci_bytes, alloc);
		PqStatAccInit(&c->chunk_stats, alloc);
		PqStatAccInit(&c->file_stats, alloc);
		c->bloom_set.alloc = alloc;
		c->name_copy = PqStrdup(alloc, c->spec.name, strlen(c->spec.name));
		if (!c->name_copy)
		{
			ParquetWriterFree(w);
			PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "parquet writer: out of memory");
			return NULL;
		}
		c->spec.name = c->name_copy;
		if (c->spec.type != PQ_DECIMAL)
			c->spec.precision = c->spec.scale = 0;
		PqTypeToSchema(&c->spec, &c->schema);
		c->ptype = c->schema.type;
		c->tlen = c->schema.type_length;
		c->width = PqPhysicalWidth(c->ptype, c->tlen);
		(void) PqTypeFromSchema(&c->schema, &c->info, &c->conv, why, sizeof(why));
		c->info.name = c->name_copy;
		c->info.nullable = c->spec.nullable;
		c->order = PqOrderOf(c->ptype, c->conv, c->info.type);
		c->dict_mode = w->opts.dictionary && c->ptype != PQT_BOOLEAN;
		if (c->dict_mode && !PqDictInit(&c->dict, c->width > 0 ? c->width : 0, alloc))
		{
			ParquetWriterFree(w);
			PqErrorSet(err, PQ_ERR_NOMEM, PQ_NO_OFFSET, "parquet writer: out of memory");
			return NULL;
		}
	}
	if (sink_write(w, "PAR1", 4, err) != PQ_OK)
	{
		ParquetWriterFree(w);
		return NULL;
	}
	return w;
}

PqStatus
ParquetWriterSetKeyValue(PqWriter *w, const char *key, const char *value,
						 PqError *err)
{
	if (!w || !key || !value)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet writer: key/value must not be NULL");
	if (w->finished)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet writer: key/value set after finish");
	for (int i = 0; i < w->nkv; i++)
	{
		if (strcmp(w->keys[i], key) == 0)
		{
			char	   *v = PqStrdup(w->alloc, value, strlen(value));

			if (!v)
				return nomem(w, err, "key/value");
			pq_free(w->alloc, w->values[i]);
			w->values[i] = v;
			return PQ_OK;
		}
	}
	if (w->nkv == w->kv_cap)
	{
		int			ncap = w->kv_cap ? w->kv_cap * 2 : 8;
		char	  **nk = pq_alloc(w->alloc, sizeof(char *) * ncap);
		char	  **nv = pq_alloc(w->alloc, sizeof(char *) * ncap);

		if (!nk || !nv)
		{
			pq_free(w->alloc, nk);
			pq_free(w->alloc, nv);
			return nomem(w, err, "key/value");
		}
		if (w->nkv)
		{
			memcpy(nk, w->keys, sizeof(char *) * w->nkv);
			memcpy(nv, w->values, sizeof(char *) * w->nkv);
		}
		pq_free(w->alloc, w->keys);
		pq_free(w->alloc, w->values);
		w->keys = nk;
		w->values = nv;
		w->kv_cap = ncap;
	}
	w->keys[w->nkv] = PqStrdup(w->alloc, key, strlen(key));
	w->values[w->nkv] = PqStrdup(w->alloc, value, strlen(value));
	if (!w->keys[w->nkv] || !w->values[w->nkv])
	{
		pq_free(w->alloc, w->keys[w->nkv]);
		pq_free(w->alloc, w->values[w->nkv]);
		return nomem(w, err, "key/value");
	}
	w->nkv++;
	return PQ_OK;
}

/* ---------------------------------------------------------------------
 * Pages
 * ---------------------------------------------------------------------
 */

/* compress pagebuf and append header + body to out; returns total size */
static PqStatus
emit_page(PqWriter *w, PqPageHeader *h, PqBuf *out, uint32_t *total,
		  int64_t *uncompressed_total, PqError *err)
{
	size_t		clen;
	size_t		bound;
	PqStatus	st;

	if (w->pagebuf.len > INT32_MAX)
		return PqErrorSet(err, PQ_ERR_LIMIT, PQ_NO_OFFSET,
						  "parquet writer: page of %zu bytes exceeds 2 GiB",
						  w->pagebuf.len);
	bound = PqCodecCompressBound(w->opts.codec, w->pagebuf.len);
	w->cbuf.len = 0;
	if (!PqBufGrow(&w->cbuf, bound))
		return nomem(w, err, "page compression buffer");
	st = PqCodecCompress(w->opts.codec, w->opts.compression_level,
						 w->pagebuf.data, w->pagebuf.len,
						 w->cbuf.data, w->cbuf.cap, &clen, err);
	if (st != PQ_OK)
	{
		w->failed = true;
		return st;
	}
	if (clen > INT32_MAX)
		return PqErrorSet(err, PQ_ERR_LIMIT, PQ_NO_OFFSET,
						  "parquet writer: compressed page exceeds 2 GiB");
	h->uncompressed_size = (int32_t) w->pagebuf.len;
	h->compressed_size = (int32_t) clen;
	w->hdr.len = 0;
	if (!PqPageHeaderWrite(&w->hdr, h))
		return nomem(w, err, "page header");
	if (!pq_buf_append(out, w->hdr.data, w->hdr.len) ||
		!pq_buf_append(out, w->cbuf.data, clen))
		return nomem(w, err, "column chunk buffer");
	*total = (uint32_t) (w->hdr.len + clen);
	*uncompressed_total += (int64_t) (w->hdr.len + w->pagebuf.len);
	return PQ_OK;
}

static bool
page_entry_push(PqWriter *w, WCol *c, WPageEntry *e)
{
	if (c->npages == c->pages_cap)
	{
		uint32_t	ncap = c->pages_cap ? c->pages_cap * 2 : 16;
		WPageEntry *np = pq_alloc(w->alloc, sizeof(WPageEntry) * ncap);

		if (!np)
			return false;
		if (c->npages)
			memcpy(np, c->pages, sizeof(WPageEntry) * c->npages);
		pq_free(w->alloc, c->pages);
		c->pages = np;
		c->pages_cap = ncap;
	}
	c->pages[c->npages++] = *e;
	return true;
}

static PqStatus
close_page(PqWriter *w, WCol *c, PqError *err)
{
	PqPageHeader h;
	WPageEntry	e;
	bool		use_dict = false;
	PqStatus	st;

	if (c->page_rows == 0)
		return PQ_OK;
	w->pagebuf.len = 0;

	/* definition levels: 4-byte length, then the RLE/bit-packed hybrid */
	if (c->spec.nullable)
	{
		size_t		at = w->pagebuf.len;

		if (!pq_buf_reserve(&w->pagebuf, 4))
			return nomem(w, err, "page");
		w->pagebuf.len += 4;
		if (!PqRleEncode(&w->pagebuf, c->levels, c->page_rows, 1))
			return nomem(w, err, "page");
		pq_store_u32(w->pagebuf.data + at, (uint32_t) (w->pagebuf.len - at - 4));
		c->encodings |= 1u << PQE_RLE;
	}

	if (c->dict_mode)
	{
		int			bw = pq_bit_width(c->dict.count ? c->dict.count - 1 : 0);
		uint64_t	dict_est = (uint64_t) c->page_nn * bw / 8 + 8;

		if (c->dict.values.len > w->opts.dictionary_max_bytes)
			c->dict_mode = false;	/* fall back for the rest of the chunk */
		else if (!c->dict_used && c->page_nn > 0 &&
				 dict_est + c->dict.values.len >= (uint64_t) c->plain.len * 9 / 10)
		{
			/* the dictionary does not pay on this column's first page */
			c->dict_mode = false;
			PqDictReset(&c->dict);
		}
		else
			use_dict = true;
	}

	if (use_dict)
	{
		int			bw = pq_bit_width(c->dict.count ? c->dict.count - 1 : 0);
		uint8_t		b = (uint8_t) bw;

		if (!pq_buf_append(&w->pagebuf, &b, 1) ||
			!PqRleEncode(&w->pagebuf, c->idx, c->page_nn, bw))
			return nomem(w, err, "page");
		c->dict_used = true;
		c->encodings |= 1u << PQE_RLE_DICTIONARY;
	}
	else if (c->ptype == PQT_BOOLEAN)
	{
		size_t		nb = ((size_t) c->page_nn + 7) / 8;
		uint8_t    *o;

		if (!pq_buf_reserve(&w->pagebuf, nb))
			return nomem(w, err, "page");
		o = w->pagebuf.data + w->pagebuf.len;
		memset(o, 0, nb);
		for (uint32_t i = 0; i < c->page_nn; i++)
			o[i >> 3] |= (uint8_t) ((c->plain.data[i] & 1) << (i & 7));
		w->pagebuf.len += nb;
		c->encodings |= 1u << PQE_PLAIN;
	}
	else
	{
		if (!pq_buf_append(&w->pagebuf, c->plain.data, c->plain.len))
			return nomem(w, err, "page");
		c->encodings |= 1u << PQE_PLAIN;
	}

	memset(&h, 0, sizeof(h));
	h.type = PQP_DATA_PAGE;
	h.num_values = (int32_t) c->page_rows;
	h.encoding = use_dict ? PQE_RLE_DICTIONARY : PQE_PLAIN;
	h.def_encoding = PQE_RLE;
	h.rep_encoding = PQE_RLE;

	memset(&e, 0, sizeof(e));
	if (c->chunk.len > UINT32_MAX)
		return PqErrorSet(err, PQ_ERR_LIMIT, PQ_NO_OFFSET,
						  "parquet writer: column \"%s\": chunk exceeds 4 GiB",
						  c->spec.name);
	e.rel_offset = (uint32_t) c->chunk.len;
	st = emit_page(w, &h, &c->chunk, &e.size, &c->chunk_uncompressed, err);
	if (st != PQ_OK)
		return st;
	e.first_row = c->chunk_rows;
	e.null_count = (int64_t) (c->page_rows - c->page_nn);
	e.null_page = (c->page_nn == 0);
	e.has_min_max = c->page_stats.has;
	PqStatAccNormalizeZeros(&c->page_stats, c->order);
	if (c->page_stats.has)
	{
		uint8_t		tmax[CI_TRUNCATE];
		uint32_t	mnlen = (uint32_t) c->page_stats.min.len;
		uint32_t	mxlen = (uint32_t) c->page_stats.max.len;
		const uint8_t *mx = c->page_stats.max.data;

		/* long strings: truncated bounds keep the column index small */
		if (c->order == PQO_BYTES)
		{
			uint32_t	t = PqTruncateMax(mx, mxlen, CI_TRUNCATE, tmax);

			mnlen = PqTruncateMin(mnlen, CI_TRUNCATE);
			if (t > 0)
			{
				mx = tmax;
				mxlen = t;
			}
		}
		e.min_off = (uint32_t) c->ci_bytes.len;
		e.min_len = mnlen;
		if (!pq_buf_append(&c->ci_bytes, c->page_stats.min.data, mnlen))
			return nomem(w, err, "column index");
		e.max_off = (uint32_t) c->ci_bytes.len;
		e.max_len = mxlen;
		if (!pq_buf_append(&c->ci_bytes, mx, mxlen))
			return nomem(w, err, "column index");
	}
	if (!page_entry_push(w, c, &e))
		return nomem(w, err, "page list");
	c->page_stats.nulls = e.null_count;
	if (!PqStatAccMerge(&c->chunk_stats, c->order, &c->page_stats))
		return nomem(w, err, "statistics");
	PqStatAccReset(&c->page_stats);
	c->chunk_values += c->page_rows;
	c->chunk_rows += c->page_rows;
	c->page_rows = 0;
	c->page_nn = 0;
	c->plain.len = 0;
	return PQ_OK;
}

/* ---------------------------------------------------------------------
 * Appending values
 * ---------------------------------------------------------------------
 */
static inline uint64_t
hash_fixed_bytes(const uint8_t *p, int width)
{
	switch (width)
	{
		case 4:
			return pq_hash_fixed(pq_load_u32(p));
		case 8:
			return pq_hash_fixed(pq_load_u64(p));
		case 16:
			return pq_hash_fixed(pq_load_u64(p) ^ pq_hash_fixed(pq_load_u64(p + 8)));
		default:
			return PqXxHash64(p, (size_t) width, 0);
	}
}

/* do two fixed-width physical values hold the same bytes? */
static inline bool
same_fixed(const uint8_t *a, const uint8_t *b, int width)
{
	switch (width)
	{
		case 1:
			return *a == *b;
		case 4:
			return pq_load_u32(a) == pq_load_u32(b);
		case 8:
			return pq_load_u64(a) == pq_load_u64(b);
		default:
			return memcmp(a, b, (size_t) width) == 0;
	}
}

/* statistics of the fixed-width physical values just appended */
static bool
stats_fixed(WCol *c, const uint8_t *p, uint32_t n)
{
	uint8_t		mn[16],
				mx[16];
	int			w = c->width;

	if (n == 0)
		return true;
	switch (c->order)
	{
		case PQO_I32:
			{
				int32_t		lo = INT32_MAX,
							hi = INT32_MIN;

				for (uint32_t i = 0; i < n; i++)
				{
					int32_t		v = (int32_t) pq_load_u32(p + 4 * (size_t) i);

					lo = v < lo ? v : lo;
					hi = v > hi ? v : hi;
				}
				memcpy(mn, &lo, 4);
				memcpy(mx, &hi, 4);
				break;
			}
		case PQO_I64:
			{
				int64_t		lo = INT64_MAX,
							hi = INT64_MIN;

				for (uint32_t i = 0; i < n; i++)
				{
					int64_t		v = (int64_t) pq_load_u64(p + 8 * (size_t) i);

					lo = v < lo ? v : lo;
					hi = v > hi ? v : hi;
				}
				memcpy(mn, &lo, 8);
				memcpy(mx, &hi, 8);
				break;
			}
		case PQO_FLOAT:
			{
				float		lo = INFINITY,
							hi = -INFINITY;
				bool		any = false;

				for (uint32_t i = 0; i < n; i++)
				{
					float		v;

					memcpy(&v, p + 4 * (size_t) i, 4);
					if (isnan(v))
						continue;
					any = true;
					lo = v < lo ? v : lo;
					hi = v > hi ? v : hi;
				}
				if (!any)
					return true;
				memcpy(mn, &lo, 4);
				memcpy(mx, &hi, 4);
				break;
			}
		case PQO_DOUBLE:
			{
				double		lo = INFINITY,
							hi = -INFINITY;
				bool		any = false;

				for (uint32_t i = 0; i < n; i++)
				{
					double		v;

					memcpy(&v, p + 8 * (size_t) i, 8);
					if (isnan(v))
						continue;
					any = true;
					lo = v < lo ? v : lo;
					hi = v > hi ? v : hi;
				}
				if (!any)
					return true;
				memcpy(mn, &lo, 8);
				memcpy(mx, &hi, 8);
				break;
			}
		case PQO_BOOL:
			{
				uint8_t		lo = 1,
							hi = 0;

				for (uint32_t i = 0; i < n; i++)
				{
					lo &= p[i];
					hi |= p[i];
				}
				mn[0] = lo;
				mx[0] = hi;
				w = 1;
				break;
			}
		default:
			{
				/* FLBA: uuid (unsigned bytes) or decimal (signed BE) */
				const uint8_t *lo = p,
						   *hi = p;

				for (uint32_t i = 1; i < n; i++)
				{
					const uint8_t *v = p + (size_t) w * i;

					if (PqOrderCompare(c->order, v, w, lo, w) < 0)
						lo = v;
					if (PqOrderCompare(c->order, v, w, hi, w) > 0)
						hi = v;
				}
				memcpy(mn, lo, w);
				memcpy(mx, hi, w);
				break;
			}
	}
	return PqStatAccUpdate(&c->page_stats, c->order, mn, w, mx, w);
}

static inline void
be16_from_i128(pq_int128 v, uint8_t *out)
{
	unsigned __int128 u = (unsigned __int128) v;

	for (int i = 15; i >= 0; i--)
	{
		out[i] = (uint8_t) u;
		u >>= 8;
	}
}

static bool
ensure_u32(PqWriter *w, uint32_t **arr, uint32_t *cap, uint32_t need)
{
	uint32_t	ncap;
	uint32_t   *na;

	if (need <= *cap)
		return true;
	ncap = *cap ? *cap : 1024;
	while (ncap < need)
		ncap *= 2;
	na = pq_alloc(w->alloc, sizeof(uint32_t) * (size_t) ncap);
	if (!na)
		return false;
	if (*cap)
		memcpy(na, *arr, sizeof(uint32_t) * (size_t) *cap);
	pq_free(w->alloc, *arr);
	*arr = na;
	*cap = ncap;
	return true;
}

/* number of rows from start to take so the page stays within page_bytes */
static uint32_t
rows_that_fit(PqWriter *w, WCol *c, const PqColumnVector *v, uint32_t start,
			  uint32_t n)
{
	size_t		room = c->plain.len < w->opts.page_bytes ?
		w->opts.page_bytes - c->plain.len : 0;

	if (c->width > 0)
	{
		size_t		k = room / (size_t) c->width + 1;

		return k < n ? (uint32_t) k : n;
	}
	if (c->width < 0)
		return n;
	{
		size_t		acc = 0;
		uint32_t	i;

		for (i = 0; i < n; i++)
		{
			if (v->nulls && v->nulls[start + i])
				continue;
			acc += 4 + (size_t) v->v.bytes[start + i].len;
			if (acc >= room)
				return i + 1;
		}
		return n;
	}
}

static PqStatus
append_values(PqWriter *w, WCol *c, const PqColumnVector *v, uint32_t start,
			  uint32_t n, PqError *err)
{
	const uint8_t *nulls = v->nulls;
	uint32_t	nn = 0;
	size_t		base = c->plain.len;
	bool		bloom = c->spec.bloom_filter;

	/* levels */
	if (c->spec.nullable)
	{
		if (!ensure_u32(w, &c->levels, &c->levels_cap, c->page_rows + n))
			return nomem(w, err, "levels");
		for (uint32_t i = 0; i < n; i++)
			c->levels[c->page_rows + i] = nulls ? (nulls[start + i] == 0) : 1;
	}
	else if (nulls)
	{
		for (uint32_t i = 0; i < n; i++)
			if (nulls[start + i])
				return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
								  "parquet writer: NULL in NOT NULL column \"%s\"",
								  c->spec.name);
	}

	if (c->width != 0)
	{
		/* fixed width: gather non-null physical values into plain */
		int			pw = c->width < 0 ? 1 : c->width;
		uint8_t    *o;

		if (!pq_buf_reserve(&c->plain, (size_t) n * pw))
			return nomem(w, err, "page values");
		o = c->plain.data + base;
#define GATHER(EXPR) \
		for (uint32_t i = 0; i < n; i++) \
		{ \
			uint32_t	r = start + i; \
			if (nulls && nulls[r]) \
				continue; \
			EXPR; \
			nn++; \
		}
		switch (c->spec.type)
		{
			case PQ_BOOL:
				GATHER(o[nn] = v->v.b[r] ? 1 : 0);
				break;
			case PQ_INT16:
			case PQ_INT32:
			case PQ_DATE:
			case PQ_FLOAT:
				GATHER(memcpy(o + 4 * (size_t) nn, &v->v.i32[r], 4));
				break;
			case PQ_INT64:
			case PQ_TIMESTAMP:
			case PQ_TIMESTAMPTZ:
			case PQ_DOUBLE:
				GATHER(memcpy(o + 8 * (size_t) nn, &v->v.i64[r], 8));
				break;
			case PQ_DECIMAL:
				if (c->ptype == PQT_INT32)
				{
					GATHER(
						   if (v->v.i64[r] < INT32_MIN || v->v.i64[r] > INT32_MAX)
						   return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
											 "parquet writer: column \"%s\": value %lld exceeds DECIMAL(%d)",
											 c->spec.name, (long long) v->v.i64[r],
											 c->spec.precision);
						   pq_store_u32(o + 4 * (size_t) nn, (uint32_t) v->v.i64[r]));
				}
				else if (c->ptype == PQT_INT64)
				{
					GATHER(memcpy(o + 8 * (size_t) nn, &v->v.i64[r], 8));
				}
				else
				{
					GATHER(be16_from_i128(v->v.i128[r], o + 16 * (size_t) nn));
				}
				break;
			case PQ_UUID:
				GATHER(
					   if (v->v.bytes[r].len != 16 || !v->v.bytes[r].ptr)
					   return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
										 "parquet writer: column \"%s\": uuid of %u bytes",
										 c->spec.name, v->v.bytes[r].len);
					   memcpy(o + 16 * (size_t) nn, v->v.bytes[r].ptr, 16));
				break;
			default:
				return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
								  "parquet writer: column \"%s\": bad type",
								  c->spec.name);
		}
		c->plain.len = base + (size_t) nn * pw;
		if (!stats_fixed(c, o, nn))
			return nomem(w, err, "statistics");
		/* a value equal to the one before it reuses its index and hash */
		if (c->dict_mode)
		{
			uint32_t	ix = 0;

			if (!ensure_u32(w, &c->idx, &c->idx_cap, c->page_nn + nn))
				return nomem(w, err, "dictionary indexes");
			for (uint32_t i = 0; i < nn; i++)
			{
				const uint8_t *p = o + (size_t) pw * i;

				if (i == 0 || !same_fixed(p - pw, p, pw))
				{
					ix = PqDictInsert(&c->dict, p, (uint32_t) pw, hash_fixed_bytes(p, pw));
					if (ix == UINT32_MAX)
						return nomem(w, err, "dictionary");
				}
				c->idx[c->page_nn + i] = ix;
			}
		}
		if (bloom)
		{
			for (uint32_t i = 0; i < nn; i++)
			{
				const uint8_t *p = o + (size_t) pw * i;

				if (i > 0 && same_fixed(p - pw, p, pw))
					continue;
				if (!PqHashSetAdd(&c->bloom_set, PqXxHash64(p, (size_t) pw, 0)))
					return nomem(w, err, "bloom filter");
			}
		}
	}
	else
	{
		/* byte arrays */
		const PqBytes *lo = NULL,
				   *hi = NULL,
				   *prev = NULL;
		uint32_t	prev_ix = 0;

		if (c->dict_mode && !ensure_u32(w, &c->idx, &c->idx_cap, c->page_nn + n))
			return nomem(w, err, "dictionary indexes");
		for (uint32_t i = 0; i < n; i++)
		{
			uint32_t	r = start + i;
			const PqBytes *b;
			uint8_t		lb[4];
			uint64_t	h = 0;

			if (nulls && nulls[r])
				continue;
			b = &v->v.bytes[r];
			if (b->len && !b->ptr)
				return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
								  "parquet writer: column \"%s\": NULL pointer with length %u",
								  c->spec.name, b->len);
			pq_store_u32(lb, b->len);
			if (!pq_buf_append(&c->plain, lb, 4) ||
				!pq_buf_append(&c->plain, b->ptr, b->len))
				return nomem(w, err, "page values");
			if (prev != NULL && prev->len == b->len &&
				(prev->ptr == b->ptr || memcmp(prev->ptr, b->ptr, b->len) == 0))
			{
				/* a run: same bounds, index and hash as the value before */
				if (c->dict_mode)
					c->idx[c->page_nn + nn] = prev_ix;
				nn++;
				continue;
			}
			if (lo == NULL)
				lo = hi = b;
			else
			{
				if (PqOrderCompare(PQO_BYTES, b->ptr, b->len, lo->ptr, lo->len) < 0)
					lo = b;
				if (PqOrderCompare(PQO_BYTES, b->ptr, b->len, hi->ptr, hi->len) > 0)
					hi = b;
			}
			if (c->dict_mode || bloom)
				h = PqXxHash64(b->ptr, b->len, 0);
			if (c->dict_mode)
			{
				uint32_t	ix = PqDictInsert(&c->dict, b->ptr, b->len, h);

				if (ix == UINT32_MAX)
					return nomem(w, err, "dictionary");
				c->idx[c->page_nn + nn] = ix;
				prev_ix = ix;
			}
			if (bloom && !PqHashSetAdd(&c->bloom_set, h))
				return nomem(w, err, "bloom filter");
			prev = b;
			nn++;
		}
		if (lo && !PqStatAccUpdate(&c->page_stats, PQO_BYTES, lo->ptr, lo->len,
								   hi->ptr, hi->len))
			return nomem(w, err, "statistics");
	}
	c->page_nn += nn;
	c->page_rows += n;
	c->page_stats.values += nn;
	return PQ_OK;
}

static PqStatus
column_append(PqWriter *w, WCol *c, const PqColumnVector *v, uint32_t start,
			  uint32_t n, PqError *err)
{
	while (n > 0)
	{
		uint32_t	m = w->opts.page_rows - c->page_rows;
		PqStatus	st;

		if (m > n)
			m = n;
		m = rows_that_fit(w, c, v, start, m);
		st = append_values(w, c, v, start, m, err);
		if (st != PQ_OK)
			return st;
		start += m;
		n -= m;
		if (c->page_rows >= w->opts.page_rows || c->plain.len >= w->opts.page_bytes)
		{
			st = close_page(w, c, err);
			if (st != PQ_OK)
				return st;
		}
	}
	return PQ_OK;
}

/* ---------------------------------------------------------------------
 * Row groups
 * ---------------------------------------------------------------------
 */
static int
boundary_order(WCol *c)
{
	bool		asc = true,
				desc = true;
	int			prev = -1;

	for (uint32_t i = 0; i < c->npages; i++)
	{
		WPageEntry *e = &c->pages[i];

		if (e->null_page || !e->has_min_max)
			continue;
		if (prev >= 0)
		{
			WPageEntry *p = &c->pages[prev];
			const uint8_t *b = c->ci_bytes.data;
			int			cmin = PqOrderCompare(c->order, b + p->min_off, p->min_len,
											  b + e->min_off, e->min_len);
			int			cmax = PqOrderCompare(c->order, b + p->max_off, p->max_len,
											  b + e->max_off, e->max_len);

			if (cmin > 0 || cmax > 0)
				asc = false;
			if (cmin < 0 || cmax < 0)
				desc = false;
		}
		prev = (int) i;
	}
	if (asc)
		return 1;
	if (desc)
		return 2;
	return 0;
}

static uint8_t *
dup_bytes(PqWriter *w, const uint8_t *p, size_t n)
{
	uint8_t    *d = pq_alloc(w->alloc, n ? n : 1);

	if (d && n)
		memcpy(d, p, n);
	return d;
}

static PqStatus
write_indexes(PqWriter *w, WCol *c, WRowGroup *rg, int ci, uint64_t data_off,
			  PqError *err)
{
	PqMetaColumnIndex cidx;
	PqMetaOffsetIndex oidx;
	size_t		before;
	bool		ok;
	uint32_t	n = c->npages;

	memset(&cidx, 0, sizeof(cidx));
	memset(&oidx, 0, sizeof(oidx));
	cidx.npages = (int) n;
	cidx.null_pages = pq_alloc(w->alloc, n ? n : 1);
	cidx.min_values = pq_alloc(w->alloc, sizeof(PqRawBytes) * (n ? n : 1));
	cidx.max_values = pq_alloc(w->alloc, sizeof(PqRawBytes) * (n ? n : 1));
	cidx.null_counts = pq_alloc(w->alloc, sizeof(int64_t) * (n ? n : 1));
	cidx.has_null_counts = true;
	oidx.npages = (int) n;
	oidx.pages = pq_alloc(w->alloc, sizeof(PqMetaPageLocation) * (n ? n : 1));
	if (!cidx.null_pages || !cidx.min_values || !cidx.max_values ||
		!cidx.null_counts || !oidx.pages)
	{
		PqColumnIndexFree(&cidx, w->alloc);
		PqOffsetIndexFree(&oidx, w->alloc);
		return nomem(w, err, "page index");
	}
	for (uint32_t i = 0; i < n; i++)
	{
		WPageEntry *e = &c->pages[i];

		cidx.null_pages[i] = e->null_page;
		cidx.min_values[i].ptr = c->ci_bytes.data ? c->ci_bytes.data + e->min_off : (const uint8_t *) "";
		cidx.min_values[i].len = e->null_page ? 0 : e->min_len;
		cidx.max_values[i].ptr = c->ci_bytes.data ? c->ci_bytes.data + e->max_off : (const uint8_t *) "";
		cidx.max_values[i].len = e->null_page ? 0 : e->max_len;
		cidx.null_counts[i] = e->null_count;
		oidx.pages[i].offset = (int64_t) (data_off + e->rel_offset);
		oidx.pages[i].compressed_page_size = (int32_t) e->size;
		oidx.pages[i].first_row_index = e->first_row;
	}
	cidx.boundary_order = boundary_order(c);

	/*
	 * A page whose non-null values are all NaN has no valid bounds: like
	 * parquet-mr, leave the chunk without a ColumnIndex then.
	 */
	ok = true;
	rg->ci_off[ci] = UINT64_MAX;
	rg->ci_len[ci] = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!c->pages[i].null_page && !c->pages[i].has_min_max)
			ok = false;
	if (ok)
	{
		before = w->ci_buf.len;
		ok = PqColumnIndexWrite(&w->ci_buf, &cidx);
		rg->ci_off[ci] = before;
		rg->ci_len[ci] = (uint32_t) (w->ci_buf.len - before);
	}
	else
		ok = true;
	before = w->oi_buf.len;
	ok = ok && PqOffsetIndexWrite(&w->oi_buf, &oidx);
	rg->oi_off[ci] = before;
	rg->oi_len[ci] = (uint32_t) (w->oi_buf.len - before);
	PqColumnIndexFree(&cidx, w->alloc);
	PqOffsetIndexFree(&oidx, w->alloc);
	if (!ok)
		return nomem(w, err, "page index");
	return PQ_OK;
}

static PqStatus
flush_row_group(PqWriter *w, PqError *err)
{
	WRowGroup  *rg;
	PqStatus	st;
	uint64_t	rg_start = w->pos;

	if (w->rg_rows == 0)
		return PQ_OK;
	if (w->nrgs == w->rgs_cap)
	{
		int			ncap = w->rgs_cap ? w->rgs_cap * 2 : 8;
		WRowGroup  *n = PqAllocZero(w->alloc, sizeof(WRowGroup) * ncap);

		if (!n)
			return nomem(w, err, "row groups");
		if (w->nrgs)
			memcpy(n, w->rgs, sizeof(WRowGroup) * w->nrgs);
		pq_free(w->alloc, w->rgs);
		w->rgs = n;
		w->rgs_cap = ncap;
	}
	rg = &w->rgs[w->nrgs];
	memset(rg, 0, sizeof(*rg));
	rg->meta.columns = PqAllocZero(w->alloc, sizeof(PqMetaWriteColumn) * w->ncols);
	rg->ci_off = PqAllocZero(w->alloc, sizeof(uint64_t) * w->ncols);
	rg->ci_len = PqAllocZero(w->alloc, sizeof(uint32_t) * w->ncols);
	rg->oi_off = PqAllocZero(w->alloc, sizeof(uint64_t) * w->ncols);
	rg->oi_len = PqAllocZero(w->alloc, sizeof(uint32_t) * w->ncols);
	w->nrgs++;
	if (!rg->meta.columns || !rg->ci_off || !rg->ci_len || !rg->oi_off || !rg->oi_len)
		return nomem(w, err, "row group metadata");
	rg->meta.num_rows = w->rg_rows;
	rg->meta.file_offset = (int64_t) rg_start;

	for (int i = 0; i < w->ncols; i++)
	{
		WCol	   *c = &w->cols[i];
		PqMetaWriteColumn *m = &rg->meta.columns[i];
		uint64_t	chunk_start = w->pos;
		uint64_t	data_off;

		st = close_page(w, c, err);
		if (st != PQ_OK)
			return st;
		m->name = c->name_copy;
		m->type = c->ptype;
		m->codec = w->opts.codec;
		m->dictionary_page_offset = -1;
		m->bloom_filter_offset = -1;
		m->offset_index_offset = -1;
		m->column_index_offset = -1;

		if (c->dict_used)
		{
			PqPageHeader h;
			uint32_t	sz;

			memset(&h, 0, sizeof(h));
			h.type = PQP_DICTIONARY_PAGE;
			h.num_values = (int32_t) c->dict.count;
			h.encoding = PQE_PLAIN;
			w->pagebuf.len = 0;
			if (!pq_buf_append(&w->pagebuf, c->dict.values.data, c->dict.values.len))
				return nomem(w, err, "dictionary page");
			w->hdr.len = 0;
			/* emit into cbuf-backed temporary, then to the sink */
			{
				PqBuf		tmp;

				PqBufInit(&tmp, w->alloc);
				st = emit_page(w, &h, &tmp, &sz, &c->chunk_uncompressed, err);
				if (st == PQ_OK)
					st = sink_write(w, tmp.data, tmp.len, err);
				PqBufFree(&tmp);
				if (st != PQ_OK)
					return st;
			}
			m->dictionary_page_offset = (int64_t) chunk_start;
			c->encodings |= 1u << PQE_PLAIN;
		}
		data_off = w->pos;
		st = sink_write(w, c->chunk.data, c->chunk.len, err);
		if (st != PQ_OK)
			return st;
		m->data_page_offset = (int64_t) data_off;
		m->encodings_mask = c->encodings ? c->encodings : (1u << PQE_PLAIN);
		m->num_values = c->chunk_values;
		m->total_uncompressed_size = c->chunk_uncompressed;
		m->total_compressed_size = (int64_t) (w->pos - chunk_start);
		rg->meta.total_byte_size += c->chunk_uncompressed;
		rg->meta.total_compressed_size += m->total_compressed_size;

		PqStatAccNormalizeZeros(&c->chunk_stats, c->order);
		if (w->opts.statistics)
		{
			m->has_stats = true;
			m->null_count = c->chunk_stats.nulls;
			if (c->chunk_stats.has)
			{
				uint32_t	mnlen = (uint32_t) c->chunk_stats.min.len;
				uint32_t	mxlen = (uint32_t) c->chunk_stats.max.len;
				const uint8_t *mx = c->chunk_stats.max.data;
				uint8_t    *tmax = NULL;

				/* very long strings: truncated (still valid) bounds */
				if (c->order == PQO_BYTES && (mnlen > STATS_TRUNCATE || mxlen > STATS_TRUNCATE))
				{
					uint32_t	t;

					tmax = pq_alloc(w->alloc, STATS_TRUNCATE);
					if (!tmax)
						return nomem(w, err, "statistics");
					t = PqTruncateMax(mx, mxlen, STATS_TRUNCATE, tmax);
					mnlen = PqTruncateMin(mnlen, STATS_TRUNCATE);
					if (t > 0)
					{
						mx = tmax;
						mxlen = t;
					}
					m->truncated = true;
				}
				m->has_min_max = true;
				m->min_value.ptr = dup_bytes(w, c->chunk_stats.min.data, mnlen);
				m->min_value.len = mnlen;
				m->max_value.ptr = dup_bytes(w, mx, mxlen);
				m->max_value.len = mxlen;
				pq_free(w->alloc, tmax);
				if (!m->min_value.ptr || !m->max_value.ptr)
					return nomem(w, err, "statistics");
			}
		}
		if (!PqStatAccMerge(&c->file_stats, c->order, &c->chunk_stats))
			return nomem(w, err, "statistics");

		if (w->opts.page_index)
		{
			st = write_indexes(w, c, rg, i, data_off, err);
			if (st != PQ_OK)
				return st;
		}

		/* reset the chunk */
		c->chunk.len = 0;
		c->npages = 0;
		c->ci_bytes.len = 0;
		c->encodings = 0;
		c->chunk_uncompressed = 0;
		c->chunk_values = 0;
		c->chunk_rows = 0;
		PqStatAccReset(&c->chunk_stats);
		c->dict_used = false;
		c->dict_mode = w->opts.dictionary && c->ptype != PQT_BOOLEAN;
		if (c->dict.slots)
			PqDictReset(&c->dict);
	}

	/* bloom filters of this row group */
	for (int i = 0; i < w->ncols; i++)
	{
		WCol	   *c = &w->cols[i];
		PqMetaWriteColumn *m = &rg->meta.columns[i];
		uint32_t	nbytes;
		uint8_t    *bits;
		uint64_t	start = w->pos;

		if (!c->spec.bloom_filter)
			continue;
		nbytes = PqBloomSizeBytes(c->bloom_set.count, w->opts.bloom_fpp);
		bits = PqAllocZero(w->alloc, nbytes);
		if (!bits)
			return nomem(w, err, "bloom filter");
		for (uint32_t s = 0; s < c->bloom_set.cap; s++)
			if (c->bloom_set.slots[s])
				PqBloomInsert(bits, nbytes, c->bloom_set.slots[s]);
		if (c->bloom_set.has_zero)
			PqBloomInsert(bits, nbytes, 0);
		w->hdr.len = 0;
		if (!PqBloomHeaderWrite(&w->hdr, (int32_t) nbytes))
		{
			pq_free(w->alloc, bits);
			return nomem(w, err, "bloom filter");
		}
		st = sink_write(w, w->hdr.data, w->hdr.len, err);
		if (st == PQ_OK)
			st = sink_write(w, bits, nbytes, err);
		pq_free(w->alloc, bits);
		if (st != PQ_OK)
			return st;
		m->bloom_filter_offset = (int64_t) start;
		m->bloom_filter_length = (int32_t) (w->pos - start);
		PqHashSetReset(&c->bloom_set);
	}
	w->rg_rows = 0;
	return PQ_OK;
}

PqStatus
ParquetWriterWrite(PqWriter *w, const PqColumnVector *columns, uint32_t nrows,
				   PqError *err)
{
	uint32_t	done = 0;

	if (!w || (!columns && nrows))
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET, "parquet writer: bad arguments");
	if (w->finished || w->failed)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet writer: write after %s",
						  w->finished ? "finish" : "an error");
	for (int i = 0; i < w->ncols; i++)
	{
		if (columns[i].type != w->cols[i].spec.type)
			return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
							  "parquet writer: column \"%s\" is %s, vector is %s",
							  w->cols[i].spec.name,
							  ParquetTypeName(w->cols[i].spec.type),
							  ParquetTypeName(columns[i].type));
		if (nrows && !columns[i].v.b)
			return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
							  "parquet writer: column \"%s\" has no values",
							  w->cols[i].spec.name);
	}
	while (done < nrows)
	{
		uint32_t	n = nrows - done;
		uint64_t	room = w->opts.row_group_rows - (uint64_t) w->rg_rows;

		if (n > room)
			n = (uint32_t) room;
		for (int i = 0; i < w->ncols; i++)
		{
			PqStatus	st = column_append(w, &w->cols[i], &columns[i], done, n, err);

			if (st != PQ_OK)
			{
				w->failed = true;
				return st;
			}
		}
		w->rg_rows += n;
		w->total_rows += n;
		done += n;
		if (w->rg_rows >= w->opts.row_group_rows)
		{
			PqStatus	st = flush_row_group(w, err);

			if (st != PQ_OK)
			{
				w->failed = true;
				return st;
			}
		}
	}
	return PQ_OK;
}

PqStatus
ParquetWriterFinish(PqWriter *w, PqError *err)
{
	PqStatus	st;
	PqMetaWriteFile f;
	PqMetaWriteRowGroup *rgs = NULL;
	PqMetaSchema *leaves = NULL;
	PqBuf		footer;
	uint8_t		tail[8];
	uint64_t	ci_base,
				oi_base;

	if (!w)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET, "parquet writer: NULL writer");
	if (w->finished || w->failed)
		return PqErrorSet(err, PQ_ERR_ARG, PQ_NO_OFFSET,
						  "parquet writer: finish after %s",
						  w->finished ? "finish" : "an error");
	st = flush_row_group(w, err);
	if (st != PQ_OK)
	{
		w->failed = true;
		return st;
	}
	/* page indexes: all ColumnIndex, then all OffsetIndex */
	ci_base = w->pos;
	st = sink_write(w, w->ci_buf.data, w->ci_buf.len, err);
	oi_base = w->pos;
	if (st == PQ_OK)
		st = sink_write(w, w->oi_buf.data, w->oi_buf.len, err);
	if (st != PQ_OK)
		return st;
	if (w->opts.page_index)
	{
		for (int g = 0; g < w->nrgs; g++)
			for (int i = 0; i < w->ncols; i++)
			{
				PqMetaWriteColumn *m = &w->rgs[g].meta.columns[i];

				if (w->rgs[g].ci_off[i] != UINT64_MAX)
				{
					m->column_index_offset = (int64_t) (ci_base + w->rgs[g].ci_off[i]);
					m->column_index_length = (int32_t) w->rgs[g].ci_len[i];
				}
				m->offset_index_offset = (int64_t) (oi_base + w->rgs[g].oi_off[i]);
				m->offset_index_length = (int32_t) w->rgs[g].oi_len[i];
			}
	}

	rgs = pq_alloc(w->alloc, sizeof(PqMetaWriteRowGroup) * (w->nrgs ? w->nrgs : 1));
	leaves = pq_alloc(w->alloc, sizeof(PqMetaSchema) * w->ncols);
	if (!rgs || !leaves)
	{
		pq_free(w->alloc, rgs);
		pq_free(w->alloc, leaves);
		return nomem(w, err, "footer");
	}
	for (int g = 0; g < w->nrgs; g++)
		rgs[g] = w->rgs[g].meta;
	for (int i = 0; i < w->ncols; i++)
		leaves[i] = w->cols[i].schema;
	memset(&f, 0, sizeof(f));
	f.ncolumns = w->ncols;
	f.leaves = leaves;
	f.num_rows = w->total_rows;
	f.nrowgroups = w->nrgs;
	f.rowgroups = rgs;
	f.nkv = w->nkv;
	f.keys = (const char *const *) w->keys;
	f.values = (const char *const *) w->values;
	f.created_by = w->opts.created_by;
	PqBufInit(&footer, w->alloc);
	if (!PqMetaFileWrite(&footer, &f))
	{
		PqBufFree(&footer);
		pq_free(w->alloc, rgs);
		pq_free(w->alloc, leaves);
		return nomem(w, err, "footer");
	}
	pq_free(w->alloc, rgs);
	pq_free(w->alloc, leaves);
	pq_store_u32(tail, (uint32_t) footer.len);
	memcpy(tail + 4, "PAR1", 4);
	st = sink_write(w, footer.data, footer.len, err);
	if (st == PQ_OK)
		st = sink_write(w, tail, 8, err);
	PqBufFree(&footer);
	if (st != PQ_OK)
		return st;

	/* file statistics for the caller */
	for (int i = 0; i < w->ncols; i++)
	{
		WCol	   *c = &w->cols[i];
		PqColumnStats *o = &c->file_out;

		memset(o, 0, sizeof(*o));
		o->has_null_count = true;
		o->null_count = c->file_stats.nulls;
		PqStatAccNormalizeZeros(&c->file_stats, c->order);
		if (c->file_stats.has &&
			PqStatsDecodeValue(c->conv, c->ptype, &c->info, c->file_stats.min.data,
							   (uint32_t) c->file_stats.min.len, &o->min) &&
			PqStatsDecodeValue(c->conv, c->ptype, &c->info, c->file_stats.max.data,
							   (uint32_t) c->file_stats.max.len, &o->max))
			o->has_min_max = true;
	}
	w->finished = true;
	return PQ_OK;
}

uint64_t
ParquetWriterFileSize(const PqWriter *w)
{
	return w ? w->pos : 0;
}

int64_t
ParquetWriterNumRows(const PqWriter *w)
{
	return w ? w->total_rows : 0;
}

const PqColumnStats *
ParquetWriterFileStats(const PqWriter *w, int column)
{
	if (!w || !w->finished || column < 0 || column >= w->ncols)
		return NULL;
	return &w->cols[column].file_out;
}
