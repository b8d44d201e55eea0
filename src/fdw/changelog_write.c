/*-------------------------------------------------------------------------
 * changelog_write.c
 *	  Changelog 'lookup': at commit, the writer looks up the version each
 *	  key had before the commit and writes changelog files with the exact
 *	  changes (+I, -U/+U pairs, -D with the deleted values), added to the
 *	  same snapshot as its data files.
 *
 * For every partition and bucket the commit writes to or empties (a
 * partition-wide DELETE, TRUNCATE), two merged reads of that bucket, both
 * in key order, are joined on the key: "before" = the live files of the
 * snapshot the commit follows; "after" = the same minus the files the
 * commit drops, plus the commit's own files, folded with the table's merge
 * engine exactly as a reader will.  A key only before is -D, only after +I,
 * in both with different rows -U/+U, with equal rows nothing.  Committed
 * files whose key-column bounds miss the range of keys the commit writes
 * are left out of both reads (their keys cannot change).  The caller makes
 * the commit fail with 40001 if another commit touching one of the keys it
 * writes lands before it (xact.c), so the before-images stay exact.
 *
 * Cost: both reads cover the committed files of the buckets written that
 * overlap the written key range, so the write cost grows with their size
 * (like a compaction of them), not only with the number of changes.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/fdw.h"
#include "miscadmin.h"
#include "scan/scan.h"
#include "utils/datum.h"
#include "utils/memutils.h"

const char *
LakeSchemaChangelogMode(LakeSchema *schema)
{
	const char *v = LakeSchemaOption(schema, "changelog");

	return v ? v : "none";
}

static int
file_seq_cmp(const ListCell *a, const ListCell *b)
{
	int64		x = ((LakeDataFile *) lfirst(a))->min_sequence;
	int64		y = ((LakeDataFile *) lfirst(b))->min_sequence;

	return x < y ? -1 : x > y;
}

static bool
same_group(LakeDataFile *f, const char *partition, int32 bucket)
{
	return f->bucket == bucket && strcmp(f->partition ? f->partition : "", partition) == 0;
}

static bool
rows_equal(const LakeFlushSpec *spec, const Datum *av, const bool *an,
		   const Datum *bv, const bool *bn)
{
	for (int c = 0; c < spec->ncolumns; c++)
	{
		if (an[c] != bn[c])
			return false;
		if (!an[c] && !datumIsEqual(av[c], bv[c], spec->types[c].typbyval,
									spec->types[c].typlen))
			return false;
	}
	return true;
}

static LakeScan *
group_scan(const LakeFlushSpec *spec, const LakeMergeConfig *merge, const bool *wanted,
		   List *files, List *pending, MemoryContext cxt)
{
	LakeScanSpec ss;

	memset(&ss, 0, sizeof(ss));
	ss.root = spec->root;
	ss.table_rel = spec->table_dir_rel;
	ss.ncolumns = spec->ncolumns;
	ss.names = spec->names;
	ss.types = spec->types;
	ss.wanted = wanted;
	ss.nkey = spec->nkey;
	ss.key_cols = spec->key_cols;
	ss.merge = merge;
	ss.files = LakeScanSortFiles(list_copy(files));
	ss.pending_files = pending;
	ss.pending_buffer = NULL;
	ss.pending_limit = PG_INT64_MAX;
	return LakeScanBegin(&ss, cxt);
}

/* LakeDatumToValue's byte copier: the bytes stay where they are */
static void *
borrow_bytes(void *arg, const void *src, size_t len)
{
	return (void *) src;
}

/* Key order of two rows, as the merged scans return them */
static int
key_cmp(const LakeFlushSpec *spec, const Datum *a, const Datum *b, char *bufa, char *bufb)
{
	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];
		int			r;

		LakeDatumToValue(&spec->types[c], a[c], bufa, borrow_bytes, NULL);
		LakeDatumToValue(&spec->types[c], b[c], bufb, borrow_bytes, NULL);
		r = LakeValueCompareRaw(&spec->types[c], bufa, bufb);
		if (r != 0)
			return r;
	}
	return 0;
}

/* The bounds of one column in a file's statistics; false if unknown */
static bool
file_bounds(const LakeFlushSpec *spec, LakeDataFile *f, int c, PqValue *min, PqValue *max)
{
	for (int s = 0; s < f->nstats; s++)
	{
		LakeColumnStats *st = &f->stats[s];

		if (st->column_id != spec->column_ids[c])
			continue;
		return st->min && st->max &&
			LakeStatsDecode(st->min, &spec->types[c], min) &&
			LakeStatsDecode(st->max, &spec->types[c], max);
	}
	return false;
}

/*
 * Key ranges the commit writes in one group: per key column, the lowest
 * minimum and the highest maximum over its files.  false if unknown.
 */
static bool
written_bounds(const LakeFlushSpec *spec, List *pending, PqValue *lo, PqValue *hi)
{
	ListCell   *lc;
	bool		first = true;

	foreach(lc, pending)
	{
		LakeDataFile *f = lfirst(lc);

		for (int k = 0; k < spec->nkey; k++)
		{
			int			c = spec->key_cols[k];
			const LakeTypeInfo *ti = &spec->types[c];
			PqValue		min,
						max;

			if (!file_bounds(spec, f, c, &min, &max))
				return false;
			if (first || LakeValueCompareRaw(ti, &min.v, &lo[k].v) < 0)
				lo[k] = min;
			if (first || LakeValueCompareRaw(ti, &max.v, &hi[k].v) > 0)
				hi[k] = max;
		}
		first = false;
	}
	return !first;
}

/* Can committed file f hold a key inside the written ranges? */
static bool
file_overlaps(const LakeFlushSpec *spec, LakeDataFile *f, const PqValue *lo, const PqValue *hi)
{
	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];
		const LakeTypeInfo *ti = &spec->types[c];
		PqValue		min,
					max;

		if (!file_bounds(spec, f, c, &min, &max))
			continue;			/* unknown: it may */
		if (LakeValueCompareRaw(ti, &max.v, &lo[k].v) < 0 ||
			LakeValueCompareRaw(ti, &min.v, &hi[k].v) > 0)
			return false;
	}
	return true;
}

/*
 * Compare one partition+bucket before and after the commit: two merged
 * scans in key order, joined on the key.  Committed files that cannot hold
 * a key the commit writes are left out of both (their keys are unchanged),
 * unless the commit drops files there.
 */
static void
diff_group(const LakeFlushSpec *spec, const LakeMergeConfig *merge,
		   const char *partition, int32 bucket, List *base_files, List *added,
		   bool (*dropped) (LakeDataFile *, void *), void *arg,
		   LakeWriteBuffer *out, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	int			n = Max(spec->ncolumns, 1);
	List	   *before = NIL;
	List	   *after = NIL;
	List	   *pending = NIL;
	List	   *group = NIL;
	bool		any_dropped = false;
	bool		prune;
	bool	   *wanted = palloc(sizeof(bool) * n);
	Datum	   *bv = palloc0(sizeof(Datum) * n);
	bool	   *bn = palloc0(sizeof(bool) * n);
	Datum	   *av = palloc0(sizeof(Datum) * n);
	bool	   *an = palloc0(sizeof(bool) * n);
	PqValue    *lo = palloc0(sizeof(PqValue) * Max(spec->nkey, 1));
	PqValue    *hi = palloc0(sizeof(PqValue) * Max(spec->nkey, 1));
	char		bufa[64];
	char		bufb[64];
	LakeScan   *bscan;
	LakeScan   *ascan;
	bool		bvalid;
	bool		avalid;
	ListCell   *lc;

	for (int c = 0; c < spec->ncolumns; c++)
	{
		wanted[c] = true;
		if (LakeTypeValueSize(&spec->types[c]) > sizeof(bufa))
			elog(ERROR, "lake_fdw: key value of %zu bytes", LakeTypeValueSize(&spec->types[c]));
	}
	foreach(lc, added)
		if (same_group(lfirst(lc), partition, bucket))
			pending = lappend(pending, lfirst(lc));
	list_sort(pending, file_seq_cmp);
	foreach(lc, base_files)
	{
		LakeDataFile *f = lfirst(lc);

		if (!same_group(f, partition, bucket))
			continue;
		group = lappend(group, f);
		if (dropped && dropped(f, arg))
			any_dropped = true;
	}
	prune = !any_dropped && written_bounds(spec, pending, lo, hi);
	foreach(lc, group)
	{
		LakeDataFile *f = lfirst(lc);

		if (prune && !file_overlaps(spec, f, lo, hi))
			continue;
		before = lappend(before, f);
		if (!(dropped && dropped(f, arg)))
			after = lappend(after, f);
	}

	bscan = group_scan(spec, merge, wanted, before, NIL, cxt);
	ascan = group_scan(spec, merge, wanted, after, pending, cxt);
	bvalid = LakeScanNext(bscan, bv, bn);
	avalid = LakeScanNext(ascan, av, an);
	while (bvalid || avalid)
	{
		int			cmp;

		CHECK_FOR_INTERRUPTS();
		cmp = !bvalid ? 1 : !avalid ? -1 : key_cmp(spec, bv, av, bufa, bufb);
		if (cmp < 0)
		{
			LakeWriteBufferAppendChange(out, bv, bn, LAKE_CHANGE_DELETE);
			bvalid = LakeScanNext(bscan, bv, bn);
		}
		else if (cmp > 0)
		{
			LakeWriteBufferAppendChange(out, av, an, LAKE_CHANGE_INSERT);
			avalid = LakeScanNext(ascan, av, an);
		}
		else
		{
			if (!rows_equal(spec, bv, bn, av, an))
			{
				LakeWriteBufferAppendChange(out, bv, bn, LAKE_CHANGE_UPDATE_BEFORE);
				LakeWriteBufferAppendChange(out, av, an, LAKE_CHANGE_UPDATE_AFTER);
			}
			bvalid = LakeScanNext(bscan, bv, bn);
			avalid = LakeScanNext(ascan, av, an);
		}
	}
	LakeScanEnd(bscan);
	LakeScanEnd(ascan);
	MemoryContextSwitchTo(old);
}

typedef struct ChangeGroup
{
	char	   *partition;
	int32		bucket;
} ChangeGroup;

static List *
add_group(List *groups, LakeDataFile *f)
{
	ListCell   *lc;
	ChangeGroup	   *g;

	foreach(lc, groups)
	{
		g = lfirst(lc);
		if (same_group(f, g->partition, g->bucket))
			return groups;
	}
	g = palloc(sizeof(ChangeGroup));
	g->partition = pstrdup(f->partition ? f->partition : "");
	g->bucket = f->bucket;
	return lappend(groups, g);
}

/*
 * LakeChangelogLookupFiles
 *		The changelog files of a commit of a primary-key table that follows
 *		snapshot base (NULL: the table has none): added are the commit's
 *		data files; dropped(f, arg) says whether the commit drops committed
 *		file f.  Files are durable on return.
 */
List *
LakeChangelogLookupFiles(const LakeFlushSpec *spec, const LakeMergeConfig *merge,
						 List *base_files, List *added,
						 bool (*dropped) (LakeDataFile *, void *), void *arg)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "lake_fdw changelog lookup",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext group_cxt;
	LakeFlushSpec cspec = *spec;
	LakeWriteBuffer *out;
	List	   *groups = NIL;
	List	   *files;
	ListCell   *lc;

	MemoryContextSwitchTo(cxt);
	cspec.changelog = true;
	out = LakeWriteBufferCreate(cxt, &cspec);
	foreach(lc, added)
		groups = add_group(groups, lfirst(lc));
	if (dropped)
		foreach(lc, base_files)
			if (dropped(lfirst(lc), arg))
				groups = add_group(groups, lfirst(lc));
	group_cxt = AllocSetContextCreate(cxt, "lake_fdw changelog group", ALLOCSET_DEFAULT_SIZES);
	foreach(lc, groups)
	{
		ChangeGroup	   *g = lfirst(lc);

		diff_group(&cspec, merge, g->partition, g->bucket, base_files, added,
				   dropped, arg, out, group_cxt);
		MemoryContextReset(group_cxt);
	}
	MemoryContextSwitchTo(caller);
	files = LakeWriteBufferFlush(out);
	MemoryContextDelete(cxt);
	return files;
}
