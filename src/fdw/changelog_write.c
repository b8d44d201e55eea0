/*-------------------------------------------------------------------------
 * changelog_write.c
 *	  Changelog 'lookup': at commit, the writer looks up the version each
 *	  key had before the commit and writes changelog files with the exact
 *	  changes (+I, -U/+U pairs, -D with the deleted values), added to the
 *	  same snapshot as its data files.
 *
 * For every partition and bucket the commit writes to or empties (a
 * partition-wide DELETE, TRUNCATE), the rows before and after the commit
 * are compared in key order: "before" = the versions the committed files
 * give the keys; "after" = the same folded with the commit's own records,
 * and without the files the commit drops, exactly as a reader will.  A key
 * only before is -D, only after +I, in both with different rows -U/+U,
 * with equal rows nothing.  The caller makes the commit fail with 40001 if
 * another commit touching one of the keys it writes lands before it
 * (xact.c), so the before-images stay exact.
 *
 * What is read of the committed files (the cost of a commit):
 * - files whose key-column bounds miss the range of keys the commit
 *   writes are left out (their keys cannot change), and a key predicate
 *   (that range; for a few keys, the keys themselves) skips row groups
 *   and pages of the others (page index);
 * - when the commit writes few keys for the size of the bucket ("fold
 *   once", no sequence_column, no dropped files), the committed files are
 *   read once, each on its own without merging the bucket's runs: the
 *   stored records (kind, ops) of exactly the written keys are kept in
 *   memory and folded per key, oldest first, into the "before" rows, onto
 *   which the one pass below folds the commit's records.  Beyond
 *   FOLD_IN_MEMORY_KEYS written keys those records are copied, oldest
 *   first, into a temporary data file instead, and the two merged reads
 *   below run over it (deleted at once; a crash leaves an orphan for
 *   orphan cleanup);
 * - a commit writing many keys for the bucket's size ("one pass", no
 *   sequence_column, no dropped files): one merged read of the committed
 *   files ("before") meets the commit's own records, read file by file in key order;
 *   at each written key the committed row is folded as a SET record, then
 *   the commit's records (without a sequence_column a fold depends only on
 *   the row so far), which gives "after" without a second merged read
 *   (where the bucket has committed rows; else the commit's records are
 *   merged as a reader would);
 * - otherwise (sequence_column, dropped files) two merged reads, "before"
 *   and "after", joined on the key.
 * One writing a few keys spread over a big bucket still reads (once) every
 * page that holds one of them, every column of it.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/fdw.h"
#include "io/io.h"
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
		   List *files, List *pending, const LakePredicate *pred, MemoryContext cxt)
{
	LakeScanSpec ss;

	LakeScanSpecForBucket(&ss, spec, merge, wanted, LakeScanSortFiles(list_copy(files)));
	ss.pending_files = pending;
	/* key-only: safe on every file of a merge (invariant 5) */
	ss.predicate = pred;
	ss.key_predicate = pred;
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
 * A key predicate: per key column, between lo[k] and hi[k]; with values
 * (nvalues rows of Datums, key columns set), also one of those values.
 */
#define FEW_KEYS 32
#define SLOT_MAX 64				/* bytes of a value in vector slot form, at most */
/* at most this many written keys have their committed versions folded in memory */
#define FOLD_IN_MEMORY_KEYS 65536

static const LakePredicate *
key_predicate(const LakeFlushSpec *spec, const PqValue *lo, const PqValue *hi,
			  Datum **values, int nvalues)
{
	List	   *args = NIL;

	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];

		args = lappend(args, LakePredLeaf(LAKE_PRED_CMP, LAKE_OP_GE, c, 1, &lo[k]));
		args = lappend(args, LakePredLeaf(LAKE_PRED_CMP, LAKE_OP_LE, c, 1, &hi[k]));
		if (values != NULL && nvalues > 0 && nvalues <= FEW_KEYS)
		{
			PqValue    *in = palloc(sizeof(PqValue) * nvalues);

			for (int i = 0; i < nvalues; i++)
				LakeDatumToPqValue(&spec->types[c], values[i][c], &in[i]);
			args = lappend(args, LakePredLeaf(LAKE_PRED_IN, LAKE_OP_EQ, c, nvalues, in));
		}
	}
	return LakePredAnd(args);
}

static void diff_scans(const LakeFlushSpec *spec, const LakeMergeConfig *merge,
					   const bool *wanted, List *before, List *after, List *pending,
					   const LakePredicate *pred, LakeWriteBuffer *out, MemoryContext cxt);

typedef struct KeySortArg
{
	const LakeFlushSpec *spec;
	char	   *bufa;
	char	   *bufb;
} KeySortArg;

static int
key_sort_cmp(const void *a, const void *b, void *arg)
{
	KeySortArg *ka = arg;

	return key_cmp(ka->spec, *(Datum *const *) a, *(Datum *const *) b, ka->bufa, ka->bufb);
}

/*
 * The keys the commit's records in pending carry, sorted and distinct:
 * rows of Datums with the key columns set.  Tombstones count: they are
 * read as records, not merged.
 */
static Datum **
written_keys(const LakeFlushSpec *spec, List *pending, int *nkeys)
{
	const char **names = palloc0(sizeof(char *) * Max(spec->ncolumns, 1));
	int			cap = 64;
	int			n = 0;
	Datum	  **keys = palloc(sizeof(Datum *) * cap);
	char		bufa[64];
	char		bufb[64];
	KeySortArg	ka = {spec, bufa, bufb};
	int			out = 0;
	ListCell   *lc;

	for (int k = 0; k < spec->nkey; k++)
		names[spec->key_cols[k]] = spec->names[spec->key_cols[k]];
	foreach(lc, pending)
	{
		LakeDataFile *f = lfirst(lc);
		char	   *path = psprintf("%s/%s/%s", spec->root, spec->table_dir_rel, f->path);
		LakeFileReader *r = LakeFileReaderOpen(path, path);
		LakeFileBatch batch;

		LakeFileReaderProject(r, spec->ncolumns, names, spec->types, false);
		while (LakeFileReaderNext(r, &batch))
		{
			for (uint32 i = 0; i < batch.nrows; i++)
			{
				Datum	   *row = palloc0(sizeof(Datum) * Max(spec->ncolumns, 1));

				CHECK_FOR_INTERRUPTS();
				for (int k = 0; k < spec->nkey; k++)
				{
					int			c = spec->key_cols[k];
					bool		isnull;

					LakeVectorToDatums(&spec->types[c], &batch.columns[c], i, 1,
									   &row[c], &isnull);
				}
				if (n == cap)
				{
					cap *= 2;
					keys = repalloc_huge(keys, sizeof(Datum *) * cap);
				}
				keys[n++] = row;
			}
		}
		LakeFileReaderClose(r);
	}
	qsort_arg(keys, n, sizeof(Datum *), key_sort_cmp, &ka);
	for (int i = 0; i < n; i++)
		if (out == 0 || key_cmp(spec, keys[out - 1], keys[i], bufa, bufb) != 0)
			keys[out++] = keys[i];
	*nkeys = out;
	return keys;
}

/* Where fold_pass takes the committed rows from, in key order */
typedef struct BeforeRows
{
	LakeScan   *scan;			/* a merged read; or NULL and: */
	Datum	  **rows;			/* [n] rows folded in memory, key order */
	bool	  **nulls;
	int			n;
	int			next;
} BeforeRows;

static bool
before_next(BeforeRows *br, int ncolumns, Datum *values, bool *isnull)
{
	if (br->scan)
		return LakeScanNext(br->scan, values, isnull);
	if (br->next >= br->n)
		return false;
	memcpy(values, br->rows[br->next], sizeof(Datum) * ncolumns);
	memcpy(isnull, br->nulls[br->next], sizeof(bool) * ncolumns);
	br->next++;
	return true;
}

/* one stored version of a written key */
typedef struct KeyVersion
{
	int			key;			/* index into the written keys */
	int			order;			/* arrival: files in version order, rows in
								 * file order */
	LakeRecordKind kind;
	PqBytes		ops;			/* ptr NULL: none */
	Datum	   *values;
	bool	   *nulls;
} KeyVersion;

static int
key_version_cmp(const void *a, const void *b)
{
	const KeyVersion *x = a;
	const KeyVersion *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* One row of Datums as one-row vectors (by-reference bytes borrowed) */
static void
row_to_vectors(const LakeFlushSpec *spec, const Datum *values, const bool *nulls,
			   PqColumnVector *vec, uint8 *vnulls)
{
	for (int c = 0; c < spec->ncolumns; c++)
	{
		vnulls[c] = nulls[c];
		if (!nulls[c])
			LakeDatumToValue(&spec->types[c], values[c], vec[c].v.b, borrow_bytes, NULL);
	}
}

/* One-row vectors for row_to_vectors, in CurrentMemoryContext */
static PqColumnVector *
row_vectors(const LakeFlushSpec *spec, uint8 **vnulls)
{
	int			n = Max(spec->ncolumns, 1);
	PqColumnVector *vec = palloc0(sizeof(PqColumnVector) * n);
	uint8	   *store = palloc0(SLOT_MAX * n);

	*vnulls = palloc0(n);
	for (int c = 0; c < spec->ncolumns; c++)
	{
		vec[c].type = spec->types[c].pqtype;
		vec[c].count = 1;
		vec[c].nulls = &(*vnulls)[c];
		vec[c].v.b = store + SLOT_MAX * c;
	}
	return vec;
}

/* The written keys (sorted, distinct) in vector slot form, per key column. */
static void
raw_keys(const LakeFlushSpec *spec, Datum **keys, int nkeys, char **raw, size_t *size)
{
	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];

		size[k] = LakeTypeValueSize(&spec->types[c]);
		raw[k] = palloc(size[k] * nkeys);
		for (int j = 0; j < nkeys; j++)
			LakeDatumToValue(&spec->types[c], keys[j][c], raw[k] + size[k] * j,
							 borrow_bytes, NULL);
	}
}

/*
 * Advance *i over the written keys below the key of row of b (files are
 * sorted by key, so *i only moves forward); true if written key *i is that
 * row's key.
 */
static bool
seek_written_key(const LakeFlushSpec *spec, char *const *raw, const size_t *size,
				 int nkeys, const LakeFileBatch *b, uint32 row, int *i)
{
	for (; *i < nkeys; (*i)++)
	{
		int			cmp = 0;

		for (int k = 0; k < spec->nkey && cmp == 0; k++)
			cmp = LakeValueCompareRaw(&spec->types[spec->key_cols[k]],
									  raw[k] + size[k] * *i,
									  (const char *) b->columns[spec->key_cols[k]].v.b +
									  size[k] * row);
		if (cmp >= 0)
			return cmp == 0;
	}
	return false;
}

/*
 * A committed file's records (key, values, kind and ops), with the rows a
 * savepoint rollback left beyond its manifest entry to be skipped by the
 * caller (*filter), and pred (may be NULL) skipping row groups and pages.
 */
static LakeFileReader *
open_records(const LakeFlushSpec *spec, LakeDataFile *f, const LakePredicate *pred,
			 LakeScanStats *stats, bool *filter)
{
	char	   *path = psprintf("%s/%s/%s", spec->root, spec->table_dir_rel, f->path);
	LakeFileReader *r = LakeFileReaderOpen(path, path);

	*filter = LakeFileReaderNumRows(r) != f->row_count;
	LakeFileReaderProjectRecords(r, spec->ncolumns, spec->names, spec->types,
								 *filter, true);
	if (pred)
		LakeFileReaderSetPredicate(r, pred, spec->ncolumns, spec->names, stats);
	return r;
}

/*
 * Fold once, for a commit writing few keys for the bucket's size: every
 * version the committed files hold of the written keys (keys[0..nkeys),
 * sorted) is kept in memory, each committed file read on its own (sorted
 * by key, row groups and pages skipped by pred): no merge of the bucket's
 * runs, and only the rows of written keys become Datums.  Folded per key,
 * oldest first (files in version order, rows in file order), they give
 * the "before" rows, into *br in key order.  No sequence_column.
 */
static void
committed_fold(const LakeFlushSpec *spec, const LakeMergeConfig *merge, List *files,
			   Datum **keys, int nkeys, const LakePredicate *pred, BeforeRows *br)
{
	int			n = Max(spec->ncolumns, 1);
	char	  **raw = palloc(sizeof(char *) * Max(spec->nkey, 1));
	size_t	   *size = palloc(sizeof(size_t) * Max(spec->nkey, 1));
	bool	   *all = palloc(sizeof(bool) * n);
	int			cap = 64;
	int			nv = 0;
	KeyVersion *vers = palloc(sizeof(KeyVersion) * cap);
	PqColumnVector *vec;
	uint8	   *vnulls;
	LakeMergeState *ms;
	LakeScanStats stats;
	ListCell   *lc;

	raw_keys(spec, keys, nkeys, raw, size);
	memset(&stats, 0, sizeof(stats));
	foreach(lc, LakeScanSortFiles(list_copy(files)))
	{
		LakeDataFile *f = lfirst(lc);
		bool		filter;
		LakeFileReader *r = open_records(spec, f, pred, &stats, &filter);
		LakeFileBatch b;
		int			i = 0;

		while (i < nkeys && LakeFileReaderNext(r, &b))
		{
			CHECK_FOR_INTERRUPTS();
			for (uint32 row = 0; row < b.nrows && i < nkeys; row++)
			{
				KeyVersion *v;

				/* rows a savepoint rollback left beyond the entry's range */
				if (filter && b.seq && b.seq[row] > f->max_sequence)
					continue;
				if (!seek_written_key(spec, raw, size, nkeys, &b, row, &i))
					continue;
				/* a version of a written key (a key may have several) */
				if (nv == cap)
				{
					cap *= 2;
					vers = repalloc_huge(vers, sizeof(KeyVersion) * cap);
				}
				v = &vers[nv];
				v->key = i;
				v->order = nv++;
				v->kind = b.kind ? (LakeRecordKind) b.kind[row] : LAKE_REC_ENGINE;
				v->ops.ptr = NULL;
				v->ops.len = 0;
				if (v->kind == LAKE_REC_OPS && b.ops && !(b.ops->nulls && b.ops->nulls[row]))
				{
					uint8	   *copy = palloc(Max(b.ops->v.bytes[row].len, 1));

					memcpy(copy, b.ops->v.bytes[row].ptr, b.ops->v.bytes[row].len);
					v->ops.ptr = copy;
					v->ops.len = b.ops->v.bytes[row].len;
				}
				v->values = palloc(sizeof(Datum) * n);
				v->nulls = palloc(sizeof(bool) * n);
				for (int c = 0; c < spec->ncolumns; c++)
				{
					/* NULLs as stored (e.g. a column added later) */
					if (b.absent[c])
					{
						v->values[c] = (Datum) 0;
						v->nulls[c] = true;
					}
					else
						LakeVectorToDatums(&spec->types[c], &b.columns[c], row, 1,
										   &v->values[c], &v->nulls[c]);
				}
			}
		}
		LakeFileReaderClose(r);
	}

	/* fold each key's versions, oldest first */
	qsort(vers, nv, sizeof(KeyVersion), key_version_cmp);
	for (int c = 0; c < spec->ncolumns; c++)
		all[c] = true;
	ms = LakeMergeStateCreate(merge, all, CurrentMemoryContext);
	vec = row_vectors(spec, &vnulls);
	memset(br, 0, sizeof(BeforeRows));
	br->rows = palloc(sizeof(Datum *) * Max(nkeys, 1));
	br->nulls = palloc(sizeof(bool *) * Max(nkeys, 1));
	for (int j = 0; j < nv;)
	{
		int			key = vers[j].key;

		CHECK_FOR_INTERRUPTS();
		LakeMergeStateReset(ms);
		for (; j < nv && vers[j].key == key; j++)
		{
			row_to_vectors(spec, vers[j].values, vers[j].nulls, vec, vnulls);
			LakeMergeStateAdd(ms, vers[j].kind, vers[j].ops.ptr ? &vers[j].ops : NULL,
							  vec, NULL, 0);
		}
		if (LakeMergeStateFinish(ms))
		{
			const PqColumnVector *cols = LakeMergeStateColumns(ms);
			Datum	   *row = palloc(sizeof(Datum) * n);
			bool	   *rn = palloc(sizeof(bool) * n);

			for (int c = 0; c < spec->ncolumns; c++)
				LakeVectorToDatums(&spec->types[c], &cols[c], 0, 1, &row[c], &rn[c]);
			br->rows[br->n] = row;
			br->nulls[br->n] = rn;
			br->n++;
		}
	}
	elog(DEBUG1, "lake_fdw changelog: %d written keys, %d committed files read once, %d versions folded",
		 nkeys, list_length(files), nv);
}

/*
 * Fold once, for many written keys: every version the committed files
 * hold of the written keys (keys[0..nkeys), sorted), copied as records (kind, ops) into temporary
 * data files, oldest first: merged alone they give the "before" rows, with
 * the commit's records the "after" rows.  Each committed file is read on
 * its own, sorted by key, skipping row groups and pages by pred: no merge
 * of the bucket's runs, and only the rows of written keys become Datums.
 */
static List *
before_versions(const LakeFlushSpec *spec, List *files, Datum **keys, int nkeys,
				const LakePredicate *pred, MemoryContext cxt)
{
	LakeFlushSpec dspec = *spec;
	LakeWriteBuffer *buf;
	Datum	   *v = palloc0(sizeof(Datum) * Max(spec->ncolumns, 1));
	bool	   *vn = palloc0(sizeof(bool) * Max(spec->ncolumns, 1));
	char	  **raw = palloc(sizeof(char *) * Max(spec->nkey, 1));
	size_t	   *size = palloc(sizeof(size_t) * Max(spec->nkey, 1));
	MemoryContext row_cxt = AllocSetContextCreate(cxt, "lake_fdw changelog row",
												  ALLOCSET_SMALL_SIZES);
	LakeScanStats stats;
	ListCell   *lc;

	raw_keys(spec, keys, nkeys, raw, size);
	memset(&stats, 0, sizeof(stats));
	/* copies of stored records: NULLs as they were (e.g. a column added later) */
	dspec.not_null = palloc0(sizeof(bool) * Max(spec->ncolumns, 1));
	dspec.changelog = false;
	buf = LakeWriteBufferCreate(cxt, &dspec);
	foreach(lc, LakeScanSortFiles(list_copy(files)))
	{
		LakeDataFile *f = lfirst(lc);
		bool		filter;
		LakeFileReader *r = open_records(spec, f, pred, &stats, &filter);
		LakeFileBatch b;
		int			i = 0;

		while (i < nkeys && LakeFileReaderNext(r, &b))
		{
			CHECK_FOR_INTERRUPTS();
			for (uint32 row = 0; row < b.nrows && i < nkeys; row++)
			{
				LakeRecordKind kind;
				char	   *ops = NULL;

				/* rows a savepoint rollback left beyond the entry's range */
				if (filter && b.seq && b.seq[row] > f->max_sequence)
					continue;
				if (!seek_written_key(spec, raw, size, nkeys, &b, row, &i))
					continue;
				/* a version of a written key: keep the record (key may repeat) */
				MemoryContextReset(row_cxt);
				MemoryContextSwitchTo(row_cxt);
				for (int c = 0; c < spec->ncolumns; c++)
				{
					if (b.absent[c])
					{
						v[c] = (Datum) 0;
						vn[c] = true;
					}
					else
						LakeVectorToDatums(&spec->types[c], &b.columns[c], row, 1,
										   &v[c], &vn[c]);
				}
				kind = b.kind ? (LakeRecordKind) b.kind[row] : LAKE_REC_ENGINE;
				if (kind == LAKE_REC_OPS && b.ops && !(b.ops->nulls && b.ops->nulls[row]))
					ops = pnstrdup((const char *) b.ops->v.bytes[row].ptr,
								   b.ops->v.bytes[row].len);
				MemoryContextSwitchTo(cxt);
				LakeWriteBufferAppendRecord(buf, v, vn, kind, ops);
			}
		}
		LakeFileReaderClose(r);
	}
	return LakeWriteBufferFlush(buf);
}

static void
unlink_files(const LakeFlushSpec *spec, List *files)
{
	ListCell   *lc;

	foreach(lc, files)
		LakeUnlinkQuiet(psprintf("%s/%s/%s", spec->root, spec->table_dir_rel,
								 ((LakeDataFile *) lfirst(lc))->path));
}

static int64
rows_of(List *files)
{
	int64		n = 0;
	ListCell   *lc;

	foreach(lc, files)
		n += ((LakeDataFile *) lfirst(lc))->row_count;
	return n;
}

/* ---------------------------------------------------------------------
 * One pass for large commits
 * ---------------------------------------------------------------------
 */

/* One of the commit's own files, read record by record (key order) */
typedef struct OwnCursor
{
	LakeDataFile *file;			/* borrowed */
	LakeFileReader *reader;		/* NULL once exhausted */
	MemoryContext batch_cxt;	/* reset per batch */
	LakeFileBatch batch;
	uint32		row;
	bool		have_batch;
	bool		filter;			/* drop rows beyond file->max_sequence */
	bool		valid;			/* positioned on a record */
} OwnCursor;

/* Move to the first kept record at or after the current row */
static void
own_settle(OwnCursor *oc)
{
	for (;;)
	{
		MemoryContext old;
		bool		got;

		if (oc->have_batch)
		{
			/* rows a savepoint rollback left beyond the entry's range */
			while (oc->row < oc->batch.nrows && oc->filter && oc->batch.seq &&
				   oc->batch.seq[oc->row] > oc->file->max_sequence)
				oc->row++;
			if (oc->row < oc->batch.nrows)
			{
				oc->valid = true;
				return;
			}
		}
		oc->have_batch = false;
		oc->valid = false;
		if (oc->reader == NULL)
			return;
		MemoryContextReset(oc->batch_cxt);
		old = MemoryContextSwitchTo(oc->batch_cxt);
		got = LakeFileReaderNext(oc->reader, &oc->batch);
		MemoryContextSwitchTo(old);
		if (!got)
		{
			LakeFileReaderClose(oc->reader);
			oc->reader = NULL;
			return;
		}
		oc->have_batch = true;
		oc->row = 0;
	}
}

/* Key column k of the cursor's current record, in vector slot form */
static const char *
own_key(const LakeFlushSpec *spec, const OwnCursor *oc, int k)
{
	int			c = spec->key_cols[k];

	return (const char *) oc->batch.columns[c].v.b +
		LakeTypeValueSize(&spec->types[c]) * oc->row;
}

/* Key order of the cursor's record against key (slot form per key column) */
static int
own_cmp(const LakeFlushSpec *spec, const OwnCursor *oc, char *const *key)
{
	for (int k = 0; k < spec->nkey; k++)
	{
		int			r = LakeValueCompareRaw(&spec->types[spec->key_cols[k]],
											own_key(spec, oc, k), key[k]);

		if (r != 0)
			return r;
	}
	return 0;
}

/* Key order of a row of Datums against key (slot form) */
static int
row_cmp(const LakeFlushSpec *spec, const Datum *row, char *const *key, char *buf)
{
	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];
		int			r;

		LakeDatumToValue(&spec->types[c], row[c], buf, borrow_bytes, NULL);
		r = LakeValueCompareRaw(&spec->types[c], buf, key[k]);
		if (r != 0)
			return r;
	}
	return 0;
}

static bool
is_bytes(const LakeTypeInfo *ti)
{
	return ti->pqtype == PQ_STRING || ti->pqtype == PQ_BYTES ||
		ti->pqtype == PQ_JSON || ti->pqtype == PQ_UUID;
}

/*
 * The changes of a large commit in one partition+bucket, in one pass: the
 * merged read of the committed files ("before", in key order) meets the
 * commit's own records (its files are sorted by key, in commit order
 * among themselves).  At each key the commit writes, the committed row
 * (if any) is folded as a SET record, then the commit's records in order:
 * without a sequence_column a fold depends only on the current row, so
 * this gives what a reader of the new snapshot folds.  Keys the commit
 * does not write are unchanged (no files are dropped on this path) and
 * are passed over; the read stops after the last written key.
 */
static void
fold_pass(const LakeFlushSpec *spec, const LakeMergeConfig *merge, BeforeRows *br,
		  List *pending, LakeWriteBuffer *out, MemoryContext cxt)
{
	int			n = Max(spec->ncolumns, 1);
	int			nown = list_length(pending);
	bool	   *wanted = palloc(sizeof(bool) * n);
	Datum	   *bv = palloc0(sizeof(Datum) * n);
	bool	   *bn = palloc0(sizeof(bool) * n);
	Datum	   *av = palloc0(sizeof(Datum) * n);
	bool	   *an = palloc0(sizeof(bool) * n);
	uint8	   *bnulls;
	PqColumnVector *brow = row_vectors(spec, &bnulls);
	char	  **key = palloc(sizeof(char *) * Max(spec->nkey, 1));
	OwnCursor  *own = palloc0(sizeof(OwnCursor) * Max(nown, 1));
	MemoryContext key_cxt = AllocSetContextCreate(cxt, "lake_fdw changelog key",
												  ALLOCSET_SMALL_SIZES);
	LakeMergeState *ms;
	bool		bvalid;
	char		buf[SLOT_MAX];
	int			j = 0;
	ListCell   *lc;

	for (int c = 0; c < spec->ncolumns; c++)
		wanted[c] = true;
	for (int k = 0; k < spec->nkey; k++)
		key[k] = palloc0(SLOT_MAX);
	ms = LakeMergeStateCreate(merge, wanted, cxt);
	foreach(lc, pending)
	{
		OwnCursor  *oc = &own[j++];
		char	   *path;

		oc->file = lfirst(lc);
		path = psprintf("%s/%s/%s", spec->root, spec->table_dir_rel, oc->file->path);
		oc->reader = LakeFileReaderOpen(path, path);
		oc->filter = LakeFileReaderNumRows(oc->reader) != oc->file->row_count;
		LakeFileReaderProjectRecords(oc->reader, spec->ncolumns, spec->names, spec->types,
									 oc->filter, true);
		oc->batch_cxt = AllocSetContextCreate(cxt, "lake_fdw changelog own batch",
											  ALLOCSET_DEFAULT_SIZES);
		own_settle(oc);
	}

	bvalid = before_next(br, spec->ncolumns, bv, bn);
	for (;;)
	{
		int			m = -1;
		int			cmp = 1;
		bool		had;
		bool		present;

		CHECK_FOR_INTERRUPTS();
		/* the lowest key among the commit's records */
		for (int i = 0; i < nown; i++)
		{
			if (!own[i].valid)
				continue;
			if (m >= 0)
			{
				int			r = 0;

				for (int k = 0; k < spec->nkey && r == 0; k++)
					r = LakeValueCompareRaw(&spec->types[spec->key_cols[k]],
											own_key(spec, &own[i], k), own_key(spec, &own[m], k));
				if (r >= 0)
					continue;
			}
			m = i;
		}
		if (m < 0)
			break;
		MemoryContextReset(key_cxt);
		for (int k = 0; k < spec->nkey; k++)
		{
			const LakeTypeInfo *ti = &spec->types[spec->key_cols[k]];

			memcpy(key[k], own_key(spec, &own[m], k), LakeTypeValueSize(ti));
			if (is_bytes(ti))
			{
				PqBytes    *b = (PqBytes *) key[k];
				uint8	   *copy = MemoryContextAlloc(key_cxt, Max(b->len, 1));

				memcpy(copy, b->ptr, b->len);
				b->ptr = copy;
			}
		}

		/* committed keys below it are unchanged */
		while (bvalid && (cmp = row_cmp(spec, bv, key, buf)) < 0)
		{
			CHECK_FOR_INTERRUPTS();
			bvalid = before_next(br, spec->ncolumns, bv, bn);
		}
		had = bvalid && cmp == 0;

		LakeMergeStateReset(ms);
		if (had)
		{
			LakeRecordKind first = LAKE_REC_ENGINE;

			/* the key's first own record: does it discard the row so far? */
			for (int i = 0; i < nown; i++)
				if (own[i].valid && own_cmp(spec, &own[i], key) == 0)
				{
					if (own[i].batch.kind)
						first = (LakeRecordKind) own[i].batch.kind[own[i].row];
					break;
				}
			if (!(first == LAKE_REC_SET || first == LAKE_REC_DELETE ||
				  (first == LAKE_REC_ENGINE && merge->engine_replaces)))
			{
				row_to_vectors(spec, bv, bn, brow, bnulls);
				LakeMergeStateAdd(ms, LAKE_REC_SET, NULL, brow, NULL, 0);
			}
		}
		for (int i = 0; i < nown; i++)
		{
			OwnCursor  *oc = &own[i];

			while (oc->valid && own_cmp(spec, oc, key) == 0)
			{
				const LakeFileBatch *b = &oc->batch;
				uint32		r = oc->row;
				LakeRecordKind kind = b->kind ? (LakeRecordKind) b->kind[r] : LAKE_REC_ENGINE;
				const PqBytes *ops = NULL;

				if (kind == LAKE_REC_OPS && b->ops && !(b->ops->nulls && b->ops->nulls[r]))
					ops = &b->ops->v.bytes[r];
				LakeMergeStateAdd(ms, kind, ops, b->columns, b->absent, r);
				oc->row++;
				own_settle(oc);
			}
		}
		present = LakeMergeStateFinish(ms);
		if (present)
		{
			const PqColumnVector *cols = LakeMergeStateColumns(ms);
			MemoryContext old = MemoryContextSwitchTo(key_cxt);

			for (int c = 0; c < spec->ncolumns; c++)
				LakeVectorToDatums(&spec->types[c], &cols[c], 0, 1, &av[c], &an[c]);
			MemoryContextSwitchTo(old);
		}
		if (had && present)
		{
			if (!rows_equal(spec, bv, bn, av, an))
			{
				LakeWriteBufferAppendChange(out, bv, bn, LAKE_CHANGE_UPDATE_BEFORE);
				LakeWriteBufferAppendChange(out, av, an, LAKE_CHANGE_UPDATE_AFTER);
			}
		}
		else if (had)
			LakeWriteBufferAppendChange(out, bv, bn, LAKE_CHANGE_DELETE);
		else if (present)
			LakeWriteBufferAppendChange(out, av, an, LAKE_CHANGE_INSERT);
		if (had)
			bvalid = before_next(br, spec->ncolumns, bv, bn);
	}
	elog(DEBUG1, "lake_fdw changelog: one pass over the committed rows and %d own files", nown);
	for (int i = 0; i < nown; i++)
		if (own[i].reader)
			LakeFileReaderClose(own[i].reader);
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
	PqValue    *lo = palloc0(sizeof(PqValue) * Max(spec->nkey, 1));
	PqValue    *hi = palloc0(sizeof(PqValue) * Max(spec->nkey, 1));
	const LakePredicate *pred = NULL;
	List	   *volatile temp = NIL;
	ListCell   *lc;

	for (int c = 0; c < spec->ncolumns; c++)
	{
		wanted[c] = true;
		if (LakeTypeValueSize(&spec->types[c]) > 64)
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

	if (prune && merge != NULL && merge->sequence_col < 0 &&
		rows_of(pending) * 4 <= rows_of(before))
	{
		/* few keys for the bucket's size: fold their committed versions once */
		int			nkeys;
		Datum	  **keys = written_keys(spec, pending, &nkeys);

		if (nkeys > 0 && nkeys <= FOLD_IN_MEMORY_KEYS)
		{
			BeforeRows	br;

			committed_fold(spec, merge, before, keys, nkeys,
						   key_predicate(spec, lo, hi, keys, nkeys), &br);
			fold_pass(spec, merge, &br, pending, out, cxt);
			MemoryContextSwitchTo(old);
			return;
		}
		if (nkeys > 0)
		{
			/* too many to keep in memory: their versions go to a temporary file */
			pred = key_predicate(spec, lo, hi, keys, nkeys);
			temp = before_versions(spec, before, keys, nkeys, pred, cxt);
			elog(DEBUG1, "lake_fdw changelog: %d written keys, %d committed files read once, %lld versions kept",
				 nkeys, list_length(before), (long long) rows_of(temp));
			before = after = temp;
			pred = NULL;
		}
	}
	else if (!any_dropped && merge != NULL && merge->sequence_col < 0 && before != NIL)
	{
		/* a large commit: one merged read of the bucket, the commit's records folded in */
		BeforeRows	br;

		memset(&br, 0, sizeof(br));
		if (prune)
			pred = key_predicate(spec, lo, hi, NULL, 0);
		br.scan = group_scan(spec, merge, wanted, before, NIL, pred, cxt);
		fold_pass(spec, merge, &br, pending, out, cxt);
		LakeScanEnd(br.scan);
		MemoryContextSwitchTo(old);
		return;
	}
	else if (prune)
		pred = key_predicate(spec, lo, hi, NULL, 0);

	PG_TRY();
	{
		diff_scans(spec, merge, wanted, before, after, pending, pred, out, cxt);
	}
	PG_FINALLY();
	{
		unlink_files(spec, temp);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
}

/* Join the merged reads "before" and "after" on the key: the changes */
static void
diff_scans(const LakeFlushSpec *spec, const LakeMergeConfig *merge, const bool *wanted,
		   List *before, List *after, List *pending, const LakePredicate *pred,
		   LakeWriteBuffer *out, MemoryContext cxt)
{
	int			n = Max(spec->ncolumns, 1);
	Datum	   *bv = palloc0(sizeof(Datum) * n);
	bool	   *bn = palloc0(sizeof(bool) * n);
	Datum	   *av = palloc0(sizeof(Datum) * n);
	bool	   *an = palloc0(sizeof(bool) * n);
	char		bufa[64];
	char		bufb[64];
	LakeScan   *bscan;
	LakeScan   *ascan;
	bool		bvalid;
	bool		avalid;

	bscan = group_scan(spec, merge, wanted, before, NIL, pred, cxt);
	ascan = group_scan(spec, merge, wanted, after, pending, pred, cxt);
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
