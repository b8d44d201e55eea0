/*-------------------------------------------------------------------------
 * part_index.c
 *	  A partition index over a snapshot's file list: built once per list
 *	  (the table cache keeps it beside the list it indexes), it lets
 *	  pruning (prune.c) visit only the partitions a predicate can select
 *	  instead of every file of the snapshot.
 *
 * The index groups the list's files by partition string, keeping each
 * partition's files in list (commit) order, and sorts the partitions by
 * their partition values, read from the statistics of the partition's
 * first file in list order, which is the file whose statistics pruning
 * has always judged the partition by.  A partition is "ordered" when
 * that file has, for every partition column, a decodable min equal to
 * its max, no nulls and rows; the others (NULL partition values, columns
 * without statistics) follow the ordered ones and are candidates of every
 * search.  Columns of floating-point type are never searched (their
 * equality is not their bytes'): every partition is a candidate.
 *
 * Search (LakePartIndexCandidates): the top-level conjuncts of the
 * partition predicate on the first partition column (lake order), by the
 * comparison the statistics evaluation uses (ParquetValueCompare), narrow
 * the ordered partitions by binary search: equality and IN to the runs
 * holding those values, <, <=, >, >= to one run.  A partition outside is
 * one the predicate's evaluation on its statistics rejects anyway, so
 * the candidates are a superset of the partitions pruning keeps and the
 * caller still evaluates the predicate on each candidate.
 *
 * Memory: everything in the context current at build; the files and
 * their statistics are borrowed from the indexed list, which must live as
 * long.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "mergetree/write_buffer.h"
#include "scan/scan_internal.h"

/* first file's statistics of column (lake index) c: the partition value */
static bool
partition_value(const LakePruneSpec *ps, const LakeDataFile *f, int c, PqValue *out)
{
	for (int i = 0; i < f->nstats; i++)
	{
		const LakeColumnStats *cs = &f->stats[i];
		PqValue		max;

		if (cs->column_id != ps->column_ids[c])
			continue;
		if (cs->null_count != 0 || cs->min == NULL || cs->max == NULL ||
			!LakeStatsDecode(cs->min, &ps->types[c], out) ||
			!LakeStatsDecode(cs->max, &ps->types[c], &max))
			return false;
		return ParquetValueCompare(out, &max) == 0;
	}
	return false;
}

static int
compare_parts(const void *a, const void *b, void *arg)
{
	const LakePartIndexEntry *x = a;
	const LakePartIndexEntry *y = b;
	const LakePartIndex *ix = arg;

	/* ordered ones first, by their values */
	if (x->values == NULL || y->values == NULL)
		return (x->values == NULL) - (y->values == NULL);
	for (int k = 0; k < ix->ncols; k++)
	{
		int			c = ParquetValueCompare(&x->values[k], &y->values[k]);

		if (c != 0)
			return c;
	}
	return 0;
}

static uint32
part_hash(const char *s)
{
	return hash_bytes((const unsigned char *) s, strlen(s));
}

/* The slot of partition (its entry index + 1 there, 0: absent). */
static uint32
slot_of(const LakePartIndex *ix, const char *partition, uint32 h)
{
	uint32		i = h & ix->mask;

	for (;;)
	{
		int			e = ix->slots[i];

		if (e == 0 || strcmp(ix->parts[e - 1].partition, partition) == 0)
			return i;
		i = (i + 1) & ix->mask;
	}
}

/* Rebuild the hash by partition string over the (sorted) entries. */
static void
index_hash(LakePartIndex *ix)
{
	uint32		cap = 16;

	while (cap < (uint32) ix->nparts * 2)
		cap <<= 1;
	ix->slots = palloc0(sizeof(int) * cap);
	ix->mask = cap - 1;
	for (int p = 0; p < ix->nparts; p++)
		ix->slots[slot_of(ix, ix->parts[p].partition,
						  part_hash(ix->parts[p].partition))] = p + 1;
}

/*
 * LakePartIndexBuild
 *		The partition index of files (LakeDataFile*, commit order), with
 *		ps's columns and types; NULL when the table is not partitioned.
 *		In CurrentMemoryContext; files must outlive it.
 */
LakePartIndex *
LakePartIndexBuild(List *files, const LakePruneSpec *ps)
{
	LakePartIndex *ix;
	int			n = list_length(files);
	int		   *part_of;
	int		   *fill;
	ListCell   *lc;
	int			i;

	ix = palloc0(sizeof(LakePartIndex));
	for (int c = 0; c < ps->ncolumns; c++)
		if (ps->partition_col[c])
			ix->ncols++;
	if (ix->ncols == 0)
	{
		pfree(ix);
		return NULL;
	}
	ix->cols = palloc(sizeof(int) * ix->ncols);
	ix->ncols = 0;
	ix->searchable = true;
	for (int c = 0; c < ps->ncolumns; c++)
		if (ps->partition_col[c])
		{
			ix->cols[ix->ncols++] = c;
			if (ps->types[c].pqtype == PQ_FLOAT || ps->types[c].pqtype == PQ_DOUBLE)
				ix->searchable = false;
		}
	ix->list = files;
	ix->nfiles = n;
	ix->files = palloc(sizeof(LakeDataFile *) * Max(n, 1));
	part_of = palloc(sizeof(int) * Max(n, 1));
	ix->parts = palloc0(sizeof(LakePartIndexEntry) * Max(n, 1));
	ix->nparts = 0;

	/* partitions in order of first appearance, by a hash sized for every file */
	{
		uint32		cap = 16;

		while (cap < (uint32) n * 2)
			cap <<= 1;
		ix->slots = palloc0(sizeof(int) * cap);
		ix->mask = cap - 1;
	}
	i = 0;
	foreach(lc, files)
	{
		LakeDataFile *f = lfirst(lc);
		const char *part = f->partition ? f->partition : "";
		uint32		s;

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		ix->files[i] = f;
		s = slot_of(ix, part, part_hash(part));
		if (ix->slots[s] == 0)
		{
			LakePartIndexEntry *e = &ix->parts[ix->nparts];

			e->partition = part;
			e->first = i;
			ix->slots[s] = ++ix->nparts;
		}
		part_of[i] = ix->slots[s] - 1;
		ix->parts[part_of[i]].nfiles++;
		i++;
	}

	ix->parts = repalloc(ix->parts, sizeof(LakePartIndexEntry) * Max(ix->nparts, 1));

	/* members: one array, each partition's run in commit order */
	ix->members = palloc(sizeof(int) * Max(n, 1));
	ix->group_count = palloc(sizeof(int) * Max(n, 1));
	fill = palloc0(sizeof(int) * Max(ix->nparts, 1));
	{
		int			at = 0;

		for (int p = 0; p < ix->nparts; p++)
		{
			ix->parts[p].members = ix->members + at;
			ix->parts[p].group_count = ix->group_count + at;
			at += ix->parts[p].nfiles;
		}
	}
	for (i = 0; i < n; i++)
	{
		LakePartIndexEntry *e = &ix->parts[part_of[i]];

		e->members[fill[part_of[i]]++] = i;
	}

	/* per file: the committed files of its (partition, bucket) */
	for (int p = 0; p < ix->nparts; p++)
	{
		LakePartIndexEntry *e = &ix->parts[p];
		int32		maxb = -1;
		bool		small = true;
		int		   *counts;

		CHECK_FOR_INTERRUPTS();
		for (int a = 0; a < e->nfiles; a++)
		{
			int32		b = ix->files[e->members[a]]->bucket;

			if (b < -1 || b >= 65536)
				small = false;
			maxb = Max(maxb, b);
		}
		if (!small)
		{
			/* can't happen (buckets <= 1024): count pairwise */
			for (int a = 0; a < e->nfiles; a++)
			{
				int			count = 0;

				for (int b = 0; b < e->nfiles; b++)
					count += ix->files[e->members[b]]->bucket ==
						ix->files[e->members[a]]->bucket;
				e->group_count[a] = count;
			}
			continue;
		}
		counts = palloc0(sizeof(int) * (maxb + 2));
		for (int a = 0; a < e->nfiles; a++)
			counts[ix->files[e->members[a]]->bucket + 1]++;
		for (int a = 0; a < e->nfiles; a++)
			e->group_count[a] = counts[ix->files[e->members[a]]->bucket + 1];
		pfree(counts);
	}

	/* values of each partition, from its first file */
	for (int p = 0; p < ix->nparts; p++)
	{
		LakePartIndexEntry *e = &ix->parts[p];
		const LakeDataFile *f = ix->files[e->first];

		e->values = palloc(sizeof(PqValue) * ix->ncols);
		for (int k = 0; k < ix->ncols; k++)
			if (f->row_count <= 0 || !partition_value(ps, f, ix->cols[k], &e->values[k]))
			{
				pfree(e->values);
				e->values = NULL;
				break;
			}
	}
	/* partitions often first appear in value order (a day after the other) */
	for (int p = 1; p < ix->nparts; p++)
		if (compare_parts(&ix->parts[p - 1], &ix->parts[p], ix) > 0)
		{
			qsort_arg(ix->parts, ix->nparts, sizeof(LakePartIndexEntry), compare_parts, ix);
			break;
		}
	ix->nordered = 0;
	while (ix->nordered < ix->nparts && ix->parts[ix->nordered].values != NULL)
		ix->nordered++;
	pfree(ix->slots);
	index_hash(ix);
	pfree(fill);
	pfree(part_of);
	return ix;
}

/* Partitions of the index (distinct partition strings). */
int
LakePartIndexPartitions(const LakePartIndex *ix)
{
	return ix->nparts;
}

/*
 * LakePartIndexFileAt
 *		The position in the indexed list of the file of partition partition
 *		at path path, or -1: a look at that partition's files only.
 */
int
LakePartIndexFileAt(const LakePartIndex *ix, const char *partition, const char *path)
{
	int			e = LakePartIndexFind(ix, partition);

	if (e < 0)
		return -1;
	for (int a = 0; a < ix->parts[e].nfiles; a++)
	{
		int			pos = ix->parts[e].members[a];

		if (strcmp(ix->files[pos]->path, path) == 0)
			return pos;
	}
	return -1;
}

/*
 * LakePartIndexMembers
 *		The files of partition partition ("" if none), as positions in the
 *		indexed list in commit order (*positions, borrowed); returns how
 *		many (0 for a partition without files).
 */
int
LakePartIndexMembers(const LakePartIndex *ix, const char *partition, const int **positions)
{
	int			e = LakePartIndexFind(ix, partition);

	if (e < 0)
	{
		*positions = NULL;
		return 0;
	}
	*positions = ix->parts[e].members;
	return ix->parts[e].nfiles;
}

/* The file at position pos of the indexed list. */
LakeDataFile *
LakePartIndexFile(const LakePartIndex *ix, int pos)
{
	Assert(pos >= 0 && pos < ix->nfiles);
	return ix->files[pos];
}

/* The entry of partition string partition, or -1. */
int
LakePartIndexFind(const LakePartIndex *ix, const char *partition)
{
	int			e = ix->slots[slot_of(ix, partition, part_hash(partition))];

	return e - 1;
}

/* ---------------------------------------------------------------------
 * Search
 * ---------------------------------------------------------------------
 */

/* First ordered entry whose first-column value is >= v (> v if upper). */
static int
bound(const LakePartIndex *ix, const PqValue *v, bool upper)
{
	int			lo = 0;
	int			hi = ix->nordered;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = ParquetValueCompare(&ix->parts[mid].values[0], v);

		if (c < 0 || (upper && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

typedef struct Narrow
{
	int			start;			/* ordered entries [start, end) */
	int			end;
	const LakePredicate *eq;	/* an EQ or IN conjunct, or NULL */
	bool		none;
} Narrow;

/* Narrow by the top-level conjuncts of p on column col. */
static void
narrow(const LakePartIndex *ix, const LakePredicate *p, int col, Narrow *n)
{
	if (p->kind == LAKE_PRED_FALSE)
	{
		n->none = true;
		return;
	}
	if (p->kind == LAKE_PRED_AND)
	{
		for (int i = 0; i < p->nargs; i++)
			narrow(ix, p->args[i], col, n);
		return;
	}
	if (p->column != col)
		return;
	if (p->kind == LAKE_PRED_IN && n->eq == NULL)
		n->eq = p;
	if (p->kind != LAKE_PRED_CMP)
		return;
	switch (p->op)
	{
		case LAKE_OP_EQ:
			if (n->eq == NULL)
				n->eq = p;
			break;
		case LAKE_OP_LT:
			n->end = Min(n->end, bound(ix, &p->values[0], false));
			break;
		case LAKE_OP_LE:
			n->end = Min(n->end, bound(ix, &p->values[0], true));
			break;
		case LAKE_OP_GT:
			n->start = Max(n->start, bound(ix, &p->values[0], true));
			break;
		case LAKE_OP_GE:
			n->start = Max(n->start, bound(ix, &p->values[0], false));
			break;
		default:
			break;
	}
}

typedef struct Run
{
	int			start;
	int			end;
} Run;

static int
compare_runs(const void *a, const void *b)
{
	const Run  *x = a;
	const Run  *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/*
 * LakePartIndexCandidates
 *		The entries (ascending) of the partitions where part_pred (the
 *		predicate's part on partition columns) may hold: a superset of the
 *		partitions its evaluation on each partition's statistics keeps.
 *		*out is palloc'd in CurrentMemoryContext; returns their number.
 */
int
LakePartIndexCandidates(const LakePartIndex *ix, const LakePredicate *part_pred, int **out)
{
	Narrow		n;
	int		   *c;
	int			nc = 0;

	n.start = 0;
	n.end = ix->nordered;
	n.eq = NULL;
	n.none = false;
	if (ix->searchable && !LakePredIsTrue(part_pred))
		narrow(ix, part_pred, ix->cols[0], &n);
	if (n.none)
	{
		*out = NULL;
		return 0;
	}
	if (n.eq != NULL)
	{
		Run		   *runs = palloc(sizeof(Run) * n.eq->nvalues);
		int			nruns = 0;
		int			last = -1;
		int			total = 0;

		for (int v = 0; v < n.eq->nvalues; v++)
		{
			Run			r;

			r.start = Max(n.start, bound(ix, &n.eq->values[v], false));
			r.end = Min(n.end, bound(ix, &n.eq->values[v], true));
			if (r.start < r.end)
				runs[nruns++] = r;
		}
		if (nruns > 1)
			qsort(runs, nruns, sizeof(Run), compare_runs);
		for (int r = 0; r < nruns; r++)
			total += runs[r].end - runs[r].start;
		c = palloc(sizeof(int) * (ix->nparts - ix->nordered + 1 + total));
		/* runs of distinct values are disjoint; equal values give equal runs */
		for (int r = 0; r < nruns; r++)
			for (int e = Max(runs[r].start, last + 1); e < runs[r].end; e++)
				c[nc++] = last = e;
		pfree(runs);
	}
	else
	{
		c = palloc(sizeof(int) * (ix->nparts - ix->nordered + 1 +
								  Max(n.end - n.start, 0)));
		for (int e = n.start; e < n.end; e++)
			c[nc++] = e;
	}
	for (int e = ix->nordered; e < ix->nparts; e++)
		c[nc++] = e;
	*out = c;
	return nc;
}
