/*-------------------------------------------------------------------------
 * lookup.c
 *	  Point lookups of one primary key's current version, as a statement
 *	  sees the table: its snapshot, the transaction's earlier writes, minus
 *	  what the transaction's drops hide.  Used by the lookup path of
 *	  INSERT ... ON CONFLICT.
 *
 * Only files that can hold the key are read: its partition, its bucket,
 * and per-file column bounds of the key columns covering its value; their
 * versions of the key are merged like any scan's.  The scan carries the
 * key's equality as its predicate, so each file reads only the row group
 * and the page(s) whose statistics and page index admit the key.  The
 * statement's snapshot and file list (the table cache's) are resolved
 * once, in LakeLookupBegin, and a key's partition is found through the
 * list's partition index: a lookup does not visit other partitions'
 * files; footers come from the reader cache.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/modify_internal.h"
#include "miscadmin.h"
#include "scan/scan.h"
#include "utils/datum.h"
#include "utils/memutils.h"

struct LakeLookup
{
	LakeXactTable *xt;
	const LakeFlushSpec *spec;
	const LakeMergeConfig *merge;
	int64		snapshot_id;
	List	   *files;			/* committed, visible, commit order */
	const LakePartIndex *index; /* of files (table cache), or NULL */
	List	   *pending;		/* the transaction's spilled files */
	int64		pending_limit;
	bool	   *wanted;
	MemoryContext cxt;			/* reset per fetch */
	Datum	   *row_values;
	bool	   *row_isnull;
};

LakeLookup *
LakeLookupBegin(LakeXactTable *xt, CommandId cid, MemoryContext parent)
{
	MemoryContext old = MemoryContextSwitchTo(parent);
	LakeLookup *lk = palloc0(sizeof(LakeLookup));
	LakeSnapshot *snap = LakeXactReadSnapshot(xt);
	LakeWriteBuffer *buffer = NULL;
	int			n;

	lk->xt = xt;
	lk->spec = LakeXactFlushSpec(xt);
	lk->merge = LakeXactMergeConfig(xt);
	n = Max(lk->spec->ncolumns, 1);
	lk->snapshot_id = snap ? snap->id : 0;
	/* the table cache's list, shared (commit order); a drop filters a copy */
	lk->files = snap ? LakeXactVisibleFiles(xt, LakeXactSnapshotFiles(xt, snap)) : NIL;
	if (lk->spec->npartition > 0 && lk->files != NIL)
	{
		/* each key's files: its partition's, through the list's index */
		LakePruneSpec ps;
		bool	   *part_col = palloc0(sizeof(bool) * n);

		for (int i = 0; i < lk->spec->npartition; i++)
			part_col[lk->spec->partition_cols[i]] = true;
		memset(&ps, 0, sizeof(ps));
		ps.ncolumns = lk->spec->ncolumns;
		ps.types = lk->spec->types;
		ps.column_ids = lk->spec->column_ids;
		ps.partition_col = part_col;
		lk->index = LakeTableCacheFilesIndex(LakeXactCached(xt), lk->files, &ps);
	}
	LakeXactPendingForScan(xt, cid, true, &lk->pending, &buffer, &lk->pending_limit);
	if (buffer != NULL)
		elog(ERROR, "lake_fdw: lookup found unspilled pending rows");
	lk->wanted = palloc(sizeof(bool) * n);
	for (int i = 0; i < lk->spec->ncolumns; i++)
		lk->wanted[i] = true;
	lk->row_values = palloc(sizeof(Datum) * n);
	lk->row_isnull = palloc(sizeof(bool) * n);
	lk->cxt = AllocSetContextCreate(parent, "lake_fdw lookup", ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(old);
	return lk;
}

int64
LakeLookupSnapshotId(LakeLookup *lk)
{
	return lk->snapshot_id;
}

/* Can file f hold the key (raw[k]: key column k in slot representation)? */
static bool
file_may_hold(LakeLookup *lk, LakeDataFile *f, const char *partition, int32 bucket,
			  char *const *raw)
{
	const LakeFlushSpec *spec = lk->spec;

	if (f->bucket != bucket || strcmp(f->partition ? f->partition : "", partition) != 0)
		return false;
	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];
		const LakeTypeInfo *ti = &spec->types[c];

		for (int s = 0; s < f->nstats; s++)
		{
			LakeColumnStats *st = &f->stats[s];
			PqValue		v;

			if (st->column_id != spec->column_ids[c])
				continue;
			if (st->min && LakeStatsDecode(st->min, ti, &v) &&
				LakeValueCompareRaw(ti, &v.v, raw[k]) > 0)
				return false;
			if (st->max && LakeStatsDecode(st->max, ti, &v) &&
				LakeValueCompareRaw(ti, &v.v, raw[k]) < 0)
				return false;
		}
	}
	return true;
}

static void *
copy_into_cxt(void *arg, const void *src, size_t len)
{
	void	   *dst = palloc(Max(len, 1));

	if (len)
		memcpy(dst, src, len);
	return dst;
}

bool
LakeLookupFetch(LakeLookup *lk, Datum *values, bool *isnull)
{
	const LakeFlushSpec *spec = lk->spec;
	MemoryContext old;
	char	   *partition;
	int32		bucket;
	char	   *raw[INDEX_MAX_KEYS];
	List	   *files = NIL;
	List	   *pending = NIL;
	ListCell   *lc;
	LakeScanSpec ss;
	LakeScan   *scan;
	bool		found = false;
	List	   *eqs = NIL;
	LakePredicate *key_pred;

	MemoryContextReset(lk->cxt);
	old = MemoryContextSwitchTo(lk->cxt);
	partition = LakeKeyPartition(spec, values, isnull);
	bucket = LakeKeyBucket(spec, values);
	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];

		PqValue		pv;
		LakePredicate *eq;

		raw[k] = palloc0(sizeof(pq_int128));
		LakeDatumToValue(&spec->types[c], values[c], raw[k], copy_into_cxt, NULL);
		LakeDatumToPqValue(&spec->types[c], values[c], &pv);
		eq = LakePredLeaf(LAKE_PRED_CMP, LAKE_OP_EQ, c, 1, &pv);
		eq->bloom = true;
		eqs = lappend(eqs, eq);
	}
	key_pred = LakePredAnd(eqs);
	if (lk->index != NULL)
	{
		const int  *pos;
		int			nfiles = LakePartIndexMembers(lk->index, partition, &pos);

		for (int i = 0; i < nfiles; i++)
		{
			LakeDataFile *f = LakePartIndexFile(lk->index, pos[i]);

			if (file_may_hold(lk, f, partition, bucket, raw))
				files = lappend(files, f);
		}
	}
	else
		foreach(lc, lk->files)
			if (file_may_hold(lk, lfirst(lc), partition, bucket, raw))
				files = lappend(files, lfirst(lc));
	foreach(lc, lk->pending)
		if (file_may_hold(lk, lfirst(lc), partition, bucket, raw))
			pending = lappend(pending, lfirst(lc));
	if (files == NIL && pending == NIL)
	{
		MemoryContextSwitchTo(old);
		return false;
	}

	memset(&ss, 0, sizeof(ss));
	ss.root = LakeXactTable_(lk->xt)->root;
	ss.table_rel = LakeXactTable_(lk->xt)->relpath;
	ss.ncolumns = spec->ncolumns;
	ss.names = spec->names;
	ss.types = spec->types;
	ss.wanted = lk->wanted;
	ss.nkey = spec->nkey;
	ss.key_cols = spec->key_cols;
	ss.merge = lk->merge;
	ss.files = files;
	ss.pending_files = pending;
	ss.pending_limit = lk->pending_limit;
	/* key columns only: may skip anything (FORMAT.md "Pruning") */
	ss.predicate = key_pred;
	ss.key_predicate = key_pred;
	scan = LakeScanBegin(&ss, lk->cxt);
	while (LakeScanNext(scan, lk->row_values, lk->row_isnull))
	{
		int			cmp = 0;

		CHECK_FOR_INTERRUPTS();
		for (int k = 0; k < spec->nkey && cmp == 0; k++)
		{
			int			c = spec->key_cols[k];
			pq_int128	slot;

			LakeDatumToValue(&spec->types[c], lk->row_values[c], &slot, copy_into_cxt, NULL);
			cmp = LakeValueCompareRaw(&spec->types[c], &slot, raw[k]);
		}
		if (cmp > 0)
			break;				/* sorted by key: past it */
		if (cmp == 0)
		{
			found = true;
			break;
		}
	}
	MemoryContextSwitchTo(old);
	if (found)
	{
		for (int i = 0; i < spec->ncolumns; i++)
		{
			isnull[i] = lk->row_isnull[i];
			values[i] = isnull[i] ? (Datum) 0 :
				datumCopy(lk->row_values[i], spec->types[i].typbyval, spec->types[i].typlen);
		}
	}
	LakeScanEnd(scan);
	return found;
}

void
LakeLookupEnd(LakeLookup *lk)
{
	MemoryContextDelete(lk->cxt);
}
