/*-------------------------------------------------------------------------
 * changelog_write.c
 *	  Changelog 'lookup': at commit, the writer looks up the version each
 *	  key had before the commit and writes changelog files with the exact
 *	  changes (+I, -U/+U pairs, -D with the deleted values), added to the
 *	  same snapshot as its data files.
 *
 * For every partition and bucket the commit writes to or empties (a
 * partition-wide DELETE, TRUNCATE), two merged reads of that bucket are
 * compared key by key: "before" = the live files of the snapshot the commit
 * follows; "after" = the same minus the files the commit drops, plus the
 * commit's own files, folded with the table's merge engine exactly as a
 * reader will.  Only the keys the commit wrote are compared, unless the
 * bucket lost files (then every key is).  A key whose row is unchanged
 * yields no change.  The caller makes the commit fail with 40001 if another
 * commit touching one of these keys lands before it (xact.c), so the
 * before-images stay exact.
 *
 * Cost: both reads cover the buckets written, so the write cost grows with
 * the size of those buckets (like a compaction of them), not only with the
 * number of changes.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/fdw.h"
#include "miscadmin.h"
#include "scan/scan.h"
#include "common/hashfn.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

/* one key's version before the commit */
typedef struct OldRow
{
	char	   *key;			/* hash key: the key's canonical text */
	Datum	   *values;
	bool	   *isnull;
	bool		seen;			/* still present after the commit */
} OldRow;

const char *
LakeSchemaChangelogMode(LakeSchema *schema)
{
	ListCell   *lc;

	foreach(lc, schema->options)
	{
		LakeOption *o = lfirst(lc);

		if (strcmp(o->name, "changelog") == 0)
			return o->value;
	}
	return "none";
}

static char *
key_text(const LakeFlushSpec *spec, const Datum *values, const bool *isnull)
{
	StringInfoData s;

	initStringInfo(&s);
	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];

		if (k > 0)
			appendStringInfoChar(&s, '\x1f');
		if (isnull[c])
			appendStringInfoChar(&s, '\x1e');
		else
			appendStringInfoString(&s, LakeValueCanonicalText(&spec->types[c], values[c]));
	}
	return s.data;
}

static uint32
key_hash(const void *key, Size keysize)
{
	return string_hash(*(char *const *) key, 0);
}

static int
key_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static HTAB *
key_map_create(MemoryContext cxt, const char *name)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(OldRow);
	ctl.hash = key_hash;
	ctl.match = key_match;
	ctl.hcxt = cxt;
	return hash_create(name, 1024, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
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

/* The keys the commit's files of one group write (canonical texts). */
static HTAB *
written_keys(const LakeFlushSpec *spec, List *pending, LakeNoteKeyFn note_key,
			 void *arg, MemoryContext cxt)
{
	HTAB	   *set = key_map_create(cxt, "lake_fdw changelog written keys");
	const char **names = palloc0(sizeof(char *) * Max(spec->ncolumns, 1));
	Datum	   *values = palloc0(sizeof(Datum) * Max(spec->ncolumns, 1));
	bool	   *isnull = palloc0(sizeof(bool) * Max(spec->ncolumns, 1));
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
				char	   *text;
				bool		found;
				OldRow	   *e;

				CHECK_FOR_INTERRUPTS();
				for (int k = 0; k < spec->nkey; k++)
				{
					int			c = spec->key_cols[k];

					LakeVectorToDatums(&spec->types[c], &batch.columns[c], i, 1,
									   &values[c], &isnull[c]);
				}
				text = key_text(spec, values, isnull);
				e = hash_search(set, &text, HASH_ENTER, &found);
				if (!found)
				{
					e->key = text;
					if (note_key)
						note_key(values, isnull, arg);
				}
				else
					pfree(text);
			}
		}
		LakeFileReaderClose(r);
	}
	return set;
}

/* Compare one partition+bucket before and after the commit. */
static void
diff_group(const LakeFlushSpec *spec, const LakeMergeConfig *merge,
		   const char *partition, int32 bucket, List *base_files, List *added,
		   bool (*dropped) (LakeDataFile *, void *), LakeNoteKeyFn note_key, void *arg,
		   LakeWriteBuffer *out, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	List	   *before = NIL;
	List	   *after = NIL;
	List	   *pending = NIL;
	bool		any_dropped = false;
	bool	   *wanted = palloc(sizeof(bool) * Max(spec->ncolumns, 1));
	Datum	   *values = palloc0(sizeof(Datum) * Max(spec->ncolumns, 1));
	bool	   *isnull = palloc0(sizeof(bool) * Max(spec->ncolumns, 1));
	HTAB	   *keys = NULL;
	HTAB	   *olds = key_map_create(cxt, "lake_fdw changelog before-images");
	LakeScan   *scan;
	ListCell   *lc;
	HASH_SEQ_STATUS hs;
	OldRow	   *e;

	for (int c = 0; c < spec->ncolumns; c++)
		wanted[c] = true;
	foreach(lc, base_files)
	{
		LakeDataFile *f = lfirst(lc);

		if (!same_group(f, partition, bucket))
			continue;
		before = lappend(before, f);
		if (dropped && dropped(f, arg))
			any_dropped = true;
		else
			after = lappend(after, f);
	}
	foreach(lc, added)
		if (same_group(lfirst(lc), partition, bucket))
			pending = lappend(pending, lfirst(lc));
	list_sort(pending, file_seq_cmp);
	keys = written_keys(spec, pending, note_key, arg, cxt);
	if (any_dropped)
		keys = NULL;			/* every key of the bucket may change */

	/* before: the keys' versions as of the base snapshot */
	scan = group_scan(spec, merge, wanted, before, NIL, cxt);
	while (LakeScanNext(scan, values, isnull))
	{
		char	   *text;
		bool		found;

		CHECK_FOR_INTERRUPTS();
		text = key_text(spec, values, isnull);
		if (keys && hash_search(keys, &text, HASH_FIND, NULL) == NULL)
		{
			pfree(text);
			continue;
		}
		e = hash_search(olds, &text, HASH_ENTER, &found);
		e->key = text;
		e->values = palloc(sizeof(Datum) * spec->ncolumns);
		e->isnull = palloc(sizeof(bool) * spec->ncolumns);
		for (int c = 0; c < spec->ncolumns; c++)
		{
			e->isnull[c] = isnull[c];
			e->values[c] = isnull[c] ? (Datum) 0 :
				datumCopy(values[c], spec->types[c].typbyval, spec->types[c].typlen);
		}
		e->seen = false;
	}
	LakeScanEnd(scan);

	/* after: the same keys folded with the commit's records */
	scan = group_scan(spec, merge, wanted, after, pending, cxt);
	while (LakeScanNext(scan, values, isnull))
	{
		char	   *text;

		CHECK_FOR_INTERRUPTS();
		text = key_text(spec, values, isnull);
		if (keys && hash_search(keys, &text, HASH_FIND, NULL) == NULL)
		{
			pfree(text);
			continue;
		}
		e = hash_search(olds, &text, HASH_FIND, NULL);
		pfree(text);
		if (e == NULL)
		{
			LakeWriteBufferAppendChange(out, values, isnull, LAKE_CHANGE_INSERT);
			continue;
		}
		e->seen = true;
		if (rows_equal(spec, e->values, e->isnull, values, isnull))
			continue;
		LakeWriteBufferAppendChange(out, e->values, e->isnull, LAKE_CHANGE_UPDATE_BEFORE);
		LakeWriteBufferAppendChange(out, values, isnull, LAKE_CHANGE_UPDATE_AFTER);
	}
	LakeScanEnd(scan);

	hash_seq_init(&hs, olds);
	while ((e = hash_seq_search(&hs)) != NULL)
		if (!e->seen)
			LakeWriteBufferAppendChange(out, e->values, e->isnull, LAKE_CHANGE_DELETE);
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
 *		file f; note_key(values, isnull, arg) is called once per key the
 *		commit writes.  Files are durable on return.
 */
List *
LakeChangelogLookupFiles(const LakeFlushSpec *spec, const LakeMergeConfig *merge,
						 List *base_files, List *added,
						 bool (*dropped) (LakeDataFile *, void *),
						 LakeNoteKeyFn note_key, void *arg)
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
				   dropped, note_key, arg, out, group_cxt);
		MemoryContextReset(group_cxt);
	}
	MemoryContextSwitchTo(caller);
	files = LakeWriteBufferFlush(out);
	MemoryContextDelete(cxt);
	return files;
}
