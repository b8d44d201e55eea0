/*-------------------------------------------------------------------------
 * merge_scan.c
 *	  The primary-key merge of a table scan: per partition and bucket, the
 *	  sorted runs of every source merged so that of all versions of a key
 *	  the one from the latest source (and, inside a file, the last) wins.
 *
 * Ordered merge ("Merge mode" below): a binary heap of cursors; stretches
 * of a run no other run overlaps pass as slices of its batches, keys
 * several runs hold are merged one by one.  Unordered merge (consumers
 * needing no key order, every run holding full rows or tombstones): the
 * runs' batches pass whole with skip vectors.  Row-by-row reads convert
 * the merged batches to Datums.  Sources, append mode and the entry
 * points live in table_scan.c.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "scan/scan_internal.h"
#include "utils/memutils.h"

/* ---------------------------------------------------------------------
 * Merge mode (primary-key tables)
 *
 * The cursors of a group sit in a binary heap ordered by their current
 * key, ties by version order.  When the top cursor's key is below every
 * other cursor's, its rows up to the next cursor's key form a stretch no
 * other run touches: only versions inside the run itself are resolved,
 * by a skip vector, and the stretch is emitted as a slice of the batch
 * (long stretches) or copied into the chunk (short ones).  A key several
 * cursors hold, or one whose rows may go on in the cursor's next batch
 * (the batch's last key), is merged alone: its newest version decides
 * when it is a full row or a tombstone, else every version is folded.
 * ---------------------------------------------------------------------
 */

/*
 * A batch was loaded: evaluate the row predicate column-wise once for all
 * its rows (row_visible reads the result).
 */
static void
cursor_eval_row_pred(MergeCursor *c)
{
	if (c->row_pred == NULL || c->batch.nrows == 0)
		return;
	if (c->may_match_cap < c->batch.nrows)
	{
		c->may_match = MemoryContextAlloc(GetMemoryChunkContext(c->reader),
										  c->batch.nrows);
		c->may_match_cap = c->batch.nrows;
	}
	LakePredBatchMayMatch(c->row_pred, c->batch.columns, c->batch.absent,
						  c->read_names, c->batch.nrows, c->may_match);
}

/* Is row r of the cursor's batch visible (sequence, row predicate)? */
static inline bool
row_visible(const MergeCursor *c, uint32 r)
{
	if (c->filter && c->batch.seq && c->batch.seq[r] > c->seq_max)
		return false;
	/* every version of a key fails a key predicate alike */
	if (c->row_pred && !c->may_match[r])
		return false;
	return true;
}

/* The normalised key of row r (norm_keys). */
#define NK32(cols, col, r) \
	((uint32) (((const int32 *) (cols)[col].v.b)[r] ^ PG_INT32_MIN))
#define NK64(cols, col, r) \
	((uint64) (((const int64 *) (cols)[col].v.b)[r] ^ PG_INT64_MIN))

static pg_attribute_always_inline LakeNormKey
row_nk(const LakeScan *scan, const PqColumnVector *cols, uint32 r)
{
	LakeNormKey nk = 0;
	int			c0 = scan->key_col0;
	int			c1 = scan->key_col1;
	uint64		hi,
				lo;

	/* two 64-bit halves: GCC keeps them in registers across the cases */
	switch (scan->key_shape)
	{
		case SHAPE_32:
			hi = 0;
			lo = NK32(cols, c0, r);
			break;
		case SHAPE_64:
			hi = 0;
			lo = NK64(cols, c0, r);
			break;
		case SHAPE_32_32:
			hi = 0;
			lo = ((uint64) NK32(cols, c0, r) << 32) | NK32(cols, c1, r);
			break;
		case SHAPE_32_64:
			hi = NK32(cols, c0, r);
			lo = NK64(cols, c1, r);
			break;
		case SHAPE_64_32:
			hi = NK64(cols, c0, r);
			lo = (hi << 32) | NK32(cols, c1, r);
			hi >>= 32;
			break;
		case SHAPE_64_64:
			hi = NK64(cols, c0, r);
			lo = NK64(cols, c1, r);
			break;
		default:
			for (int k = 0; k < scan->spec.nkey; k++)
			{
				int			col = scan->spec.key_cols[k];

				if (scan->key_class[k] == KEY_INT32)
					nk = (nk << 32) | NK32(cols, col, r);
				else
					nk = (nk << 64) | NK64(cols, col, r);
			}
			return nk;
	}
	return ((LakeNormKey) hi << 64) | lo;
}

/*
 * Store a normalised key as two 64-bit halves: GCC otherwise copies a key
 * it spilled in halves with one 16-byte load, which waits for both stores
 * to reach the cache.
 */
static pg_attribute_always_inline void
nk_store(LakeNormKey *dst, LakeNormKey v)
{
	uint64	   *d = (uint64 *) dst;

	d[0] = (uint64) v;
	d[1] = (uint64) (v >> 64);
}

/* How row_nk builds the keys of this scan (norm_keys). */
static void
key_shape_set(LakeScan *scan)
{
	int			nkey = scan->spec.nkey;

	scan->key_shape = SHAPE_LOOP;
	scan->key_col0 = nkey > 0 ? scan->spec.key_cols[0] : 0;
	scan->key_col1 = nkey > 1 ? scan->spec.key_cols[1] : 0;
	if (!scan->norm_keys || nkey < 1 || nkey > 2)
		return;
	if (nkey == 1)
		scan->key_shape = scan->key_class[0] == KEY_INT32 ? SHAPE_32 : SHAPE_64;
	else if (scan->key_class[0] == KEY_INT32)
		scan->key_shape = scan->key_class[1] == KEY_INT32 ? SHAPE_32_32 : SHAPE_32_64;
	else
		scan->key_shape = scan->key_class[1] == KEY_INT32 ? SHAPE_64_32 : SHAPE_64_64;
}

static void chunk_own_rows(LakeScan *scan, MergeCursor *c);
static bool cursor_load(LakeScan *scan, MergeCursor *c);
static void unordered_push(LakeScan *scan, int ci);

/* Advance a cursor to its next visible row; false when exhausted. */
static bool
cursor_settle(LakeScan *scan, MergeCursor *c)
{
	for (;;)
	{
		if (c->done)
			return false;
		if (c->pos >= c->batch.nrows)
		{
			if (c->pinned)
				chunk_own_rows(scan, c);
			if (!LakeFileReaderNext(c->reader, &c->batch))
			{
				c->done = true;
				return false;
			}
			c->pos = 0;
			c->tail_valid = false;
			cursor_eval_row_pred(c);
			continue;
		}
		if (!row_visible(c, c->pos))
		{
			c->pos++;
			continue;
		}
		if (scan->norm_keys)
			c->nk = row_nk(scan, c->batch.columns, c->pos);
		return true;
	}
}

/* Compare key of row ra of vectors a with that of row rb of vectors b. */
static inline int
key_cmp(const LakeScan *scan, const PqColumnVector *a, uint32 ra,
		const PqColumnVector *b, uint32 rb)
{
	for (int k = 0; k < scan->spec.nkey; k++)
	{
		int			col = scan->spec.key_cols[k];

		switch (scan->key_class[k])
		{
			case KEY_INT32:
				{
					int32		x = ((const int32 *) a[col].v.b)[ra];
					int32		y = ((const int32 *) b[col].v.b)[rb];

					if (x != y)
						return x < y ? -1 : 1;
					break;
				}
			case KEY_INT64:
				{
					int64		x = ((const int64 *) a[col].v.b)[ra];
					int64		y = ((const int64 *) b[col].v.b)[rb];

					if (x != y)
						return x < y ? -1 : 1;
					break;
				}
			default:
				{
					size_t		sz = scan->value_size[col];
					int			c = LakeValueCompareRaw(&scan->spec.types[col],
														a[col].v.b + (size_t) ra * sz,
														b[col].v.b + (size_t) rb * sz);

					if (c != 0)
						return c;
					break;
				}
		}
	}
	return 0;
}

static inline int
cursor_cmp(const LakeScan *scan, const MergeCursor *a, const MergeCursor *b)
{
	return key_cmp(scan, a->batch.columns, a->pos, b->batch.columns, b->pos);
}

/* cursor against the key being merged (scan->key_row) */
static inline bool
cursor_at_key(LakeScan *scan, MergeCursor *c)
{
	if (scan->norm_keys)
		return c->nk == scan->key_nk;
	return key_cmp(scan, c->batch.columns, c->pos, scan->key_row, 0) == 0;
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
batch_kind(const LakeFileBatch *b, uint32 r)
{
	return b->kind ? (LakeRecordKind) b->kind[r] : LAKE_REC_ENGINE;
}

/* Fold the cursor's current row into the key's state. */
static void
fold_cursor_row(LakeScan *scan, MergeCursor *c)
{
	LakeRecordKind kind = batch_kind(&c->batch, c->pos);
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

/* ---- the heap of cursors ---- */

/* The heap entry's key of cursor ci with normalised key nk */
static inline LakeNormKey
heap_key(const LakeScan *scan, LakeNormKey nk, int ci)
{
	return scan->heap_packed ? (nk << 32) | (uint32) ci : nk;
}

static inline bool
heap_less(const LakeScan *scan, const HeapEntry *a, const HeapEntry *b)
{
	int			c;

	if (scan->heap_packed)
		return a->nk < b->nk;	/* the cursor breaks ties inside the key */
	if (scan->norm_keys)
	{
		/* no branch: which child sinks is a coin toss to the predictor */
		return (a->nk < b->nk) | ((a->nk == b->nk) & (a->ci < b->ci));
	}
	c = cursor_cmp(scan, &scan->cursors[a->ci], &scan->cursors[b->ci]);
	return c != 0 ? c < 0 : a->ci < b->ci;
}

/* Put v at slot at (its entry is overwritten) and sift it down. */
static pg_attribute_always_inline void
heap_sift_down_entry(LakeScan *scan, int at, HeapEntry v)
{
	HeapEntry  *h = scan->heap;
	int			n = scan->nheap;

	for (;;)
	{
		int			child = 2 * at + 1;

		if (child >= n)
			break;
		if (child + 1 < n)
			child += heap_less(scan, &h[child + 1], &h[child]);
		if (!heap_less(scan, &h[child], &v))
			break;
		h[at] = h[child];
		at = child;
	}
	h[at] = v;
}

static void
heap_sift_down(LakeScan *scan, int at)
{
	heap_sift_down_entry(scan, at, scan->heap[at]);
}

/* Put v into the hole at 'at', moving it up past greater parents. */
static pg_attribute_always_inline void
heap_sift_up_entry(LakeScan *scan, int at, HeapEntry v)
{
	HeapEntry  *h = scan->heap;

	while (at > 0)
	{
		int			parent = (at - 1) / 2;

		if (!heap_less(scan, &v, &h[parent]))
			break;
		h[at] = h[parent];
		at = parent;
	}
	h[at] = v;
}

/* Add a settled cursor. */
static void
heap_push(LakeScan *scan, int ci)
{
	HeapEntry	v;

	v.nk = heap_key(scan, scan->cursors[ci].nk, ci);
	v.ci = ci;
	heap_sift_up_entry(scan, scan->nheap++, v);
}

static int
heap_pop(LakeScan *scan)
{
	int			top = scan->heap[0].ci;

	scan->nheap--;
	if (scan->nheap > 0)
	{
		scan->heap[0] = scan->heap[scan->nheap];
		heap_sift_down(scan, 0);
	}
	return top;
}

/* The top cursor moved on: settle it and restore the heap. */
static void
heap_top_moved(LakeScan *scan)
{
	MergeCursor *c = &scan->cursors[scan->heap[0].ci];

	if (cursor_settle(scan, c))
	{
		scan->heap[0].nk = heap_key(scan, c->nk, scan->heap[0].ci);
		heap_sift_down(scan, 0);
	}
	else
		(void) heap_pop(scan);
}

static bool
merge_open_next_group(LakeScan *scan, bool unordered)
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
	scan->nheap = 0;
	scan->top_moved = false;
	scan->pending_load = -1;
	scan->carry_valid = false;
	if (scan->chunk != NULL)
	{
		scan->chunk_n = 0;
		scan->chunk_out = false;
		scan->chunk_hi = 0;
		MemoryContextReset(scan->chunk_cxt);
	}
	MemoryContextReset(scan->source_cxt);
	if (scan->next_group >= scan->ngroups)
		return false;
	first = scan->group_start[scan->next_group];
	last = scan->group_start[scan->next_group + 1];
	scan->next_group++;

	old = MemoryContextSwitchTo(scan->source_cxt);
	scan->cursors = palloc0(sizeof(MergeCursor) * (last - first));
	scan->heap = palloc(sizeof(HeapEntry) * (last - first));
	for (int s = first; s < last; s++)
	{
		ScanSource *src = &scan->sources[s];
		MergeCursor *c = &scan->cursors[scan->ncursors++];
		char	   *path = psprintf("%s/%s/%s", scan->spec.root, scan->spec.table_rel,
									src->file->path);

		c->src = src;
		c->reader = LakeFileReaderOpen(path, path);
		c->filter = src->pending || LakeScanFileNeedsFilter(c->reader, src->file);
		c->seq_max = src->pending ? scan->spec.pending_limit - 1 : src->file->max_sequence;
		LakeFileReaderProjectRecords(c->reader, scan->spec.ncolumns, scan->read_names,
									 scan->spec.types, c->filter, true);
		c->last_wins = kinds_last_wins(scan, LakeFileReaderKinds(c->reader));
		c->has_delete = strchr(LakeFileReaderKinds(c->reader), 'D') != NULL;
		c->row_pred = LakeScanSourcePredicateSet(scan, c->reader, src);
		c->read_names = scan->read_names;
		scan->stats.files_read++;
	}
	MemoryContextSwitchTo(old);
	scan->group_unordered = unordered;
	for (int i = 0; i < scan->ncursors; i++)
		if (!scan->cursors[i].last_wins)
			scan->group_unordered = false;
	/* the oldest run (mostly the largest) beside the heap: see below */
	scan->split_base = scan->group_unordered && scan->norm_keys && scan->ncursors > 2;
	scan->base_live = false;
	scan->base_ci = 0;
	for (int i = 0; i < scan->ncursors; i++)
	{
		if (!scan->group_unordered)
		{
			if (cursor_settle(scan, &scan->cursors[i]))
				heap_push(scan, i);
		}
		else if (cursor_load(scan, &scan->cursors[i]))
			unordered_push(scan, i);
	}
	return true;
}

/*
 * Copy row r of a batch's column into slot k of dst (bytes into cxt; with
 * cxt NULL, string values keep pointing at the batch's bytes).
 */
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
	/* fixed sizes copy inline */
	switch (sz)
	{
		case 1:
			dst->v.b[k] = src->v.b[r];
			break;
		case 4:
			memcpy(dst->v.b + (size_t) k * 4, src->v.b + (size_t) r * 4, 4);
			break;
		case 8:
			memcpy(dst->v.b + (size_t) k * 8, src->v.b + (size_t) r * 8, 8);
			break;
		case 16:
			memcpy(dst->v.b + (size_t) k * 16, src->v.b + (size_t) r * 16, 16);
			break;
		default:
			memcpy(dst->v.b + (size_t) k * sz, src->v.b + (size_t) r * sz, sz);
			break;
	}
	if (scan->is_bytes[col] && cxt != NULL)
	{
		PqBytes    *b = &dst->v.bytes[k];
		uint8	   *copy = MemoryContextAlloc(cxt, Max(b->len, 1));

		memcpy(copy, b->ptr, b->len);
		b->ptr = copy;
	}
}

/*
 * Put the wanted columns of row r of vectors cols into chunk row n.  With
 * src, a cursor whose batch holds cols, string values keep pointing into
 * the batch (it stays loaded until the chunk is consumed, or the rows are
 * copied by chunk_own_rows before it moves on); else their bytes are
 * copied into the chunk's context.
 */
static void
chunk_put(LakeScan *scan, const PqColumnVector *cols, const bool *absent, uint32 r,
		  uint32 n, MergeCursor *src)
{
	MemoryContext cxt = src ? NULL : scan->chunk_cxt;

	for (int k = 0; k < scan->nwanted; k++)
	{
		int			col = scan->wanted_cols[k];

		copy_raw_value(scan, col, &cols[col], absent && absent[col], r,
					   &scan->chunk[col], n, cxt);
	}
	scan->chunk_src[n] = src && scan->has_bytes ? (int16) (src - scan->cursors) : -1;
	if (src && scan->has_bytes)
		src->pinned = true;
	if (n >= scan->chunk_hi)
		scan->chunk_hi = n + 1;
}

/*
 * Cursor c is about to load its next batch: copy the bytes of the chunk
 * rows pointing into its batch.
 */
static void
chunk_own_rows(LakeScan *scan, MergeCursor *c)
{
	int16		ci = (int16) (c - scan->cursors);

	for (uint32 n = 0; n < scan->chunk_hi; n++)
	{
		if (scan->chunk_src[n] != ci)
			continue;
		for (int k = 0; k < scan->nwanted; k++)
		{
			int			col = scan->wanted_cols[k];
			PqBytes    *b;
			uint8	   *copy;

			if (!scan->is_bytes[col] || scan->chunk[col].nulls[n])
				continue;
			b = &scan->chunk[col].v.bytes[n];
			copy = MemoryContextAlloc(scan->chunk_cxt, Max(b->len, 1));
			memcpy(copy, b->ptr, b->len);
			b->ptr = copy;
		}
		scan->chunk_src[n] = -1;
	}
	c->pinned = false;
}

/* A new chunk: no row points into any batch. */
static void
chunk_start(LakeScan *scan)
{
	MemoryContextReset(scan->chunk_cxt);
	for (int i = 0; i < scan->ncursors; i++)
		scan->cursors[i].pinned = false;
	scan->chunk_hi = 0;
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

/* First row of the batch's last key (its rows may go on in the next batch) */
static uint32
cursor_tail(LakeScan *scan, MergeCursor *c)
{
	const PqColumnVector *cols = c->batch.columns;
	uint32		last = c->batch.nrows - 1;
	uint32		lo,
				hi;

	if (c->tail_valid)
		return c->tail;
	lo = c->pos;
	hi = last;
	while (lo < hi)
	{
		uint32		mid = lo + (hi - lo) / 2;

		if (key_cmp(scan, cols, mid, cols, last) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	c->tail = lo;
	c->tail_valid = true;
	return lo;
}

/* Is the key of row r at or above cursor c's? */
static inline bool
at_or_above(const LakeScan *scan, const PqColumnVector *cols, uint32 r, const MergeCursor *c)
{
	if (scan->norm_keys)
		return row_nk(scan, cols, r) >= c->nk;
	return key_cmp(scan, cols, r, c->batch.columns, c->pos) >= 0;
}

/*
 * The end of the top cursor's stretch: rows [pos, end) hold keys no other
 * cursor holds, all of whose versions lie there.  end == pos when the key
 * at pos must be merged alone.  sc: the other cursor with the least key,
 * or NULL.
 */
static uint32
stretch_end_below(LakeScan *scan, MergeCursor *top, MergeCursor *sc)
{
	const PqColumnVector *cols = top->batch.columns;
	uint32		pos = top->pos;
	uint32		end = cursor_tail(scan, top);

	if (end <= pos)
		return pos;
	if (sc != NULL)
	{
		uint32		lo,
					step = 1;

		if (scan->norm_keys)
		{
			if (top->nk >= sc->nk)
				return pos;
		}
		else if (key_cmp(scan, cols, pos, sc->batch.columns, sc->pos) >= 0)
			return pos;
		/* the first row at or above the other cursors' least key: gallop */
		lo = pos + 1;
		while (lo + step - 1 < end)
		{
			uint32		probe = lo + step - 1;

			if (at_or_above(scan, cols, probe, sc))
			{
				end = probe;
				break;
			}
			lo = probe + 1;
			step *= 2;
		}
		while (lo < end)
		{
			uint32		mid = lo + (end - lo) / 2;

			if (at_or_above(scan, cols, mid, sc))
				end = mid;
			else
				lo = mid + 1;
		}
	}
	if (!top->last_wins)
	{
		/* a key with several versions in the run is folded alone */
		for (uint32 r = pos; r + 1 < end; r++)
			if (key_cmp(scan, cols, r, cols, r + 1) == 0)
				return r;
	}
	return end;
}

/* stretch_end_below the heap's second least key (the top is heap[0]) */
static uint32
stretch_end(LakeScan *scan, MergeCursor *top)
{
	const HeapEntry *second = NULL;

	if (scan->nheap > 1)
	{
		second = &scan->heap[1];
		if (scan->nheap > 2 && heap_less(scan, &scan->heap[2], second))
			second = &scan->heap[2];
	}
	return stretch_end_below(scan, top, second ? &scan->cursors[second->ci] : NULL);
}

/*
 * Visibility of the stretch [pos, end) of cursor c into skip[0 ..): of a
 * key's visible versions only the newest counts, and none if it is a
 * tombstone.  Returns the number of visible rows.
 */
static uint32
stretch_visibility(LakeScan *scan, MergeCursor *c, uint32 end, uint8 *skip)
{
	const LakeFileBatch *b = &c->batch;
	uint32		pos = c->pos;
	int64		next_vis = -1;
	uint32		visible = 0;

	if (scan->norm_keys && !(c->filter && b->seq) && c->row_pred == NULL)
	{
		/* every row visible, keys normalised: the common case, inline */
		LakeNormKey next_nk = 0;
		bool		have_next = false;

		for (uint32 r = end; r-- > pos;)
		{
			LakeNormKey nk = row_nk(scan, b->columns, r);
			uint32		k = r - pos;

			if (have_next && nk == next_nk)
			{
				skip[k] = 1;	/* an older version */
				continue;
			}
			have_next = true;
			next_nk = nk;
			skip[k] = b->kind != NULL && b->kind[r] == LAKE_REC_DELETE;
			visible += !skip[k];
		}
		scan->stats.rows_read += end - pos;
		return visible;
	}
	for (int64 r = (int64) end - 1; r >= (int64) pos; r--)
	{
		uint32		k = (uint32) (r - pos);

		skip[k] = !row_visible(c, (uint32) r);
		if (skip[k])
			continue;
		scan->stats.rows_read++;
		if (next_vis >= 0 &&
			key_cmp(scan, b->columns, (uint32) r, b->columns, (uint32) next_vis) == 0)
		{
			skip[k] = 1;		/* an older version */
			continue;
		}
		next_vis = r;
		if (batch_kind(b, (uint32) r) == LAKE_REC_DELETE)
			skip[k] = 1;
		else
			visible++;
	}
	return visible;
}

/*
 * The newest version of the key (cursor c, the newest holding it) alone
 * gives the row: a tombstone or a full row.  Then its row, if any, goes to
 * chunk row n, *present tells, c moves past the key and true is returned;
 * false (nothing changed) when the versions must be folded.
 */
static bool
merge_key_newest(LakeScan *scan, MergeCursor *c, uint32 n, bool *present)
{
	const LakeFileBatch *b = &c->batch;
	uint32		pos = c->pos;
	uint32		tail = cursor_tail(scan, c);
	uint32		e = pos + 1;
	uint32		v = pos;
	uint32		nvisible = 1;
	LakeRecordKind kind;

	if (scan->merge->sequence_col >= 0 || pos >= tail)
		return false;
	while (e < tail && key_cmp(scan, b->columns, e, b->columns, pos) == 0)
		e++;
	for (uint32 r = e - 1; r > pos; r--)
		if (row_visible(c, r))
		{
			if (v == pos)
				v = r;
			nvisible++;
		}
	kind = batch_kind(b, v);
	if (kind == LAKE_REC_DELETE)
		*present = false;
	else if (kind == LAKE_REC_SET ||
			 (kind == LAKE_REC_ENGINE && scan->merge->engine_replaces))
	{
		*present = true;
		chunk_put(scan, b->columns, b->absent, v, n, c);
	}
	else
		return false;
	scan->stats.rows_read += nvisible;
	c->pos = e;
	return true;
}

/*
 * Merge the least key alone: every cursor holding it, in version order.
 * Its row, if the key is present, goes to chunk row n; returns whether.
 */
static bool
merge_one_key(LakeScan *scan, uint32 n)
{
	MergeCursor *first = &scan->cursors[scan->heap[0].ci];
	int			m = 0;
	bool		present;

	/* copy the key: cursors may load new batches below */
	if (scan->norm_keys)
		scan->key_nk = first->nk;
	else
	{
		MemoryContextReset(scan->key_cxt);
		for (int k = 0; k < scan->spec.nkey; k++)
		{
			int			col = scan->spec.key_cols[k];

			copy_raw_value(scan, col, &first->batch.columns[col], false, first->pos,
						   &scan->key_row[col], 0, scan->key_cxt);
		}
	}
	/* equal keys pop in version order */
	while (scan->nheap > 0 && cursor_at_key(scan, &scan->cursors[scan->heap[0].ci]))
		scan->at_key[m++] = heap_pop(scan);

	if (merge_key_newest(scan, &scan->cursors[scan->at_key[m - 1]], n, &present))
	{
		for (int i = 0; i < m - 1; i++)
		{
			MergeCursor *c = &scan->cursors[scan->at_key[i]];

			while (cursor_settle(scan, c) && cursor_at_key(scan, c))
			{
				scan->stats.rows_read++;
				c->pos++;
			}
		}
	}
	else
	{
		/* fold the versions oldest first */
		LakeMergeStateReset(scan->fold);
		for (int i = 0; i < m; i++)
		{
			MergeCursor *c = &scan->cursors[scan->at_key[i]];

			while (cursor_settle(scan, c) && cursor_at_key(scan, c))
			{
				fold_cursor_row(scan, c);
				scan->stats.rows_read++;
				c->pos++;
			}
		}
		present = LakeMergeStateFinish(scan->fold);
		if (present)
			chunk_put(scan, LakeMergeStateColumns(scan->fold), NULL, 0, n, NULL);
	}
	for (int i = 0; i < m; i++)
		if (cursor_settle(scan, &scan->cursors[scan->at_key[i]]))
			heap_push(scan, scan->at_key[i]);
	return present;
}

/* ---------------------------------------------------------------------
 * Unordered merge
 *
 * LakeScanNextBatch's consumers (aggregation) need no key order.  In a
 * group whose runs all let the newest version of a key alone give its row
 * (kinds_last_wins), each run's batches are returned whole, with a skip
 * vector hiding what the merge rules out: older versions inside the run,
 * tombstones, and every version of a key a newer run also holds.  The heap
 * walk only decides visibility; nothing is copied but the newest version of
 * a batch's last key, which the run's next batch may supersede: it is held
 * back (the carry) until that batch is loaded, then dropped or put in the
 * chunk, returned at the end of the group.
 *
 * A cursor in the heap always stands on a visible row of its loaded batch.
 * When the walk passes the end of the top cursor's batch, the cursor leaves
 * the heap, its batch is returned, and the next call loads its next batch
 * and puts it back.
 *
 * With normalised keys and three runs or more, the oldest run (the base:
 * mostly the largest, the one the newer runs overlap) stays out of the
 * heap and is compared with its top only.  Its stretches and the keys it
 * must hide then cost no sifting; only the newer runs' cursors move in the
 * heap.  When the base is done, the oldest run left takes its place (a
 * large load is often written in several files).
 * ---------------------------------------------------------------------
 */

/* A cursor standing on a row of its batch joins: the base beside the heap. */
static void
unordered_push(LakeScan *scan, int ci)
{
	if (scan->split_base && ci == scan->base_ci)
		scan->base_live = true;
	else
		heap_push(scan, ci);
}

/*
 * The base is done: the oldest cursor left (every older one is done too)
 * leaves the heap and becomes the base.  A base written in several files
 * thus stays beside the heap to its end.
 */
static void
base_promote(LakeScan *scan)
{
	int			j = 0;

	if (scan->nheap == 0)
		return;
	for (int i = 1; i < scan->nheap; i++)
		if (scan->heap[i].ci < scan->heap[j].ci)
			j = i;
	scan->base_ci = scan->heap[j].ci;
	scan->base_live = true;
	scan->heap[j] = scan->heap[--scan->nheap];
	for (int i = scan->nheap / 2; i-- > 0;)
		heap_sift_down(scan, i);
}

/* The cursor with the least key (on a tie the base: it is oldest), or -1. */
static inline int
unordered_top(const LakeScan *scan)
{
	if (scan->base_live &&
		(scan->nheap == 0 ||
		 heap_key(scan, scan->cursors[scan->base_ci].nk, 0) <= scan->heap[0].nk))
		return scan->base_ci;
	return scan->nheap > 0 ? scan->heap[0].ci : -1;
}

/* Of the cursors other than the top ti, the one with the least key, or NULL. */
static inline MergeCursor *
unordered_second(LakeScan *scan, int ti)
{
	int			si = -1;

	if (scan->split_base && ti == scan->base_ci)
		return scan->nheap > 0 ? &scan->cursors[scan->heap[0].ci] : NULL;
	if (scan->nheap > 1)
	{
		const HeapEntry *h = &scan->heap[1];

		if (scan->nheap > 2 && heap_less(scan, &scan->heap[2], h))
			h = &scan->heap[2];
		si = h->ci;
	}
	if (scan->base_live &&
		(si < 0 || scan->cursors[scan->base_ci].nk <= scan->cursors[si].nk))
		si = scan->base_ci;
	return si >= 0 ? &scan->cursors[si] : NULL;
}

/* A batch was loaded: every row hidden until the walk shows it. */
static void
cursor_batch_loaded(LakeScan *scan, MergeCursor *c)
{
	if (c->skip_size < c->batch.nrows)
	{
		c->skip = c->skip ? repalloc(c->skip, c->batch.nrows)
			: MemoryContextAlloc(scan->source_cxt, c->batch.nrows);
		c->skip_size = c->batch.nrows;
	}
	if (c->batch.nrows > 0)
		memset(c->skip, 1, c->batch.nrows);
	cursor_eval_row_pred(c);
	c->nvis = 0;
	c->pos = 0;
	c->tail_valid = false;
}

/* The next visible row inside the loaded batch; false past its end. */
static pg_attribute_always_inline bool
cursor_step(LakeScan *scan, MergeCursor *c)
{
	while (c->pos < c->batch.nrows && !row_visible(c, c->pos))
		c->pos++;
	if (c->pos >= c->batch.nrows)
		return false;
	if (scan->norm_keys)
		nk_store(&c->nk, row_nk(scan, c->batch.columns, c->pos));
	return true;
}

/* Load batches up to a visible row; false at the end of the file. */
static bool
cursor_load(LakeScan *scan, MergeCursor *c)
{
	for (;;)
	{
		if (c->done || !LakeFileReaderNext(c->reader, &c->batch))
		{
			c->done = true;
			return false;
		}
		cursor_batch_loaded(scan, c);
		if (cursor_step(scan, c))
			return true;
	}
}

/* Hold back row r of cursor c, the newest version of its batch's last key. */
static void
carry_set(LakeScan *scan, MergeCursor *c, uint32 r)
{
	MemoryContextReset(scan->carry_cxt);
	for (int i = 0; i < scan->spec.ncolumns; i++)
		if (scan->carry_row[i].v.b != NULL)
			copy_raw_value(scan, i, &c->batch.columns[i],
						   c->batch.absent && c->batch.absent[i], r,
						   &scan->carry_row[i], 0, scan->carry_cxt);
	if (scan->norm_keys)
		scan->carry_nk = row_nk(scan, c->batch.columns, r);
	scan->carry_valid = true;
	scan->carry_ci = (int) (c - scan->cursors);
}

/*
 * Load the next batch of the cursor whose batch was returned (or wholly
 * hidden), settle the carry it left, and put it back in the heap.  The
 * chunk has room for one row.
 */
static void
load_pending(LakeScan *scan)
{
	int			ci = scan->pending_load;
	MergeCursor *c = &scan->cursors[ci];
	bool		more;

	scan->pending_load = -1;
	more = cursor_load(scan, c);
	if (scan->carry_valid && scan->carry_ci == ci)
	{
		bool		superseded = false;

		/* a newer version of the key opens the next batch */
		if (more)
			superseded = scan->norm_keys ? c->nk == scan->carry_nk
				: key_cmp(scan, c->batch.columns, c->pos, scan->carry_row, 0) == 0;
		if (!superseded)
			chunk_put(scan, scan->carry_row, NULL, 0, scan->chunk_n++, NULL);
		scan->carry_valid = false;
	}
	if (more)
		unordered_push(scan, ci);
	else if (scan->split_base && ci == scan->base_ci)
		base_promote(scan);
}

/* Return the chunk (its rows are the carried keys). */
static bool
emit_chunk(LakeScan *scan, LakeScanBatch *out)
{
	out->nrows = scan->chunk_n;
	out->first = 0;
	out->columns = scan->chunk;
	out->absent = NULL;
	out->skip = NULL;
	scan->chunk_out = true;
	return true;
}

/*
 * The top cursor ci is past its batch's end: out of the heap.  Its batch
 * is returned when it shows rows (true), else it is loaded on at once.
 */
static bool
top_batch_done(LakeScan *scan, int ci, LakeScanBatch *out)
{
	MergeCursor *c = &scan->cursors[ci];

	if (scan->split_base && ci == scan->base_ci)
		scan->base_live = false;
	else
		(void) heap_pop(scan);
	scan->pending_load = ci;
	if (c->nvis > 0)
	{
		out->nrows = c->batch.nrows;
		out->first = 0;
		out->columns = c->batch.columns;
		out->absent = c->batch.absent;
		out->skip = c->skip;
		return true;
	}
	if (scan->chunk_n >= MERGE_CHUNK_ROWS)
		return emit_chunk(scan, out);
	load_pending(scan);
	return false;
}

/*
 * Replace the heap's top by v: the hole goes down to a leaf along the
 * lesser children (one comparison a level), then v rises from there.  The
 * moved cursor's new key mostly belongs near the bottom, so this costs
 * about half the comparisons of a plain sift-down.
 */
static pg_attribute_always_inline void
heap_replace_top(LakeScan *scan, LakeNormKey key, int ci)
{
	HeapEntry  *h = scan->heap;
	int			n = scan->nheap;
	int			at = 0;
	HeapEntry	v;

	for (;;)
	{
		int			child = 2 * at + 1;

		if (child >= n)
			break;
		if (child + 1 < n)
			child += heap_less(scan, &h[child + 1], &h[child]);
		h[at] = h[child];
		at = child;
	}
	v.nk = key;
	v.ci = ci;
	heap_sift_up_entry(scan, at, v);
}

/* The top cursor ci moved inside its batch: settle it and restore the heap. */
static bool
top_advanced(LakeScan *scan, int ci, LakeScanBatch *out)
{
	MergeCursor *c = &scan->cursors[ci];
	uint32		pos = c->pos;
	uint32		nrows = c->batch.nrows;

	while (pos < nrows && !row_visible(c, pos))
		pos++;
	c->pos = pos;
	if (pos >= nrows)
		return top_batch_done(scan, ci, out);
	if (scan->norm_keys)
	{
		/* the new key stays in registers for the heap */
		LakeNormKey nk = row_nk(scan, c->batch.columns, pos);

		nk_store(&c->nk, nk);
		if (!(scan->split_base && ci == scan->base_ci))
			heap_replace_top(scan, heap_key(scan, nk, ci), ci);
	}
	else
		heap_replace_top(scan, 0, ci);
	return false;
}

/*
 * The first row of [lo, hi) whose key is at or above bound (hi if none),
 * galloping from lo: stretches are mostly short.
 */
static uint32
gallop_to_bound(const LakeScan *scan, const PqColumnVector *cols, uint32 lo, uint32 hi,
				LakeNormKey bound)
{
	uint32		step = 1;

	while (lo + step - 1 < hi)
	{
		uint32		probe = lo + step - 1;

		if (row_nk(scan, cols, probe) >= bound)
		{
			hi = probe;
			break;
		}
		lo = probe + 1;
		step *= 2;
	}
	while (lo < hi)
	{
		uint32		mid = lo + (hi - lo) / 2;

		if (row_nk(scan, cols, mid) >= bound)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * skip[r - pos] for rows [pos, end) of a batch whose rows are all visible:
 * hidden when the next row holds the same key (an older version; the
 * caller guarantees row end - 1 ends its key) or, when the file holds
 * tombstones, when the row is one.  Column by column, in loops the
 * compiler vectorises.  Returns the number of rows left visible.
 */
static uint32
mark_older_versions(const LakeScan *scan, const MergeCursor *c, uint32 pos, uint32 end,
					uint8 *skip)
{
	const PqColumnVector *cols = c->batch.columns;
	uint32		n = end - pos;
	uint32		nvis = 0;

	if (n > 1)
	{
		memset(skip, 1, n - 1);
		for (int k = 0; k < scan->spec.nkey; k++)
		{
			int			col = scan->spec.key_cols[k];

			if (scan->key_class[k] == KEY_INT32)
			{
				const int32 *v = (const int32 *) cols[col].v.b + pos;

				for (uint32 i = 0; i < n - 1; i++)
					skip[i] &= v[i] == v[i + 1];
			}
			else
			{
				const int64 *v = (const int64 *) cols[col].v.b + pos;

				for (uint32 i = 0; i < n - 1; i++)
					skip[i] &= v[i] == v[i + 1];
			}
		}
	}
	skip[n - 1] = 0;
	if (c->has_delete && c->batch.kind != NULL)
	{
		const int32 *kind = c->batch.kind + pos;

		for (uint32 i = 0; i < n; i++)
			skip[i] |= kind[i] == LAKE_REC_DELETE;
	}
	for (uint32 i = 0; i < n; i++)
		nvis += skip[i] == 0;
	return nvis;
}

/*
 * The stretch of the top cursor c below bound (the other cursors' least
 * key, when bounded) and its batch's last key: its end found by galloping,
 * then older versions and tombstones marked hidden.  For normalised keys
 * and batches whose rows are all visible (no sequence filter, no row
 * predicate).
 */
static void
stretch_walk(LakeScan *scan, MergeCursor *c, bool bounded, LakeNormKey bound, uint32 tail)
{
	uint32		pos = c->pos;
	uint32		end = tail;

	Assert(pos < tail);
	if (bounded)
		end = gallop_to_bound(scan, c->batch.columns, pos + 1, tail, bound);
	c->nvis += mark_older_versions(scan, c, pos, end, c->skip + pos);
	scan->stats.rows_read += end - pos;
	c->pos = end;
}

/* Every row of the cursor's batch is visible: no sequence filter, no row predicate. */
static inline bool
cursor_all_visible(const MergeCursor *c)
{
	return c->row_pred == NULL && !(c->filter && c->batch.seq);
}

/*
 * A newer run's cursor moves a row at a time, and comes back only after
 * the other cursors' steps: fetch the cache lines of its key columns a
 * little ahead, else every few steps waits for memory.
 */
static pg_attribute_always_inline void
key_prefetch(const LakeScan *scan, const MergeCursor *c, uint32 pos)
{
#ifdef __GNUC__
	uint32		ahead = Min(pos + 16, c->batch.nrows - 1);

	__builtin_prefetch(c->batch.columns[scan->key_col0].v.b +
					   (size_t) ahead * scan->value_size[scan->key_col0]);
	if (scan->spec.nkey > 1)
		__builtin_prefetch(c->batch.columns[scan->key_col1].v.b +
						   (size_t) ahead * scan->value_size[scan->key_col1]);
#endif
}

/*
 * The unordered walk's common steps for packed heaps beside a base (the
 * oldest run): the base hiding a key a newer run holds, the base's
 * stretches, and a newer run's stretch, one row long with no call at all.
 * Returns 1 when a batch was put in *out, 0 when the step at hand is for
 * the general walk (batch ends, a batch's last key, keys several newer
 * runs hold, hidden rows).
 */
static int
packed_walk(LakeScan *scan, LakeScanBatch *out)
{
	Assert(scan->split_base && scan->heap_packed);
	for (;;)
	{
		/* read each time: a base that is done hands over (base_promote) */
		MergeCursor *base = &scan->cursors[scan->base_ci];
		HeapEntry  *h = scan->heap;
		LakeNormKey top_key;

		CHECK_FOR_INTERRUPTS();
		if (!scan->base_live || scan->nheap == 0)
			return 0;
		top_key = h[0].nk >> 32;
		if (base->nk <= top_key)
		{
			const PqColumnVector *cols = base->batch.columns;
			uint32		pos = base->pos;

			if (!cursor_all_visible(base))
				return 0;
			if (base->nk == top_key)
			{
				/* a newer run holds the key: the base's versions stay hidden */
				uint32		first = pos;
				LakeNormKey next = top_key;

				pos++;
				while (pos < base->batch.nrows &&
					   (next = row_nk(scan, cols, pos)) == top_key)
					pos++;
				scan->stats.rows_read += pos - first;
				base->pos = pos;
				if (next != top_key)
				{
					/* on the next key already: no step to take */
					nk_store(&base->nk, next);
					continue;
				}
			}
			else
			{
				uint32		tail = cursor_tail(scan, base);

				if (pos >= tail)
					return 0;
				stretch_walk(scan, base, true, top_key, tail);
			}
			if (top_advanced(scan, scan->base_ci, out))
				return 1;
		}
		else
		{
			int			ci = h[0].ci;
			MergeCursor *c = &scan->cursors[ci];
			LakeNormKey bound = base->nk;
			uint32		pos = c->pos;
			uint32		tail;

			if (scan->nheap > 1)
			{
				LakeNormKey second = h[1].nk;

				if (scan->nheap > 2 && h[2].nk < second)
					second = h[2].nk;
				second >>= 32;
				if (second <= c->nk)
					return 0;	/* a newer run holds the key */
				if (second < bound)
					bound = second;
			}
			if (!cursor_all_visible(c))
				return 0;
			tail = cursor_tail(scan, c);
			if (pos >= tail)
				return 0;
			if (pos + 1 < tail)
			{
				LakeNormKey next = row_nk(scan, c->batch.columns, pos + 1);

				if (next >= bound)
				{
					/* a stretch of one row: the next key is the cursor's */
					uint8		hide;

					nk_store(&c->nk, next);
					heap_replace_top(scan, (next << 32) | (uint32) ci, ci);
					c->pos = pos + 1;
					key_prefetch(scan, c, pos + 1);
					hide = c->has_delete && c->batch.kind != NULL &&
						c->batch.kind[pos] == LAKE_REC_DELETE;
					c->skip[pos] = hide;
					c->nvis += !hide;
					scan->stats.rows_read++;
					continue;
				}
			}
			stretch_walk(scan, c, true, bound, tail);
			if (top_advanced(scan, ci, out))
				return 1;
		}
	}
}

/* The top cursor stands on its batch's last key: its newest version is held back. */
static void
top_last_key(LakeScan *scan, MergeCursor *top)
{
	uint32		last = top->batch.nrows;

	for (uint32 r = top->batch.nrows; r-- > top->pos;)
		if (row_visible(top, r))
		{
			scan->stats.rows_read++;
			if (last == top->batch.nrows)
				last = r;
		}
	if (last < top->batch.nrows &&
		batch_kind(&top->batch, last) != LAKE_REC_DELETE)
		carry_set(scan, top, last);
	top->pos = top->batch.nrows;
}

static bool
unordered_next_batch(LakeScan *scan, LakeScanBatch *out)
{
	if (scan->chunk_out)
	{
		chunk_start(scan);
		scan->chunk_n = 0;
		scan->chunk_out = false;
	}
	if (scan->pending_load >= 0)
	{
		if (scan->chunk_n >= MERGE_CHUNK_ROWS)
			return emit_chunk(scan, out);
		load_pending(scan);
	}
	for (;;)
	{
		int			ti = unordered_top(scan);
		MergeCursor *top;
		MergeCursor *second;
		const PqColumnVector *cols;

		if (scan->split_base && scan->heap_packed)
		{
			if (packed_walk(scan, out))
				return true;
			ti = unordered_top(scan);
		}
		if (ti < 0)
			break;
		CHECK_FOR_INTERRUPTS();
		top = &scan->cursors[ti];
		cols = top->batch.columns;
		second = unordered_second(scan, ti);
		if (second != NULL &&
			(scan->norm_keys ? top->nk == second->nk : cursor_cmp(scan, top, second) == 0))
		{
			/* a newer run holds the key: hide this run's versions */
			uint32		first = top->pos;
			LakeNormKey first_nk = top->nk;

			scan->stats.rows_read++;
			top->pos++;
			while (top->pos < top->batch.nrows &&
				   (scan->norm_keys ? row_nk(scan, cols, top->pos) == first_nk
					: key_cmp(scan, cols, top->pos, cols, first) == 0))
			{
				if (row_visible(top, top->pos))
					scan->stats.rows_read++;
				top->pos++;
			}
			if (top_advanced(scan, ti, out))
				return true;
			continue;
		}
		if (scan->norm_keys && top->row_pred == NULL && !(top->filter && top->batch.seq) &&
			top->pos < cursor_tail(scan, top))
		{
			/* a stretch no other run touches, every row visible */
			stretch_walk(scan, top, second != NULL, second ? second->nk : 0,
						 cursor_tail(scan, top));
		}
		else if (top->pos < cursor_tail(scan, top))
		{
			/* a stretch no other run touches */
			uint32		end = stretch_end_below(scan, top, second);

			Assert(end > top->pos);
			top->nvis += stretch_visibility(scan, top, end, top->skip + top->pos);
			top->pos = end;
		}
		else
			top_last_key(scan, top);
		if (top_advanced(scan, ti, out))
			return true;
	}
	if (scan->chunk_n > 0)
		return emit_chunk(scan, out);
	return false;
}

static void
batch_mode_init(LakeScan *scan)
{
	MemoryContext old = MemoryContextSwitchTo(scan->cxt);
	int			n = Max(scan->spec.ncolumns, 1);

	key_shape_set(scan);
	scan->chunk = palloc0(sizeof(PqColumnVector) * n);
	for (int i = 0; i < scan->spec.ncolumns; i++)
	{
		if (!scan->spec.wanted[i])
			continue;
		scan->chunk[i].type = scan->spec.types[i].pqtype;
		scan->chunk[i].count = MERGE_CHUNK_ROWS;

		/*
		 * not zeroed: chunk_put writes a row's null flag (and its value
		 * when not null) before the row is handed out, and a chunk's rows
		 * past its count are never read (later chunks reuse the arrays
		 * anyway); a point lookup puts one row in it
		 */
		scan->chunk[i].nulls = palloc(MERGE_CHUNK_ROWS);
		scan->chunk[i].v.b = palloc(scan->value_size[i] * MERGE_CHUNK_ROWS);
	}
	scan->chunk_cxt = AllocSetContextCreate(scan->cxt, "lake_fdw scan chunk",
											ALLOCSET_DEFAULT_SIZES);
	scan->chunk_src = palloc(sizeof(int16) * MERGE_CHUNK_ROWS);
	scan->carry_row = palloc0(sizeof(PqColumnVector) * n);
	for (int i = 0; i < scan->spec.ncolumns; i++)
	{
		if (scan->read_names[i] == NULL)
			continue;
		scan->carry_row[i].type = scan->spec.types[i].pqtype;
		scan->carry_row[i].count = 1;
		scan->carry_row[i].nulls = palloc0(1);
		scan->carry_row[i].v.b = palloc0(sizeof(pq_int128));
	}
	scan->carry_cxt = AllocSetContextCreate(scan->cxt, "lake_fdw scan carry",
											ALLOCSET_SMALL_SIZES);
	for (int k = 0; k < scan->nwanted; k++)
		if (scan->is_bytes[scan->wanted_cols[k]])
			scan->has_bytes = true;
	MemoryContextSwitchTo(old);
}

/*
 * The next batch of the current group: a long stretch as a slice of its
 * batch, or chunk rows (short stretches copied, keys merged alone); false
 * when the group is done.
 */
static bool
merged_next_batch(LakeScan *scan, LakeScanBatch *out)
{
	uint32		n = 0;

	chunk_start(scan);
	if (scan->top_moved)
	{
		scan->top_moved = false;
		heap_top_moved(scan);
	}
	while (n < MERGE_CHUNK_ROWS && scan->nheap > 0)
	{
		MergeCursor *top = &scan->cursors[scan->heap[0].ci];
		uint32		end;

		CHECK_FOR_INTERRUPTS();
		end = stretch_end(scan, top);
		if (end > top->pos)
		{
			uint32		len = end - top->pos;
			uint8	   *skip;

			if (len >= MERGE_SLICE_ROWS)
			{
				if (n > 0)
					break;		/* the chunk first, the slice next time */
				skip = skip_buffer(scan, len);
				(void) stretch_visibility(scan, top, end, skip);
				out->nrows = len;
				out->first = top->pos;
				out->columns = top->batch.columns;
				out->absent = top->batch.absent;
				out->skip = skip;
				top->pos = end;
				/* settled next time: the slice's batch must stay loaded */
				scan->top_moved = true;
				return true;
			}
			if (n + len > MERGE_CHUNK_ROWS)
				break;
			skip = skip_buffer(scan, len);
			(void) stretch_visibility(scan, top, end, skip);
			for (uint32 k = 0; k < len; k++)
				if (!skip[k])
					chunk_put(scan, top->batch.columns, top->batch.absent, top->pos + k, n++, top);
			top->pos = end;
			heap_top_moved(scan);
			continue;
		}
		if (merge_one_key(scan, n))
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

/* unordered: batches in any key order will do (LakeScanNextBatch) */
bool
LakeScanMergeNextBatch(LakeScan *scan, LakeScanBatch *out, bool unordered)
{
	if (scan->chunk == NULL)
		batch_mode_init(scan);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (!scan->group_open)
		{
			if (!merge_open_next_group(scan, unordered))
				return false;
			scan->group_open = true;
		}
		if (scan->group_unordered ? unordered_next_batch(scan, out)
			: merged_next_batch(scan, out))
			return true;
		scan->group_open = false;
	}
}

/* Row by row: the merged batches, converted to Datums. */
bool
LakeScanMergeNext(LakeScan *scan, Datum *values, bool *isnull)
{
	for (;;)
	{
		LakeScanBatch b;

		if (scan->pos < scan->nrows)
		{
			uint32		r = scan->pos++;

			for (int i = 0; i < scan->spec.ncolumns; i++)
			{
				if (scan->spec.wanted[i])
				{
					values[i] = scan->colvals[i][r];
					isnull[i] = scan->colnulls[i][r];
				}
				else
				{
					values[i] = (Datum) 0;
					isnull[i] = true;
				}
			}
			return true;
		}
		MemoryContextReset(scan->batch_cxt);
		if (!LakeScanMergeNextBatch(scan, &b, scan->spec.any_order))
			return false;
		/* the kept rows only, packed */
		scan->nrows = LakeScanBatchConvert(scan, (PqColumnVector *) b.columns, b.absent,
										   b.first, b.nrows, b.skip, true);
		scan->pos = 0;
	}
}
