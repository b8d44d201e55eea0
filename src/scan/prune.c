/*-------------------------------------------------------------------------
 * prune.c
 *	  Which partitions and files a scan reads, from the manifests' per-file
 *	  statistics, before any data file is opened.
 *
 * Partitions: every file of a partition holds the same values of the
 * partition columns (their statistics are min = max = the value), so the
 * predicate's part on partition columns is evaluated once per partition.
 * Buckets: with equality on every key column, only the buckets the key
 * hashes to (FORMAT.md "Buckets") can hold it.
 * Files: the manifest's column statistics (min, max, null count).
 *
 * The rule that keeps skipping from changing results (DESIGN.md invariant
 * 5, FORMAT.md "Pruning"): on a primary-key table a row is the newest
 * version of its key only as far as no newer version lives in another
 * file.  A predicate on key columns holds alike for every version of a
 * key, so it may drop any file, row group or page.  A predicate on other
 * columns may drop parts of a file only when that file holds the one
 * version of each of its keys: a file at level >= 1 (compaction output,
 * one row per key) that is the only file, committed or pending, of its
 * partition and bucket.  Append tables have no versions: every predicate
 * prunes.
 * Linear in the files: partitions and (partition, bucket) groups are
 * found by hash, the groups counted only when a file needs its count.
 * With a partition index of the files (part_index.c), linear in the
 * files of the partitions the predicate can select, logarithmic in the
 * others.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "mergetree/write_buffer.h"
#include "scan/scan_internal.h"

typedef struct FileStatsArg
{
	const LakePruneSpec *ps;
	const LakeDataFile *file;
} FileStatsArg;

static bool
file_stats(void *arg, int column, LakePredStats *out)
{
	FileStatsArg *a = arg;
	const LakeDataFile *f = a->file;
	int32		id = a->ps->column_ids[column];

	for (int i = 0; i < f->nstats; i++)
	{
		const LakeColumnStats *cs = &f->stats[i];

		if (cs->column_id != id)
			continue;
		out->known = true;
		out->rows = f->row_count;
		out->null_count = cs->null_count;
		if (cs->min)
			out->has_min = LakeStatsDecode(cs->min, &a->ps->types[column], &out->min);
		if (cs->max)
			out->has_max = LakeStatsDecode(cs->max, &a->ps->types[column], &out->max);
		return true;
	}
	/* no statistics for the column: nothing is known */
	return false;
}

static bool
file_may_match(const LakePruneSpec *ps, const LakePredicate *pred, const LakeDataFile *f)
{
	FileStatsArg a;

	a.ps = ps;
	a.file = f;
	return LakePredMayMatch(pred, file_stats, NULL, &a, NULL);
}

/* ---------------------------------------------------------------------
 * Buckets from key equalities
 * ---------------------------------------------------------------------
 */
#define MAX_PROBE_BUCKETS 64

/* The values a top-level conjunct fixes the column to, or NULL. */
static const LakePredicate *
key_equality(const LakePredicate *p, int column)
{
	if (p->kind == LAKE_PRED_AND)
	{
		for (int i = 0; i < p->nargs; i++)
		{
			const LakePredicate *e = key_equality(p->args[i], column);

			if (e)
				return e;
		}
		return NULL;
	}
	if (p->column == column &&
		((p->kind == LAKE_PRED_CMP && p->op == LAKE_OP_EQ) || p->kind == LAKE_PRED_IN))
		return p;
	return NULL;
}

static uint64
fnv_bytes(uint64 h, const uint8 *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
	{
		h ^= p[i];
		h *= UINT64CONST(1099511628211);
	}
	return h;
}

/* Hash of a key column's value: its vector slot bytes (FORMAT.md). */
static uint64
fnv_value(uint64 h, const PqValue *v, const LakeTypeInfo *ti)
{
	uint8		b;

	switch (v->type)
	{
		case PQ_BOOL:
			b = v->v.b ? 1 : 0;
			h = fnv_bytes(h, &b, 1);
			break;
		case PQ_INT16:
		case PQ_INT32:
		case PQ_DATE:
			h = fnv_bytes(h, (const uint8 *) &v->v.i32, 4);
			break;
		case PQ_INT64:
		case PQ_TIMESTAMP:
		case PQ_TIMESTAMPTZ:
			h = fnv_bytes(h, (const uint8 *) &v->v.i64, 8);
			break;
		case PQ_DECIMAL:
			if (ti->precision <= 18)
				h = fnv_bytes(h, (const uint8 *) &v->v.i64, 8);
			else
				h = fnv_bytes(h, (const uint8 *) &v->v.i128, 16);
			break;
		default:
			h = fnv_bytes(h, v->v.bytes.ptr, v->v.bytes.len);
			break;
	}
	h ^= 0xff;
	return h * UINT64CONST(1099511628211);
}

static void
collect_buckets(const LakePruneSpec *ps, const LakePredicate **eq, int k, uint64 h,
				bool *hit)
{
	const LakePredicate *e;

	if (k == ps->nkey)
	{
		hit[h % (uint64) ps->buckets] = true;
		return;
	}
	e = eq[k];
	for (int i = 0; i < e->nvalues; i++)
		collect_buckets(ps, eq, k + 1,
						fnv_value(h, &e->values[i], &ps->types[ps->key_cols[k]]), hit);
}

/*
 * The buckets that can hold rows satisfying the predicate ([buckets]
 * flags), or NULL when every bucket can.
 */
static bool *
key_buckets(const LakePruneSpec *ps)
{
	const LakePredicate **eq;
	int			combos = 1;
	bool	   *hit;

	if (ps->nkey == 0 || ps->buckets <= 1 || LakePredIsTrue(ps->predicate))
		return NULL;
	eq = palloc(sizeof(LakePredicate *) * ps->nkey);
	for (int k = 0; k < ps->nkey; k++)
	{
		PqType		t = ps->types[ps->key_cols[k]].pqtype;

		/* -0.0 = +0.0 but their bytes differ */
		if (t == PQ_FLOAT || t == PQ_DOUBLE)
			return NULL;
		eq[k] = key_equality(ps->predicate, ps->key_cols[k]);
		if (eq[k] == NULL)
			return NULL;
		combos *= eq[k]->nvalues;
		if (combos > MAX_PROBE_BUCKETS)
			return NULL;
	}
	hit = palloc0(sizeof(bool) * ps->buckets);
	collect_buckets(ps, eq, 0, UINT64CONST(14695981039346656037), hit);
	pfree(eq);
	return hit;
}

/* ---------------------------------------------------------------------
 * Partitions and groups (partition, bucket) by hash: linear in the files
 * ---------------------------------------------------------------------
 */
typedef struct GroupSlot
{
	const char *part;			/* NULL: empty slot */
	uint32		hash;
	int32		bucket;
	int			count;			/* groups: files, committed and pending */
	int8		verdict;		/* partitions: 1 may match, -1 pruned */
} GroupSlot;

typedef struct GroupTable
{
	GroupSlot  *slots;
	uint32		mask;
	int			used;
} GroupTable;

static void
group_table_init(GroupTable *t, int nfiles)
{
	uint32		cap = 16;

	while (cap < (uint32) nfiles * 2)
		cap <<= 1;
	t->slots = palloc0(sizeof(GroupSlot) * cap);
	t->mask = cap - 1;
	t->used = 0;
}

/* The slot of (part, bucket), entered when absent (*found false). */
static GroupSlot *
group_lookup(GroupTable *t, const char *part, int32 bucket, bool *found)
{
	uint32		h = hash_bytes((const unsigned char *) part, strlen(part)) ^
		((uint32) bucket * 0x9e3779b9U);
	uint32		i = h & t->mask;

	for (;;)
	{
		GroupSlot  *g = &t->slots[i];

		if (g->part == NULL)
		{
			g->part = part;
			g->hash = h;
			g->bucket = bucket;
			t->used++;
			*found = false;
			return g;
		}
		if (g->hash == h && g->bucket == bucket && strcmp(g->part, part) == 0)
		{
			*found = true;
			return g;
		}
		i = (i + 1) & t->mask;
	}
}

/* The count of (part, bucket), 0 when absent (nothing entered). */
static int
group_count_of(const GroupTable *t, const char *part, int32 bucket)
{
	uint32		h = hash_bytes((const unsigned char *) part, strlen(part)) ^
		((uint32) bucket * 0x9e3779b9U);
	uint32		i = h & t->mask;

	for (;;)
	{
		const GroupSlot *g = &t->slots[i];

		if (g->part == NULL)
			return 0;
		if (g->hash == h && g->bucket == bucket && strcmp(g->part, part) == 0)
			return g->count;
		i = (i + 1) & t->mask;
	}
}

/* Files, committed and pending, per (partition, bucket). */
static void
group_counts(GroupTable *t, List *files, List *pending)
{
	ListCell   *lc;
	bool		found;

	group_table_init(t, list_length(files) + list_length(pending));
	for (int pass = 0; pass < 2; pass++)
		foreach(lc, pass == 0 ? files : pending)
		{
			LakeDataFile *f = lfirst(lc);

			group_lookup(t, f->partition ? f->partition : "", f->bucket, &found)->count++;
		}
}

/* ---------------------------------------------------------------------
 * With a partition index: only the candidate partitions' files
 * ---------------------------------------------------------------------
 */
typedef struct Kept
{
	int			pos;			/* in the indexed list */
	bool		full;
	LakeDataFile *file;
} Kept;

static int
compare_kept(const void *a, const void *b)
{
	int			x = ((const Kept *) a)->pos;
	int			y = ((const Kept *) b)->pos;

	return (x > y) - (x < y);
}

static void
prune_indexed(const LakePruneSpec *ps, const LakePredicate *part_pred,
			  const LakePredicate *key_pred, const bool *buckets, List *pending,
			  List **files_out, List **pending_out, bool **full_out,
			  LakeScanStats *stats)
{
	const LakePartIndex *ix = ps->index;
	int		   *cand;
	int			ncand = LakePartIndexCandidates(ix, part_pred, &cand);
	GroupTable	pgroups;		/* pending files per (partition, bucket) */
	GroupTable	pparts;			/* pending files' partitions, verdicts */
	Kept	   *kept;
	int			nkept = 0;
	int			room = 0;
	int			parts_read = 0;
	int			parts_used = 0;
	int			contributed = 0;
	bool	   *full;
	ListCell   *lc;

	for (int i = 0; i < ncand; i++)
		room += ix->parts[cand[i]].nfiles;
	kept = palloc(sizeof(Kept) * Max(room, 1));
	if (pending != NIL && ps->nkey > 0)
		group_counts(&pgroups, NIL, pending);
	for (int i = 0; i < ncand; i++)
	{
		const LakePartIndexEntry *e = &ix->parts[cand[i]];
		int			before = nkept;

		CHECK_FOR_INTERRUPTS();
		/* the partition level: judged by its first file, as without index */
		if (!file_may_match(ps, part_pred, ix->files[e->first]))
			continue;
		parts_read++;
		for (int a = 0; a < e->nfiles; a++)
		{
			int			pos = e->members[a];
			LakeDataFile *f = ix->files[pos];
			bool		full_pred;

			if (buckets && f->bucket >= 0 && f->bucket < ps->buckets && !buckets[f->bucket])
				continue;
			full_pred = ps->nkey == 0;
			if (!full_pred && f->level >= 1)
			{
				int			count = e->group_count[a];

				if (pending != NIL)
					count += group_count_of(&pgroups, e->partition, f->bucket);
				full_pred = count == 1;
			}
			if (!file_may_match(ps, full_pred ? ps->predicate : key_pred, f))
				continue;
			kept[nkept].pos = pos;
			kept[nkept].full = full_pred;
			kept[nkept].file = f;
			nkept++;
		}
		contributed += nkept > before;
	}
	/* commit order across partitions */
	if (contributed > 1)
		qsort(kept, nkept, sizeof(Kept), compare_kept);
	full = palloc0(sizeof(bool) * (nkept + 1));
	*files_out = NIL;
	for (int k = 0; k < nkept; k++)
	{
		*files_out = lappend(*files_out, kept[k].file);
		full[k] = kept[k].full;
	}
	*full_out = full;

	/* the transaction's own files: their partitions may be new */
	*pending_out = NIL;
	if (pending != NIL)
		group_table_init(&pparts, list_length(pending));
	foreach(lc, pending)
	{
		LakeDataFile *f = lfirst(lc);
		const char *part = f->partition ? f->partition : "";
		bool		seen;
		GroupSlot  *g = group_lookup(&pparts, part, 0, &seen);

		if (!seen)
		{
			g->verdict = file_may_match(ps, part_pred, f) ? 1 : -1;
			if (LakePartIndexFind(ix, part) < 0)
			{
				parts_used++;
				parts_read += g->verdict > 0;
			}
		}
		if (g->verdict < 0)
			continue;
		if (buckets && f->bucket >= 0 && f->bucket < ps->buckets && !buckets[f->bucket])
			continue;
		if (!file_may_match(ps, ps->nkey == 0 ? ps->predicate : key_pred, f))
			continue;
		*pending_out = lappend(*pending_out, f);
	}
	stats->files_total = ix->nfiles + list_length(pending);
	stats->partitions_total = ix->nparts + parts_used;
	stats->partitions_read = parts_read;
	if (pending != NIL)
	{
		pfree(pparts.slots);
		if (ps->nkey > 0)
			pfree(pgroups.slots);
	}
	pfree(kept);
	if (cand)
		pfree(cand);
}

void
LakePruneFiles(const LakePruneSpec *ps, List *files, List *pending,
			   List **files_out, List **pending_out, bool **full_out,
			   const LakePredicate **key_pred_out, LakeScanStats *stats)
{
	bool	   *is_key = palloc0(sizeof(bool) * Max(ps->ncolumns, 1));
	const LakePredicate *key_pred;
	const LakePredicate *part_pred;
	GroupTable	parts;			/* partitions met, with their verdicts */
	GroupTable	groups;			/* built when first needed */
	bool		have_groups = false;
	int			parts_pruned = 0;
	bool	   *full;
	int			nfull = 0;
	ListCell   *lc;
	bool		partitioned = false;
	bool	   *buckets = key_buckets(ps);

	for (int k = 0; k < ps->nkey; k++)
		is_key[ps->key_cols[k]] = true;
	for (int i = 0; i < ps->ncolumns; i++)
		partitioned |= ps->partition_col[i];
	key_pred = ps->nkey > 0 ? LakePredRestrict(ps->predicate, is_key) : ps->predicate;
	part_pred = LakePredRestrict(ps->predicate, ps->partition_col);
	*key_pred_out = key_pred;
	if (partitioned && ps->index != NULL)
	{
		Assert(ps->index->list == files);
		prune_indexed(ps, part_pred, key_pred, buckets, pending,
					  files_out, pending_out, full_out, stats);
		pfree(is_key);
		return;
	}
	*files_out = NIL;
	*pending_out = NIL;
	full = palloc0(sizeof(bool) * (list_length(files) + 1));
	memset(&parts, 0, sizeof(parts));
	if (partitioned)
		group_table_init(&parts, list_length(files) + list_length(pending));

	for (int pass = 0; pass < 2; pass++)
	{
		List	   *in = pass == 0 ? files : pending;

		foreach(lc, in)
		{
			LakeDataFile *f = lfirst(lc);
			const char *part = f->partition ? f->partition : "";
			bool		full_pred;
			bool		pruned = false;

			CHECK_FOR_INTERRUPTS();
			/* partition level: once per partition */
			if (partitioned)
			{
				bool		seen;
				GroupSlot  *g = group_lookup(&parts, part, 0, &seen);

				if (!seen)
				{
					g->verdict = file_may_match(ps, part_pred, f) ? 1 : -1;
					if (g->verdict < 0)
						parts_pruned++;
				}
				pruned = g->verdict < 0;
			}

			/* bucket */
			if (!pruned && buckets && f->bucket >= 0 && f->bucket < ps->buckets &&
				!buckets[f->bucket])
				pruned = true;
			if (pruned)
				continue;

			/*
			 * file level: the key predicate holds for every version of a
			 * key; the whole predicate only where f holds the one version
			 * of each of its keys (the only file of its group)
			 */
			full_pred = ps->nkey == 0;
			if (!full_pred && pass == 0 && f->level >= 1)
			{
				bool		found;

				if (!have_groups)
				{
					group_counts(&groups, files, pending);
					have_groups = true;
				}
				full_pred = group_lookup(&groups, part, f->bucket, &found)->count == 1;
			}
			if (!file_may_match(ps, full_pred ? ps->predicate : key_pred, f))
				continue;
			if (pass == 0)
			{
				*files_out = lappend(*files_out, f);
				full[nfull++] = full_pred;
			}
			else
				*pending_out = lappend(*pending_out, f);
		}
	}
	stats->files_total = list_length(files) + list_length(pending);
	stats->partitions_total = parts.used;
	stats->partitions_read = parts.used - parts_pruned;
	*full_out = full;
	if (partitioned)
		pfree(parts.slots);
	if (have_groups)
		pfree(groups.slots);
	pfree(is_key);
}

void
LakeScanStatsAdd(LakeScanStats *a, const LakeScanStats *b)
{
	a->files_total += b->files_total;
	a->files_read += b->files_read;
	a->rows_read += b->rows_read;
	a->bytes_read += b->bytes_read;
	a->pending_rows += b->pending_rows;
	a->partitions_total += b->partitions_total;
	a->partitions_read += b->partitions_read;
	a->row_groups_total += b->row_groups_total;
	a->row_groups_read += b->row_groups_read;
	a->pages_total += b->pages_total;
	a->pages_read += b->pages_read;
	a->bloom_rejected += b->bloom_rejected;
	a->key_seeks += b->key_seeks;
}
