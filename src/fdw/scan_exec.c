/*-------------------------------------------------------------------------
 * scan_exec.c
 *	  Planning and executing scans of lake tables: size estimates from the
 *	  snapshot's metadata, the scan path and plan, the executor callbacks
 *	  and EXPLAIN.
 *
 * The plan carries the attribute numbers the query needs; only those
 * columns are decoded.  Quals that can be evaluated on metadata
 * (pushdown.c) travel in fdw_exprs; at executor start, and on a rescan
 * whose parameters changed, they become a predicate that prunes
 * partitions and files (scan/prune.c) and row groups, pages and bloom
 * filters inside the readers.  Every qual is still checked on each row:
 * the leading ones without volatile functions (pushdown.c,
 * LakeFilterClauses) by the scan itself, per batch on just the columns
 * they read, before the other columns are built (fdw_recheck_quals,
 * EXPLAIN "Lake Filter"); the rest by PostgreSQL.  Estimates use the same
 * pruning on the manifests; primary-key tables offer parameterized paths
 * (nested-loop probes by key).  Aggregate and top-N plans (scan_relid 0,
 * upper_plan.c, topn_plan.c) carry their WHERE in fdw_private instead;
 * they prune and filter the same way, started at the first fetch and
 * again per rescan.  Aggregate plans hand the scan to scan/aggregate.c;
 * top-N plans add the best keys so far (topn_exec.c) to the row filter
 * and their bound to the pushed predicate, and sort the rows kept with
 * PostgreSQL's bounded tuplesort, applying OFFSET and LIMIT themselves.
 * The snapshot is chosen per statement or per transaction by xact.c.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "commands/vacuum.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "fdw/fdw.h"
#include "fdw/pushdown.h"
#include "fdw/topn.h"
#include "mergetree/write_buffer.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/paths.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "rewrite/rewriteManip.h"
#include "scan/aggregate.h"
#include "scan/scan.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/sampling.h"
#include "utils/tuplesort.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

typedef struct LakeRelInfo
{
	int64		total_rows;
	int64		total_bytes;
	int64		snapshot_id;
	Bitmapset  *attrs_used;
	/* pruning estimates of the restriction clauses */
	int64		scan_rows;		/* rows of the files not pruned */
	int64		scan_bytes;
	int			nfiles;
	int			npartitions;
	List	   *files;			/* LakeDataFile*, snapshot's, or NIL */
} LakeRelInfo;

/* Lake columns of a relation: types, ids, keys, partitioning. */
typedef struct LakeLayout
{
	int			ncolumns;
	const char **names;
	LakeTypeInfo *types;
	int32	   *column_ids;
	bool	   *partition_col;
	int			nkey;
	int		   *key_cols;
	int		   *lake_to_att;	/* lake column -> attribute index or -1 */
	int			natts;
	int		   *att_to_lake;	/* attribute index -> lake column or -1 */
	int			buckets;
	bool		partitioned;	/* some partition_col set */
} LakeLayout;

typedef struct LakeScanState
{
	LakeXactTable *xt;
	LakeSnapshot *snapshot;		/* borrowed from xact state */
	LakeScanSpec spec;
	LakeScan   *scan;
	int			nlake;
	int		   *lake_to_att;	/* lake column -> attribute index or -1 */
	int			nout;			/* wanted columns the slot has */
	int		   *out_lake;		/* [nout] lake column */
	int		   *out_att;		/* [nout] slot attribute */
	bool		slot_ready;		/* unwanted attributes set NULL once */
	Datum	   *values;			/* lake order */
	bool	   *isnull;
	int			nfiles;
	/* pruning */
	LakeLayout	layout;
	LakePushdown *pushdown;		/* or NULL: nothing pushed */
	MemoryContext pred_cxt;		/* the current predicate, pruned lists */
	List	   *all_files;		/* before pruning */
	List	   *all_pending;
	bool		pruned_once;
	bool		need_start;		/* begin the scan at the next fetch */
	bool		values_changed; /* parameters moved since the last start */
	LakeScanStats prune_stats;	/* of the current loop */
	LakeScanStats last_prune;	/* of the last pruning */
	LakeScanStats done_stats;	/* of finished loops */
	int64		rows_out;		/* rows handed to PostgreSQL */
	bool		identity;		/* lake column i is attribute i: the scan
								 * fills the slot directly */
	/* the scan's row filter (fdw_recheck_quals), or filter_qual NULL */
	ExprState  *filter_qual;	/* borrowed from the node */
	ExprContext *filter_econtext;
	TupleTableSlot *filter_slot;	/* virtual, the filter's columns only */
	int			nfilter;
	int		   *filter_lake;	/* [nfilter] lake column */
	int		   *filter_att;		/* [nfilter] slot attribute */
	int64		filter_removed;
	List	   *filter_exprs;	/* the row filter's quals, for EXPLAIN */
	List	   *pushed_exprs;	/* the pushed quals, for EXPLAIN */
	/* aggregate pushdown (scan_relid 0, upper_plan.c) */
	bool		aggregate;		/* an aggregate plan */
	LakeAggregate *agg;			/* or NULL: not begun */
	int			nitems;
	LakeAggItem *items;			/* [nitems]: the scan tuple's columns */
	char	   *agg_description;
	/* top-N (scan_relid 0, topn_plan.c) */
	bool		topn;
	LakeTopN   *topn_keys;		/* the best keys so far (the row filter) */
	bool		topn_active;	/* this loop's bound is small enough to keep */
	ExprState  *limit_count;
	ExprState  *limit_offset;
	int64		count;			/* this loop's LIMIT, -1: ALL */
	int64		offset;
	int			nscan;			/* scan tuple columns */
	int		   *scan_lake;		/* [nscan] lake column, or -1 */
	int			nsort;
	AttrNumber *sort_att;		/* [nsort] scan tuple attribute (1-based) */
	Oid		   *sort_ops;
	Oid		   *sort_colls;
	bool	   *sort_nulls_first;
	char	   *topn_description;
	struct Tuplesortstate *sort;	/* this loop's rows kept, or NULL */
	TupleTableSlot *sort_slot;	/* minimal tuples out of the sort */
	int64		returned;		/* rows returned this loop */
	int64		topn_kept;		/* rows put into the sort, every loop */
	int64		topn_rejected;	/* of finished loops */
	const LakePredicate *base_pred; /* the pushed WHERE's, without bound */
	const LakePredicate *base_key_pred;
	LakePredicate *and_pred;	/* AND(base_pred, bound) */
	LakePredicate *and_key_pred;
	bool		files_ordered;	/* spec.files is in best-first order */
	int64		topn_passes;	/* first passes run (every loop) */
} LakeScanState;

/* ---------------------------------------------------------------------
 * Layout of the lake columns
 * ---------------------------------------------------------------------
 */
static void
table_layout(Relation rel, LakeSchema *schema, LakeLayout *lo)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			n = schema->ncolumns;
	ListCell   *lc;

	lo->ncolumns = n;
	lo->buckets = schema->buckets;
	lo->names = palloc(sizeof(char *) * Max(n, 1));
	lo->types = palloc0(sizeof(LakeTypeInfo) * Max(n, 1));
	lo->column_ids = palloc(sizeof(int32) * Max(n, 1));
	lo->partition_col = palloc0(sizeof(bool) * Max(n, 1));
	lo->key_cols = palloc(sizeof(int) * (list_length(schema->primary_key) + 1));
	lo->lake_to_att = palloc(sizeof(int) * Max(n, 1));
	lo->natts = desc->natts;
	lo->att_to_lake = palloc(sizeof(int) * Max(desc->natts, 1));
	for (int a = 0; a < desc->natts; a++)
		lo->att_to_lake[a] = -1;
	for (int i = 0; i < n; i++)
	{
		LakeColumn *c = &schema->columns[i];
		Oid			typid;
		int32		typmod;

		lo->names[i] = c->name;
		lo->column_ids[i] = c->id;
		LakeTypeNameParse(c->type_name, &typid, &typmod);
		LakeTypeFromPgOrError(typid, typmod, c->name, &lo->types[i]);
		lo->lake_to_att[i] = -1;
		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), c->name) == 0)
			{
				lo->lake_to_att[i] = a;
				lo->att_to_lake[a] = i;
				break;
			}
		}
	}
	lo->nkey = 0;
	foreach(lc, schema->primary_key)
		for (int i = 0; i < n; i++)
			if (strcmp(schema->columns[i].name, (char *) lfirst(lc)) == 0)
				lo->key_cols[lo->nkey++] = i;
	foreach(lc, schema->partition_by)
		for (int i = 0; i < n; i++)
			if (strcmp(schema->columns[i].name, (char *) lfirst(lc)) == 0)
				lo->partition_col[i] = lo->partitioned = true;
}

/*
 * The layout of rel's lake columns: the table cache's while its entry is
 * current (a relcache invalidation of rel drops the entry, so the entry's
 * layout is of rel's current descriptor), else built here.  Shared and
 * read-only.
 */
static const LakeLayout *
scan_layout(Relation rel, LakeXactTable *xt)
{
	LakeTableCached *tc = LakeXactCached(xt);
	MemoryContext cxt;
	MemoryContext old;
	LakeLayout *lo;

	if (tc->scan_layout != NULL && !tc->retired)
		return tc->scan_layout;
	if (tc->retired)
	{
		lo = palloc0(sizeof(LakeLayout));
		table_layout(rel, tc->schema, lo);
		return lo;
	}
	cxt = AllocSetContextCreate(tc->cxt, "lake_fdw scan layout", ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		lo = palloc0(sizeof(LakeLayout));
		table_layout(rel, tc->schema, lo);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	tc->scan_layout = lo;
	return lo;
}

static void
prune_spec(const LakeLayout *lo, const LakePredicate *pred, LakePruneSpec *ps)
{
	ps->ncolumns = lo->ncolumns;
	ps->types = lo->types;
	ps->column_ids = lo->column_ids;
	ps->partition_col = lo->partition_col;
	ps->nkey = lo->nkey;
	ps->key_cols = lo->key_cols;
	ps->buckets = lo->buckets;
	ps->predicate = pred;
	ps->index = NULL;
}

/*
 * The partition index of files, when files is the table cache's list of
 * xt's snapshot (built there on first use): a predicate fixing the
 * partition then prunes without visiting the other partitions' files.
 */
static const LakePartIndex *
files_index(LakeXactTable *xt, const LakeLayout *lo, List *files)
{
	LakePruneSpec ps;

	if (!lo->partitioned)
		return NULL;
	prune_spec(lo, NULL, &ps);
	return LakeTableCacheFilesIndex(LakeXactCached(xt), files, &ps);
}

/* ---------------------------------------------------------------------
 * Planning
 * ---------------------------------------------------------------------
 */

/*
 * Rows and bytes of the files a predicate built from clauses leaves, as
 * far as the clauses' values are known at planning time.
 */
static void
estimate_pruning(PlannerInfo *root, RelOptInfo *baserel, Oid relid, LakeXactTable *xt,
				 List *clauses, int64 *rows, int64 *bytes, int *nfiles)
{
	LakeRelInfo *info = baserel->fdw_private;
	Relation	rel;
	LakeLayout	lo;
	LakePredicate *pred;
	LakePruneSpec ps;
	List	   *files;
	List	   *pending;
	bool	   *full;
	const LakePredicate *key_pred;
	LakeScanStats stats;
	ListCell   *lc;

	*rows = info->total_rows;
	*bytes = info->total_bytes;
	*nfiles = info->nfiles;
	if (clauses == NIL || info->files == NIL)
		return;
	rel = table_open(relid, NoLock);
	lo = *scan_layout(rel, xt);
	table_close(rel, NoLock);
	pred = LakePushdownPlanPredicate(root, clauses, baserel->relid, lo.att_to_lake,
									 lo.natts, lo.types);
	if (LakePredIsTrue(pred))
		return;
	prune_spec(&lo, pred, &ps);
	ps.index = files_index(xt, &lo, info->files);
	memset(&stats, 0, sizeof(stats));
	LakePruneFiles(&ps, info->files, NIL, &files, &pending, &full, &key_pred, &stats);
	/* the transaction's own rows count in full */
	*rows = info->total_rows;
	*bytes = 0;
	foreach(lc, info->files)
		*rows -= ((LakeDataFile *) lfirst(lc))->row_count;
	*rows = Max(*rows, 0);
	foreach(lc, files)
	{
		LakeDataFile *f = lfirst(lc);

		*rows += f->row_count;
		*bytes += f->file_size;
	}
	*nfiles = list_length(files);
}

void
lakeGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	LakeRelInfo *info;
	LakeXactTable *xt;
	LakeSnapshot *snap;
	ListCell   *lc;
	double		rows;
	List	   *pushed = NIL;

	if (LakeRelIsChangelog(foreigntableid))
	{
		LakeChangelogGetRelSize(root, baserel, foreigntableid);
		return;
	}
	info = palloc0(sizeof(LakeRelInfo));
	xt = LakeXactGetTable(foreigntableid, false);
	snap = LakeXactReadSnapshot(xt);
	if (snap)
	{
		info->total_rows = snap->total_rows;
		info->total_bytes = snap->total_bytes;
		info->snapshot_id = snap->id;
		info->nfiles = snap->total_files;
	}
	if (LakeXactWriteBuffer(xt))
		info->total_rows += LakeWriteBufferRows(LakeXactWriteBuffer(xt));

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &info->attrs_used);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst(lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &info->attrs_used);
	}
	baserel->fdw_private = info;
	baserel->tuples = Max(info->total_rows, 1);
	rows = baserel->tuples * clauselist_selectivity(root, baserel->baserestrictinfo,
													0, JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(rows);

	/* the files the restriction clauses leave */
	info->scan_rows = info->total_rows;
	info->scan_bytes = info->total_bytes;
	if (lake_enable_pruning)
		pushed = LakePushableClauses(baserel->baserestrictinfo, baserel->relid);
	if (snap && (pushed != NIL || LakeXactOptions(xt)->primary_key != NIL))
		info->files = LakeXactSnapshotFiles(xt, snap);
	if (pushed != NIL)
	{
		int			nfiles;

		estimate_pruning(root, baserel, foreigntableid, xt, pushed,
						 &info->scan_rows, &info->scan_bytes, &nfiles);
	}
	/* partitions (for probe costs) */
	if (info->files != NIL && lake_enable_pruning)
	{
		Relation	rel = table_open(foreigntableid, NoLock);
		const LakeLayout *lo = scan_layout(rel, xt);
		const LakePartIndex *ix;

		table_close(rel, NoLock);
		ix = files_index(xt, lo, info->files);
		info->npartitions = ix ? Max(LakePartIndexPartitions(ix), 1) : 1;
		if (ix != NULL || !lo->partitioned)
			return;
	}
	{
		List	   *parts = NIL;

		foreach(lc, info->files)
		{
			LakeDataFile *f = lfirst(lc);

			if (!list_member(parts, makeString(f->partition ? f->partition : "")))
				parts = lappend(parts, makeString(f->partition ? f->partition : ""));
		}
		info->npartitions = Max(list_length(parts), 1);
	}
}

/* Cost of reading scan_rows rows in scan_bytes bytes of which fraction is needed. */
static void
scan_cost(PlannerInfo *root, RelOptInfo *baserel, double fraction, double scan_rows,
		  double scan_bytes, List *quals, Cost *startup, Cost *total)
{
	*startup = 10;
	*total = *startup
		+ seq_page_cost * (scan_bytes * fraction / BLCKSZ)
		+ cpu_tuple_cost * scan_rows
		+ cpu_operator_cost * scan_rows * list_length(quals);
}

/* callback of generate_implied_equalities_for_column: a key column? */
typedef struct KeyColumnArg
{
	AttrNumber	attno;
} KeyColumnArg;

static bool
ec_member_is_column(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
					EquivalenceMember *em, void *arg)
{
	KeyColumnArg *k = arg;
	Expr	   *e = em->em_expr;

	while (e && IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return e && IsA(e, Var) && ((Var *) e)->varno == rel->relid &&
		((Var *) e)->varattno == k->attno && ((Var *) e)->varlevelsup == 0;
}

/* Does clause compare the leading key column by equality with outer values? */
static bool
is_leading_key_equality(RestrictInfo *ri, Index relid, AttrNumber lead_attno)
{
	Expr	   *c = ri->clause;
	OpExpr	   *op;
	Node	   *l,
			   *r;

	if (!IsA(c, OpExpr) || list_length(((OpExpr *) c)->args) != 2)
		return false;
	op = (OpExpr *) c;
	if (!op_mergejoinable(op->opno, exprType(linitial(op->args))))
		return false;
	l = linitial(op->args);
	r = lsecond(op->args);
	while (IsA(l, RelabelType))
		l = (Node *) ((RelabelType *) l)->arg;
	while (IsA(r, RelabelType))
		r = (Node *) ((RelabelType *) r)->arg;
	if (IsA(l, Var) && ((Var *) l)->varno == relid && ((Var *) l)->varattno == lead_attno)
		return LakePushableClause(c, relid);
	if (IsA(r, Var) && ((Var *) r)->varno == relid && ((Var *) r)->varattno == lead_attno)
		return LakePushableClause(c, relid);
	return false;
}

/*
 * Parameterized paths of a primary-key table: probes by the leading key
 * column(s) with values from an outer relation, one per set of outer
 * relations that can supply them.
 */
static void
add_key_probe_paths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
					double fraction)
{
	LakeRelInfo *info = baserel->fdw_private;
	LakeXactTable *xt = LakeXactGetTable(foreigntableid, false);
	LakeTableOptions *opts = LakeXactOptions(xt);
	Relation	rel;
	AttrNumber	lead = InvalidAttrNumber;
	List	   *candidates = NIL;
	List	   *outers = NIL;
	KeyColumnArg arg;
	ListCell   *lc;

	if (opts->primary_key == NIL || !lake_enable_pruning)
		return;
	rel = table_open(foreigntableid, NoLock);
	for (int a = 0; a < RelationGetDescr(rel)->natts; a++)
		if (strcmp(NameStr(TupleDescAttr(RelationGetDescr(rel), a)->attname),
				   (char *) linitial(opts->primary_key)) == 0)
			lead = a + 1;
	table_close(rel, NoLock);
	if (lead == InvalidAttrNumber)
		return;

	/* join clauses from equivalence classes and from joininfo */
	arg.attno = lead;
	candidates = generate_implied_equalities_for_column(root, baserel,
														ec_member_is_column, &arg,
														baserel->lateral_referencers);
	foreach(lc, baserel->joininfo)
		candidates = lappend(candidates, lfirst(lc));
	foreach(lc, candidates)
	{
		RestrictInfo *ri = lfirst(lc);
		Relids		required;

		if (!is_leading_key_equality(ri, baserel->relid, lead) ||
			!join_clause_is_movable_to(ri, baserel))
			continue;
		required = bms_union(ri->clause_relids, baserel->lateral_relids);
		required = bms_del_member(required, baserel->relid);
		if (bms_is_empty(required))
			continue;
		outers = lappend(outers, required);
	}
	foreach(lc, outers)
	{
		Relids		required = lfirst(lc);
		ParamPathInfo *ppi = get_baserel_parampathinfo(root, baserel, required);
		double		probe_files;
		double		rows = ppi->ppi_rows;
		Cost		startup = 10;
		Cost		total;
		bool		dup = false;
		ListCell   *pc;

		foreach(pc, baserel->pathlist)
		{
			Path	   *p = lfirst(pc);

			if (p->param_info == ppi)
				dup = true;
		}
		if (dup)
			continue;

		/*
		 * A probe checks every file's statistics and reads, of each file
		 * whose key range may hold the key, the footer and one page per
		 * column read.  Hash buckets share key ranges; partitions do not
		 * when the partition column is a key column given by the probe.
		 */
		probe_files = Max(1.0, (double) info->nfiles / info->npartitions);
		total = startup
			+ cpu_operator_cost * info->nfiles
			+ random_page_cost * probe_files * (1 + bms_num_members(info->attrs_used) * fraction)
			+ cpu_tuple_cost * rows * 2;
		add_path(baserel, (Path *)
				 create_foreignscan_path(root, baserel, NULL, rows, startup, total,
										 NIL, required, NULL, NIL));
	}
}

/*
 * Do the restriction clauses fix every primary-key column by equality with
 * a value known at execution start (constants, parameters, stable
 * expressions of them)?  Such a scan
 * reads, of each file of the key's partition and bucket, one page per column.
 */
static bool
restricts_full_key(RelOptInfo *baserel, Relation rel, List *primary_key)
{
	TupleDesc	desc = RelationGetDescr(rel);
	ListCell   *kc;

	if (primary_key == NIL)
		return false;
	foreach(kc, primary_key)
	{
		AttrNumber	attno = InvalidAttrNumber;
		bool		fixed = false;
		ListCell   *lc;

		for (int a = 0; a < desc->natts; a++)
			if (!TupleDescAttr(desc, a)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, a)->attname), (char *) lfirst(kc)) == 0)
				attno = a + 1;
		if (attno == InvalidAttrNumber)
			return false;
		foreach(lc, baserel->baserestrictinfo)
		{
			RestrictInfo *ri = lfirst(lc);
			OpExpr	   *op = (OpExpr *) ri->clause;
			Node	   *l,
					   *r;

			if (!IsA(op, OpExpr) || list_length(op->args) != 2 ||
				!op_mergejoinable(op->opno, exprType(linitial(op->args))))
				continue;
			l = linitial(op->args);
			r = lsecond(op->args);
			while (IsA(l, RelabelType))
				l = (Node *) ((RelabelType *) l)->arg;
			while (IsA(r, RelabelType))
				r = (Node *) ((RelabelType *) r)->arg;
			if (!(IsA(l, Var) && ((Var *) l)->varattno == attno))
			{
				Node	   *t = l;

				l = r;
				r = t;
			}
			if (IsA(l, Var) && ((Var *) l)->varno == baserel->relid &&
				((Var *) l)->varattno == attno && !contain_var_clause(r) &&
				!contain_volatile_functions(r) &&
				LakePushableClause(ri->clause, baserel->relid))
			{
				fixed = true;
				break;
			}
		}
		if (!fixed)
			return false;
	}
	return true;
}

void
lakeGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	LakeRelInfo *info = baserel->fdw_private;
	Relation	rel;
	int			natts;
	int			nused;
	double		fraction;
	Cost		startup;
	Cost		total;
	bool		point;

	if (LakeRelIsChangelog(foreigntableid))
	{
		LakeChangelogGetPaths(root, baserel);
		return;
	}
	rel = table_open(foreigntableid, NoLock);
	natts = RelationGetDescr(rel)->natts;
	nused = bms_num_members(info->attrs_used);
	point = lake_enable_pruning &&
		restricts_full_key(baserel, rel,
						   LakeXactOptions(LakeXactGetTable(foreigntableid, false))->primary_key);
	table_close(rel, NoLock);
	fraction = natts > 0 ? Min(1.0, (double) Max(nused, 1) / natts) : 1.0;
	if (point)
	{
		/*
		 * A point lookup, costed like a key probe and alike whether the key
		 * is given by constants or by parameters: the statistics of every
		 * file, and of each file of one partition a footer and one page per
		 * column read.  So a prepared lookup's generic plan costs what its
		 * custom plans cost, and the plan cache keeps it: no planning per
		 * execution.
		 */
		double		probe_files = Max(1.0, (double) info->nfiles / info->npartitions);

		startup = 10;
		total = startup
			+ cpu_operator_cost * info->nfiles
			+ random_page_cost * probe_files * (1 + nused * fraction)
			+ cpu_tuple_cost * baserel->rows * 2;
	}
	else
		scan_cost(root, baserel, fraction, info->scan_rows, info->scan_bytes,
				  baserel->baserestrictinfo, &startup, &total);
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, total, NIL, NULL, NULL, NIL));
	add_key_probe_paths(root, baserel, foreigntableid, fraction);
}

ForeignScan *
lakeGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				   ForeignPath *best_path, List *tlist, List *scan_clauses,
				   Plan *outer_plan)
{
	LakeRelInfo *info = baserel->fdw_private;
	List	   *attnums = NIL;
	List	   *pushed = NIL;
	List	   *owned = NIL;
	List	   *filter_attnums = NIL;
	int			x = -1;
	bool		whole_row;

	if (IS_UPPER_REL(baserel) && LakeTopNIsPath(best_path))
		return LakeTopNGetPlan(root, best_path, tlist, outer_plan);
	if (IS_UPPER_REL(baserel))
		return LakeGetForeignUpperPlan(root, baserel, tlist, outer_plan);
	if (LakeRelIsChangelog(foreigntableid))
		return LakeChangelogGetPlan(root, baserel, tlist, scan_clauses, outer_plan);
	if (lake_enable_pruning)
		pushed = LakePushableClauses(scan_clauses, baserel->relid);
	/*
	 * the scan filters itself, except rows an UPDATE or DELETE targets
	 * (direct_modify.c reads the plan's quals)
	 */
	if (baserel->relid != (Index) root->parse->resultRelation &&
		!bms_is_member(baserel->relid, root->all_result_relids))
		owned = LakeFilterClauses(scan_clauses, baserel->relid, &scan_clauses);
	else
		scan_clauses = extract_actual_clauses(scan_clauses, false);
	whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, info->attrs_used);
	while ((x = bms_next_member(info->attrs_used, x)) >= 0)
	{
		AttrNumber	att = x + FirstLowInvalidHeapAttributeNumber;

		if (att > 0)
			attnums = lappend_int(attnums, att);
	}
	/*
	 * pushed clauses: fdw_exprs, where nestloop parameters replace outer
	 * Vars, and their classification (fdw_private's third item, made once
	 * per plan); the scan's own filter: fdw_recheck_quals, which
	 * EvalPlanQual rechecks too, and the attributes it reads (the fourth)
	 */
	if (owned != NIL)
	{
		Bitmapset  *filter_attrs = NULL;

		pull_varattnos((Node *) owned, baserel->relid, &filter_attrs);
		x = -1;
		while ((x = bms_next_member(filter_attrs, x)) >= 0)
			filter_attnums = lappend_int(filter_attnums,
										 x + FirstLowInvalidHeapAttributeNumber);
	}
	return make_foreignscan(tlist, scan_clauses, baserel->relid, pushed,
							list_make4(makeBoolean(whole_row), attnums,
									   LakePushdownTemplate(pushed, baserel->relid),
									   filter_attnums),
							NIL, owned, outer_plan);
}

/* ---------------------------------------------------------------------
 * Execution
 * ---------------------------------------------------------------------
 */
static void
build_scan_state(LakeScanState *st, Relation rel, bool whole_row, List *attnums,
				 EState *estate)
{
	LakeLayout *lo = &st->layout;
	bool	   *wanted;

	st->xt = LakeXactGetTable(RelationGetRelid(rel), false);
	/* the foreign scan and ANALYZE promise no order */
	st->spec.any_order = true;
	*lo = *scan_layout(rel, st->xt);
	st->snapshot = LakeXactReadSnapshot(st->xt);
	st->nlake = lo->ncolumns;
	st->lake_to_att = lo->lake_to_att;
	st->values = palloc0(sizeof(Datum) * Max(st->nlake, 1));
	st->isnull = palloc0(sizeof(bool) * Max(st->nlake, 1));
	wanted = palloc0(sizeof(bool) * Max(st->nlake, 1));
	for (int i = 0; i < st->nlake; i++)
	{
		int			a = lo->lake_to_att[i];

		if (a >= 0 && (whole_row || list_member_int(attnums, a + 1)))
			wanted[i] = true;
	}
	st->identity = true;
	for (int i = 0; i < st->nlake; i++)
		if (lo->lake_to_att[i] != i)
			st->identity = false;
	st->out_lake = palloc(sizeof(int) * Max(st->nlake, 1));
	st->out_att = palloc(sizeof(int) * Max(st->nlake, 1));
	st->nout = 0;
	for (int i = 0; i < st->nlake; i++)
		if (wanted[i] && st->lake_to_att[i] >= 0)
		{
			st->out_lake[st->nout] = i;
			st->out_att[st->nout] = st->lake_to_att[i];
			st->nout++;
		}

	st->spec.root = LakeXactTable_(st->xt)->root;
	st->spec.table_rel = LakeXactTable_(st->xt)->relpath;
	st->spec.ncolumns = st->nlake;
	st->spec.names = (const char *const *) lo->names;
	st->spec.types = lo->types;
	st->spec.wanted = wanted;
	st->spec.nkey = lo->nkey;
	st->spec.key_cols = lo->key_cols;
	st->spec.merge = lo->nkey > 0 ? LakeXactMergeConfig(st->xt) : NULL;
	/*
	 * LakeXactReadSnapshot pinned the snapshot (expiry keeps away from its
	 * files until the transaction ends).  Its files in commit order, shared
	 * and read-only (the table cache's); the transaction's drops take a
	 * subset, in the same order.
	 */
	st->spec.files = LakeXactVisibleFiles(st->xt,
										  LakeXactSnapshotFiles(st->xt, st->snapshot));
	st->nfiles = list_length(st->spec.files);

	/* the transaction's own writes, unless reading a fixed snapshot */
	if (!LakeTableIsReadOnly(LakeXactOptions(st->xt)))
	{
		bool		as_of_set;

		(void) LakeAsOfSetting(&as_of_set);
		if (!as_of_set)
			LakeXactPendingForScan(st->xt,
								   estate->es_snapshot->curcid,
								   lo->nkey > 0,
								   &st->spec.pending_files,
								   &st->spec.pending_buffer,
								   &st->spec.pending_limit);
	}
	st->all_files = st->spec.files;
	st->all_pending = st->spec.pending_files;
}

/* AND of a (or nothing) and b, in node (two argument slots) */
static LakePredicate *
and_node(LakePredicate **node, const LakePredicate *a, LakePredicate *b, MemoryContext cxt)
{
	if (a == NULL)
		return b;
	if (*node == NULL)
	{
		*node = MemoryContextAllocZero(cxt, sizeof(LakePredicate));
		(*node)->kind = LAKE_PRED_AND;
		(*node)->args = MemoryContextAlloc(cxt, sizeof(LakePredicate *) * 2);
	}
	(*node)->nargs = 2;
	(*node)->args[0] = (LakePredicate *) a;
	(*node)->args[1] = b;
	return *node;
}

/*
 * A top-N scan: the bound on the first sort key (topn_exec.c) joins the
 * pushed predicate, where statistics can evaluate it.  On primary-key
 * tables it applies, as any predicate, to the files holding the only
 * version of their keys, and everywhere when its column is a key column.
 */
static void
topn_add_bound(LakeScanState *st)
{
	LakePredicate *bound;
	int			col;
	bool		key = false;
	MemoryContext cxt = GetMemoryChunkContext(st);

	st->spec.predicate = st->base_pred;
	st->spec.key_predicate = st->base_key_pred;
	if (!st->topn_active || !lake_enable_pruning ||
		(bound = LakeTopNBound(st->topn_keys)) == NULL)
		return;
	col = LakeTopNBoundColumn(st->topn_keys);
	/* append tables: best files first (any order is theirs to choose) */
	if (st->layout.nkey == 0 && !st->files_ordered)
	{
		MemoryContext old = MemoryContextSwitchTo(st->pred_cxt ? st->pred_cxt : cxt);

		st->spec.files = LakeTopNOrderFiles(st->topn_keys, st->spec.files,
											st->layout.column_ids[col]);
		MemoryContextSwitchTo(old);
		st->files_ordered = true;
	}
	for (int k = 0; k < st->layout.nkey; k++)
		if (st->layout.key_cols[k] == col)
			key = true;
	st->spec.predicate = and_node(&st->and_pred, st->base_pred, bound, cxt);
	if (key)
		st->spec.key_predicate = and_node(&st->and_key_pred, st->base_key_pred, bound, cxt);
}

/*
 * A top-N scan returning columns beyond those its sort and WHERE read:
 * first a scan of those columns alone, which finds the LIMIT + OFFSET-th
 * best key; the real scan then turns away every row worse than it (the
 * statistics bound stays as tight), so that the other columns are
 * decoded at about LIMIT + OFFSET rows, wherever they lie in the files.
 * Its counters join the loop's.
 */
static void
topn_first_pass(LakeScanState *st, EState *estate)
{
	LakeScanSpec first = st->spec;
	LakeScan   *scan;
	LakeScanStats stats;
	bool		extra = false;
	int64		removed = st->filter_removed;

	if (!st->topn_active)
		return;
	for (int i = 0; i < st->nlake; i++)
		if (st->spec.wanted[i] && !st->spec.filter_cols[i])
			extra = true;
	if (!extra)
		return;
	first.wanted = st->spec.filter_cols;
	scan = LakeScanBegin(&first, estate->es_query_cxt);
	while (LakeScanNext(scan, st->values, st->isnull))
		;
	/* the WHERE's removals are counted by the second pass */
	st->filter_removed = removed;
	LakeScanGetStats(scan, &stats);
	LakeScanEnd(scan);
	stats.files_total = 0;		/* pruning counted the files */
	stats.files_read = 0;		/* the second pass counts them */
	LakeScanStatsAdd(&st->prune_stats, &stats);
	st->topn_passes++;
	(void) LakeTopNFreeze(st->topn_keys);
}

/*
 * Start (or restart) the scan: evaluate the pushed predicate when there is
 * one and it may have changed, prune partitions and files, and begin.
 */
static void
start_scan(ForeignScanState *node, LakeScanState *st, bool values_changed)
{
	EState	   *estate = node->ss.ps.state;

	if (st->pushdown && lake_enable_pruning && (values_changed || !st->pruned_once))
	{
		LakePredicate *pred;
		LakePruneSpec ps;
		List	   *files;
		List	   *pending;
		bool	   *full;
		const LakePredicate *key_pred;
		bool		pushed_true;
		MemoryContext old;

		MemoryContextReset(st->pred_cxt);
		pred = LakePushdownEval(st->pushdown, node->ss.ps.ps_ExprContext, st->pred_cxt);
		old = MemoryContextSwitchTo(st->pred_cxt);

		prune_spec(&st->layout, pred, &ps);
		ps.index = files_index(st->xt, &st->layout, st->all_files);
		memset(&st->last_prune, 0, sizeof(st->last_prune));
		LakePruneFiles(&ps, st->all_files, st->all_pending, &files, &pending, &full,
					   &key_pred, &st->last_prune);
		pushed_true = LakePredIsTrue(pred);
		if (!pushed_true && st->layout.partitioned)
		{
			/*
			 * Inside a file the partition columns hold one value, which the
			 * partition check above has just let through: their conditions
			 * drop nothing there, and are not evaluated again per row group,
			 * page and batch (every row is still checked by the quals).
			 */
			bool	   *rest = palloc(sizeof(bool) * Max(st->layout.ncolumns, 1));

			for (int i = 0; i < st->layout.ncolumns; i++)
				rest[i] = !st->layout.partition_col[i];
			pred = LakePredRestrict(pred, rest);
			key_pred = LakePredRestrict(key_pred, rest);
		}
		MemoryContextSwitchTo(old);
		st->spec.files = files;
		st->spec.pending_files = pending;
		st->spec.full_predicate = full;
		/* kept, even TRUE, where something was pushed: EXPLAIN counts */
		st->spec.predicate = pushed_true ? NULL : pred;
		st->spec.key_predicate = LakePredIsTrue(key_pred) ? NULL : key_pred;
		st->base_pred = st->spec.predicate;
		st->base_key_pred = st->spec.key_predicate;
		st->pruned_once = true;
		st->files_ordered = false;
	}
	else if (!st->pruned_once)
	{
		memset(&st->last_prune, 0, sizeof(st->last_prune));
		st->last_prune.files_total = list_length(st->all_files) + list_length(st->all_pending);
		st->pruned_once = true;
		st->files_ordered = false;
	}
	st->prune_stats = st->last_prune;
	if (st->topn)
	{
		topn_add_bound(st);
		topn_first_pass(st, estate);
	}
	st->scan = LakeScanBegin(&st->spec, estate->es_query_cxt);
}

/* Counters of the current loop (pruning + scan), for EXPLAIN ANALYZE. */
static void
loop_stats(LakeScanState *st, LakeScanStats *out)
{
	LakeScanStats scan;

	*out = st->prune_stats;
	if (st->scan == NULL)
		return;
	LakeScanGetStats(st->scan, &scan);
	scan.files_total = 0;		/* pruning counted the files */
	LakeScanStatsAdd(out, &scan);
}

/*
 * What aggregate and top-N plans (scan_relid 0) share: the table, the WHERE
 * the scan evaluates (fdw_private items 5 and 6) and the scan state.  The
 * WHERE's Vars carry the range table index of planning time (item 9),
 * which a flattened subquery offsets: they are moved to the table's index
 * in the final range table (*rtindex).
 */
static Relation
build_upper_scan_state(ForeignScanState *node, LakeScanState *st, int *rtindex)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	int			planned_relid = intVal(list_nth(plan->fdw_private, 9));
	Relation	rel;

	*rtindex = bms_next_member(plan->fs_relids, -1);
	rel = ExecGetRangeTableRelation(estate, *rtindex);
	st->filter_exprs = copyObject((List *) list_nth(plan->fdw_private, 5));
	st->pushed_exprs = copyObject((List *) list_nth(plan->fdw_private, 6));
	if (planned_relid != *rtindex)
	{
		ChangeVarNodes((Node *) st->filter_exprs, planned_relid, *rtindex, 0);
		ChangeVarNodes((Node *) st->pushed_exprs, planned_relid, *rtindex, 0);
	}
	build_scan_state(st, rel, false, lsecond(plan->fdw_private), estate);
	return rel;
}

/*
 * An aggregate plan (scan_relid 0): fdw_private also lists, per column of
 * the scan tuple, its kind and the attribute it reads, then the WHERE the
 * scan evaluates (upper_plan.c, build_upper_scan_state).
 */
static Relation
build_aggregate_state(ForeignScanState *node, LakeScanState *st, int *rtindex)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	Relation	rel;
	List	   *kinds = lthird(plan->fdw_private);
	List	   *attnos = lfourth(plan->fdw_private);
	int			i = 0;
	ListCell   *lk,
			   *la;

	st->aggregate = true;
	rel = build_upper_scan_state(node, st, rtindex);
	st->agg_description = strVal(list_nth(plan->fdw_private, 4));
	st->nitems = list_length(kinds);
	st->items = palloc(sizeof(LakeAggItem) * Max(st->nitems, 1));
	forboth(lk, kinds, la, attnos)
	{
		LakeAggItem *it = &st->items[i++];
		int			attno = lfirst_int(la);

		it->kind = (LakeAggKind) lfirst_int(lk);
		it->column = -1;
		if (attno <= 0)
			continue;
		for (int c = 0; c < st->nlake; c++)
			if (st->lake_to_att[c] == attno - 1)
				it->column = c;
		if (it->column < 0 || !st->spec.wanted[it->column])
			elog(ERROR, "column %d of a lake aggregate is not read", attno);
	}
	return rel;
}

/*
 * A top-N plan (scan_relid 0, topn_plan.c): fdw_private as an aggregate
 * plan's, without aggregate kinds, then the sort; fdw_exprs are LIMIT,
 * OFFSET and the WHERE's Params.  The scan tuple holds the columns listed
 * in fdw_private's fourth item.
 */
static Relation
build_topn_state(ForeignScanState *node, LakeScanState *st, int *rtindex)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	Relation	rel;
	List	   *attnos = lfourth(plan->fdw_private);
	List	   *sort = list_nth(plan->fdw_private, 10);
	List	   *pos = list_nth(sort, LAKE_TOPN_SORT_POS);
	List	   *ops = list_nth(sort, LAKE_TOPN_SORT_OPS);
	List	   *colls = list_nth(sort, LAKE_TOPN_SORT_COLLS);
	List	   *nfirst = list_nth(sort, LAKE_TOPN_NULLS_FIRST);
	int		   *key_cols;
	ListCell   *lc;
	int			i = 0;

	st->topn = true;
	rel = build_upper_scan_state(node, st, rtindex);
	st->topn_description = strVal(list_nth(sort, LAKE_TOPN_DESCRIPTION));
	st->nscan = list_length(attnos);
	st->scan_lake = palloc(sizeof(int) * Max(st->nscan, 1));
	foreach(lc, attnos)
	{
		int			attno = lfirst_int(lc);

		st->scan_lake[i] = attno > 0 && attno <= st->layout.natts ?
			st->layout.att_to_lake[attno - 1] : -1;
		if (st->scan_lake[i] >= 0 && !st->spec.wanted[st->scan_lake[i]])
			elog(ERROR, "column %d of a lake top-n scan is not read", attno);
		i++;
	}
	st->nsort = list_length(pos);
	st->sort_att = palloc(sizeof(AttrNumber) * Max(st->nsort, 1));
	st->sort_ops = palloc(sizeof(Oid) * Max(st->nsort, 1));
	st->sort_colls = palloc(sizeof(Oid) * Max(st->nsort, 1));
	st->sort_nulls_first = palloc(sizeof(bool) * Max(st->nsort, 1));
	key_cols = palloc(sizeof(int) * Max(st->nsort, 1));
	for (i = 0; i < st->nsort; i++)
	{
		int			p = list_nth_int(pos, i);

		st->sort_att[i] = p + 1;
		st->sort_ops[i] = list_nth_oid(ops, i);
		st->sort_colls[i] = list_nth_oid(colls, i);
		st->sort_nulls_first[i] = list_nth_int(nfirst, i) != 0;
		key_cols[i] = st->scan_lake[p];
		if (key_cols[i] < 0)
			elog(ERROR, "sort column %d of a lake top-n scan is not a lake column", p + 1);
	}
	st->topn_keys = LakeTopNCreate(st->nsort, key_cols, st->sort_ops, st->sort_colls,
								   st->sort_nulls_first, st->layout.types,
								   estate->es_query_cxt);
	st->sort_slot = ExecInitExtraTupleSlot(estate,
										   node->ss.ss_ScanTupleSlot->tts_tupleDescriptor,
										   &TTSOpsMinimalTuple);
	st->limit_count = ExecInitExpr(linitial(plan->fdw_exprs), &node->ss.ps);
	st->limit_offset = ExecInitExpr(lsecond(plan->fdw_exprs), &node->ss.ps);
	return rel;
}

/*
 * The scan's row filter (LakeScanRowFilter): the quals of
 * fdw_recheck_quals on each row not yet skipped, through a slot holding
 * the columns they read.  PostgreSQL's own expression machinery decides;
 * errors are its errors.
 */
static uint32
row_filter(void *arg, uint32 nrows, Datum *const *values, bool *const *isnull,
		   uint8 *skip)
{
	LakeScanState *st = arg;
	TupleTableSlot *slot = st->filter_slot;
	ExprContext *econtext = st->filter_econtext;
	uint32		removed = 0;

	econtext->ecxt_scantuple = slot;
	for (uint32 r = 0; r < nrows; r++)
	{
		if (skip[r])
			continue;
		if ((r & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		ExecClearTuple(slot);
		for (int k = 0; k < st->nfilter; k++)
		{
			slot->tts_values[st->filter_att[k]] = values[st->filter_lake[k]][r];
			slot->tts_isnull[st->filter_att[k]] = isnull[st->filter_lake[k]][r];
		}
		ExecStoreVirtualTuple(slot);
		ResetExprContext(econtext);
		if (!ExecQual(st->filter_qual, econtext))
		{
			skip[r] = 1;
			removed++;
		}
	}
	ResetExprContext(econtext);
	st->filter_removed += removed;
	return removed;
}

/* A top-N scan's row filter: the WHERE's, then the best keys so far. */
static uint32
topn_row_filter(void *arg, uint32 nrows, Datum *const *values, bool *const *isnull,
				uint8 *skip)
{
	LakeScanState *st = arg;
	uint32		removed = 0;

	if (st->filter_qual)
		removed = row_filter(arg, nrows, values, isnull, skip);
	if (st->topn_active)
		removed += LakeTopNFilter(st->topn_keys, nrows, values, isnull, skip);
	return removed;
}

/* LIMIT or OFFSET of this loop: -1 for NULL */
static int64
topn_eval_limit(ForeignScanState *node, ExprState *expr, bool is_offset)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	bool		isnull;
	Datum		d = ExecEvalExprSwitchContext(expr, econtext, &isnull);
	int64		v;

	if (isnull)
		return -1;
	v = DatumGetInt64(d);
	if (v < 0 && is_offset)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_ROW_COUNT_IN_RESULT_OFFSET_CLAUSE),
				 errmsg("OFFSET must not be negative")));
	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_ROW_COUNT_IN_LIMIT_CLAUSE),
				 errmsg("LIMIT must not be negative")));
	return v;
}

/* at most this many keys are kept by the row filter; beyond, the sort alone */
#define TOPN_MAX_KEPT	INT64CONST(1000000)

/*
 * A top-N loop: evaluate LIMIT and OFFSET, scan keeping the best LIMIT +
 * OFFSET keys (the row filter drops the others before their other columns
 * are decoded), sort the rows kept with PostgreSQL's bounded tuplesort and
 * skip OFFSET of them.
 */
static void
topn_run(ForeignScanState *node, LakeScanState *st)
{
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	MemoryContext old;
	int64		bound;

	st->count = topn_eval_limit(node, st->limit_count, false);
	st->offset = topn_eval_limit(node, st->limit_offset, true);
	if (st->offset < 0)
		st->offset = 0;
	st->returned = 0;
	if (st->count == 0)
	{
		st->sort = NULL;
		return;
	}
	bound = st->count < 0 || st->count > PG_INT64_MAX - st->offset ? -1 :
		st->count + st->offset;
	st->topn_active = bound > 0 && bound <= TOPN_MAX_KEPT;
	LakeTopNReset(st->topn_keys, st->topn_active ? bound : 0);
	start_scan(node, st, st->values_changed);
	/* the sort lives to the end of the loop (Iterate runs per tuple) */
	old = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);
	st->sort = tuplesort_begin_heap(slot->tts_tupleDescriptor, st->nsort, st->sort_att,
									st->sort_ops, st->sort_colls, st->sort_nulls_first,
									work_mem, NULL, TUPLESORT_NONE);
	MemoryContextSwitchTo(old);
	if (bound > 0)
		tuplesort_set_bound(st->sort, bound);
	for (;;)
	{
		ExecClearTuple(slot);
		if (!LakeScanNext(st->scan, st->values, st->isnull))
			break;
		for (int k = 0; k < st->nscan; k++)
		{
			int			c = st->scan_lake[k];

			slot->tts_values[k] = c >= 0 ? st->values[c] : (Datum) 0;
			slot->tts_isnull[k] = c >= 0 ? st->isnull[c] : true;
		}
		ExecStoreVirtualTuple(slot);
		tuplesort_puttupleslot(st->sort, slot);
		st->topn_kept++;
	}
	tuplesort_performsort(st->sort);
	if (st->offset > 0)
		(void) tuplesort_skiptuples(st->sort, st->offset, true);
}

static void
topn_end_loop(LakeScanState *st)
{
	if (st->sort)
	{
		tuplesort_end(st->sort);
		st->sort = NULL;
	}
	if (st->topn_active)
	{
		int64		rejected;
		int64		tightened;

		LakeTopNCounts(st->topn_keys, &rejected, &tightened);
		st->topn_rejected += rejected;
		st->topn_active = false;
	}
}

/*
 * Give the scan a row filter: qual (over rows of desc), reading the
 * attributes attnums.
 */
static void
filter_init(ForeignScanState *node, LakeScanState *st, TupleDesc desc, ExprState *qual,
			List *attnums)
{
	EState	   *estate = node->ss.ps.state;
	bool	   *cols = palloc0(sizeof(bool) * Max(st->nlake, 1));
	ListCell   *lc;

	st->filter_lake = palloc(sizeof(int) * Max(list_length(attnums), 1));
	st->filter_att = palloc(sizeof(int) * Max(list_length(attnums), 1));
	foreach(lc, attnums)
	{
		int			a = lfirst_int(lc) - 1;
		int			c = a >= 0 && a < st->layout.natts ? st->layout.att_to_lake[a] : -1;

		/* a column the lake does not hold reads as NULL, as in the scan slot */
		if (c < 0 || !st->spec.wanted[c])
			continue;
		cols[c] = true;
		st->filter_lake[st->nfilter] = c;
		st->filter_att[st->nfilter] = a;
		st->nfilter++;
	}
	st->filter_slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
	for (int a = 0; a < desc->natts; a++)
	{
		st->filter_slot->tts_values[a] = (Datum) 0;
		st->filter_slot->tts_isnull[a] = true;
	}
	st->filter_econtext = CreateExprContext(estate);
	st->filter_qual = qual;
	st->spec.filter = row_filter;
	st->spec.filter_arg = st;
	st->spec.filter_cols = cols;
}

void
lakeBeginForeignScan(ForeignScanState *node, int eflags)
{
	LakeScanState *st;
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	bool		aggregate = plan->scan.scanrelid == 0;
	Relation	rel;
	Index		relid;
	List	   *pushed;
	List	   *tmpl;

	if (LakeChangelogIsPlan(plan))
	{
		LakeChangelogBeginScan(node, eflags);

		/*
		 * Rows come from the changelog scan: told once here, not per row.
		 * A scan of a relation (scanrelid > 0) has its own copy of the
		 * routine (ExecInitForeignScan: GetFdwRoutineForRelation with
		 * makecopy), so this node alone is redirected.
		 */
		node->fdwroutine->IterateForeignScan = LakeChangelogIterate;
		return;
	}
	st = palloc0(sizeof(LakeScanState));
	node->fdw_state = st;
	if (aggregate)
	{
		int			rtindex;

		if (list_length(plan->fdw_private) > 10)
			rel = build_topn_state(node, st, &rtindex);
		else
			rel = build_aggregate_state(node, st, &rtindex);
		relid = rtindex;
		pushed = st->pushed_exprs;
		tmpl = list_nth(plan->fdw_private, 7);
	}
	else
	{
		rel = node->ss.ss_currentRelation;
		relid = plan->scan.scanrelid;
		build_scan_state(st, rel, boolVal(linitial(plan->fdw_private)),
						 lsecond(plan->fdw_private), node->ss.ps.state);
		st->filter_exprs = plan->fdw_recheck_quals;
		st->pushed_exprs = pushed = plan->fdw_exprs;
		tmpl = list_length(plan->fdw_private) > 2 ? lthird(plan->fdw_private) : NIL;
	}
	if (pushed != NIL)
	{
		st->pushdown = LakePushdownInit(pushed, tmpl, relid,
										st->layout.att_to_lake, st->layout.natts,
										st->layout.types, &node->ss.ps);
		st->pred_cxt = AllocSetContextCreate(node->ss.ps.state->es_query_cxt,
											 "lake_fdw predicate",
											 ALLOCSET_SMALL_SIZES);
	}
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	if (st->topn)
	{
		List	   *attnums = list_copy(list_nth(plan->fdw_private, 8));

		/* the filter reads the WHERE's columns and the sort's */
		for (int k = 0; k < st->nsort; k++)
			attnums = list_append_unique_int(attnums,
											 list_nth_int(lfourth(plan->fdw_private),
														  st->sort_att[k] - 1));
		filter_init(node, st, RelationGetDescr(rel),
					st->filter_exprs != NIL ? ExecInitQual(st->filter_exprs, &node->ss.ps) : NULL,
					attnums);
		st->spec.filter = topn_row_filter;
	}
	else if (aggregate && st->filter_exprs != NIL)
		filter_init(node, st, RelationGetDescr(rel),
					ExecInitQual(st->filter_exprs, &node->ss.ps),
					list_nth(plan->fdw_private, 8));
	else if (!aggregate && plan->fdw_recheck_quals != NIL && node->fdw_recheck_quals != NULL)
	{
		List	   *attnums = NIL;

		/* the attributes the filter reads: the plan's list, made once per plan */
		if (list_length(plan->fdw_private) > 3)
			attnums = lfourth(plan->fdw_private);
		else
		{
			Bitmapset  *attrs = NULL;
			int			x = -1;

			pull_varattnos((Node *) plan->fdw_recheck_quals, relid, &attrs);
			while ((x = bms_next_member(attrs, x)) >= 0)
				attnums = lappend_int(attnums, x + FirstLowInvalidHeapAttributeNumber);
		}
		filter_init(node, st, RelationGetDescr(rel), node->fdw_recheck_quals, attnums);
	}
	/* started at the first fetch: a nested loop rescans before it */
	st->need_start = true;
	st->values_changed = true;
}

TupleTableSlot *
lakeIterateForeignScan(ForeignScanState *node)
{
	LakeScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	/* changelog plans iterate in LakeChangelogIterate (BeginForeignScan) */
	Assert(!LakeChangelogIsPlan((ForeignScan *) node->ss.ps.plan));
	ExecClearTuple(slot);
	if (st->topn)
	{
		if (st->need_start)
		{
			topn_run(node, st);
			st->need_start = false;
			st->values_changed = false;
		}
		if (st->sort == NULL || (st->count >= 0 && st->returned >= st->count) ||
			!tuplesort_gettupleslot(st->sort, true, false, st->sort_slot, NULL))
			return slot;
		st->returned++;
		st->rows_out++;
		return st->sort_slot;
	}
	if (st->aggregate)
	{
		if (st->need_start)
		{
			start_scan(node, st, st->values_changed);
			st->need_start = false;
			st->values_changed = false;
			st->agg = LakeAggregateBegin(st->scan, &st->spec, st->nitems, st->items,
										 node->ss.ps.state->es_query_cxt);
		}
		/* one row per group, in the scan tuple's (fdw_scan_tlist) shape */
		if (!LakeAggregateNext(st->agg, slot->tts_values, slot->tts_isnull))
			return slot;
		return ExecStoreVirtualTuple(slot);
	}
	if (!st->slot_ready)
	{
		/* attributes the query does not read stay NULL in every row */
		for (int a = 0; a < slot->tts_tupleDescriptor->natts; a++)
		{
			slot->tts_values[a] = (Datum) 0;
			slot->tts_isnull[a] = true;
		}
		st->slot_ready = true;
	}
	if (st->need_start)
	{
		start_scan(node, st, st->values_changed);
		st->need_start = false;
		st->values_changed = false;
	}
	if (st->identity)
	{
		/* columns line up: the scan writes the slot */
		if (!LakeScanNext(st->scan, slot->tts_values, slot->tts_isnull))
			return slot;
	}
	else
	{
		if (!LakeScanNext(st->scan, st->values, st->isnull))
			return slot;
		for (int k = 0; k < st->nout; k++)
		{
			slot->tts_values[st->out_att[k]] = st->values[st->out_lake[k]];
			slot->tts_isnull[st->out_att[k]] = st->isnull[st->out_lake[k]];
		}
	}
	st->rows_out++;
	return ExecStoreVirtualTuple(slot);
}

void
lakeReScanForeignScan(ForeignScanState *node)
{
	LakeScanState *st = node->fdw_state;

	if (LakeChangelogIsPlan((ForeignScan *) node->ss.ps.plan))
	{
		LakeChangelogReScan(node);
		return;
	}
	if (st->topn)
		topn_end_loop(st);
	if (st->agg)
	{
		/* the groups go; the scan below starts over (and prunes) at the next fetch */
		LakeAggregateEnd(st->agg);
		st->agg = NULL;
	}
	{
		/* a new loop: keep the counters, prune again if parameters moved */
		if (st->scan)
		{
			LakeScanStats loop;

			loop_stats(st, &loop);
			LakeScanStatsAdd(&st->done_stats, &loop);
			memset(&st->prune_stats, 0, sizeof(st->prune_stats));
			LakeScanEnd(st->scan);
			st->scan = NULL;
		}
		st->need_start = true;
		if (st->pushdown && LakePushdownHasValues(st->pushdown) &&
			node->ss.ps.chgParam != NULL)
			st->values_changed = true;
	}
}

void
lakeEndForeignScan(ForeignScanState *node)
{
	LakeScanState *st = node->fdw_state;

	if (LakeChangelogIsPlan((ForeignScan *) node->ss.ps.plan))
	{
		LakeChangelogEndScan(node);
		return;
	}
	if (st && st->agg)
	{
		LakeAggregateEnd(st->agg);
		st->agg = NULL;
	}
	if (st && st->topn)
		topn_end_loop(st);
	if (st && st->scan)
	{
		LakeScanEnd(st->scan);
		st->scan = NULL;
	}
}

/* LIMIT or OFFSET for EXPLAIN: a bigint constant as a number */
static char *
limit_text(Node *expr, List *context)
{
	if (IsA(expr, Const) && ((Const *) expr)->consttype == INT8OID &&
		!((Const *) expr)->constisnull)
		return psprintf(INT64_FORMAT, DatumGetInt64(((Const *) expr)->constvalue));
	return deparse_expression(expr, context, false, false);
}

void
lakeExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	LakeScanState *st = node->fdw_state;
	LakeTableOptions *opts;

	if (LakeChangelogIsPlan((ForeignScan *) node->ss.ps.plan))
	{
		LakeChangelogExplain(node, es);
		return;
	}
	opts = LakeXactOptions(st->xt);
	if (st->filter_exprs != NIL)
	{
		ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
		List	   *context = set_deparse_context_plan(es->deparse_cxt,
													   (Plan *) plan, NIL);
		Node	   *expr = (Node *) make_ands_explicit(st->filter_exprs);

		/* the quals the scan evaluates in PostgreSQL's stead */
		ExplainPropertyText("Lake Filter",
							deparse_expression(expr, context,
											   list_length(es->rtable) > 1, false),
							es);
	}
	ExplainPropertyText("Lake Table", opts->relpath, es);
	if (st->agg_description)
		ExplainPropertyText("Lake Aggregate", st->agg_description, es);
	if (st->topn)
	{
		ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
		List	   *context = set_deparse_context_plan(es->deparse_cxt,
													   (Plan *) plan, NIL);
		Node	   *count = linitial(plan->fdw_exprs);
		Node	   *offset = lsecond(plan->fdw_exprs);
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfo(&buf, "%s LIMIT %s", st->topn_description,
						 limit_text(count, context));
		if (!(IsA(offset, Const) && ((Const *) offset)->constisnull))
			appendStringInfo(&buf, " OFFSET %s", limit_text(offset, context));
		ExplainPropertyText("Lake Top-N", buf.data, es);
	}
	if (st->snapshot)
	{
		/* commit times vary run to run: only with COSTS */
		if (es->costs)
			ExplainPropertyText("Lake Snapshot",
								psprintf(INT64_FORMAT " (committed %s)", st->snapshot->id,
										 timestamptz_to_str(st->snapshot->commit_time)),
								es);
		else
			ExplainPropertyInteger("Lake Snapshot", NULL, st->snapshot->id, es);
	}
	else
		ExplainPropertyText("Lake Snapshot", "none (table is empty)", es);
	ExplainPropertyInteger("Lake Files", NULL, st->nfiles, es);
	if (st->spec.nkey > 0)
		ExplainPropertyText("Lake Read", "merge on read by primary key", es);
	if (st->pushdown && es->verbose)
	{
		ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
		List	   *context = set_deparse_context_plan(es->deparse_cxt,
													   (Plan *) plan, NIL);
		Node	   *expr = (Node *) make_ands_explicit(st->pushed_exprs);

		ExplainPropertyText("Lake Pushed Filter",
							deparse_expression(expr, context,
											   list_length(es->rtable) > 1, false),
							es);
	}
	if (es->analyze && (st->scan || st->pruned_once))
	{
		LakeScanStats stats;

		loop_stats(st, &stats);
		LakeScanStatsAdd(&stats, &st->done_stats);
		if (st->pushdown && stats.partitions_total > 0)
			ExplainPropertyText("Lake Partitions Read",
								psprintf(INT64_FORMAT " of " INT64_FORMAT,
										 stats.partitions_read, stats.partitions_total),
								es);
		ExplainPropertyText("Lake Files Read",
							psprintf(INT64_FORMAT " of " INT64_FORMAT,
									 stats.files_read, stats.files_total),
							es);
		if (st->topn)
		{
			int64		rejected = st->topn_rejected;
			int64		tightened;

			if (st->topn_active)
			{
				int64		now;

				LakeTopNCounts(st->topn_keys, &now, &tightened);
				rejected += now;
			}
			ExplainPropertyInteger("Lake Top-N Rows Kept", NULL, st->topn_kept, es);
			/* in text only when one ran */
			if (st->topn_passes > 0 || es->format != EXPLAIN_FORMAT_TEXT)
				ExplainPropertyInteger("Lake Top-N First Passes", NULL, st->topn_passes, es);
			ExplainPropertyInteger("Lake Top-N Rows Rejected", NULL, rejected, es);
			/* without a pushed WHERE, every unit skipped is the bound's */
			if (!st->pushdown)
				ExplainPropertyText("Lake Top-N Bound Skipped",
									psprintf(INT64_FORMAT " of " INT64_FORMAT " row groups, "
											 INT64_FORMAT " of " INT64_FORMAT " pages",
											 stats.row_groups_total - stats.row_groups_read,
											 stats.row_groups_total,
											 stats.pages_total - stats.pages_read,
											 stats.pages_total),
									es);
		}
		if (st->pushdown)
		{
			ExplainPropertyText("Lake Row Groups Read",
								psprintf(INT64_FORMAT " of " INT64_FORMAT,
										 stats.row_groups_read, stats.row_groups_total),
								es);
			ExplainPropertyText("Lake Pages Read",
								psprintf(INT64_FORMAT " of " INT64_FORMAT,
										 stats.pages_read, stats.pages_total),
								es);
			ExplainPropertyInteger("Lake Bloom Rejections", NULL, stats.bloom_rejected, es);
			/* in text only when a seek ran, as "Rows Removed by Filter" */
			if (stats.key_seeks > 0 || es->format != EXPLAIN_FORMAT_TEXT)
				ExplainPropertyInteger("Lake Key Seeks", NULL, stats.key_seeks, es);
		}
		ExplainPropertyInteger("Lake Rows Read", NULL, stats.rows_read, es);
		/* like PostgreSQL's "Rows Removed by Filter" */
		if (st->filter_qual && (st->filter_removed > 0 || es->format != EXPLAIN_FORMAT_TEXT))
			ExplainPropertyInteger("Rows Removed by Lake Filter", NULL,
								   st->filter_removed, es);
		if (!st->aggregate)
			ExplainPropertyInteger("Lake Rows Produced", NULL, st->rows_out, es);
		if (es->verbose)
			ExplainPropertyInteger("Lake Bytes Read", "bytes", (int64) stats.bytes_read, es);
	}
}

/* ---------------------------------------------------------------------
 * ANALYZE: a uniform sample of the rows at the latest snapshot
 * ---------------------------------------------------------------------
 */
static int
lake_acquire_sample_rows(Relation relation, int elevel, HeapTuple *rows,
						 int targrows, double *totalrows, double *totaldeadrows)
{
	TupleDesc	desc = RelationGetDescr(relation);
	EState	   *estate = CreateExecutorState();
	LakeScanState *st = palloc0(sizeof(LakeScanState));
	List	   *attnums = NIL;
	Datum	   *values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	int			numrows = 0;
	double		seen = 0;
	ReservoirStateData rstate;
	double		rowstoskip = -1;

	for (int a = 0; a < desc->natts; a++)
		attnums = lappend_int(attnums, a + 1);
	estate->es_snapshot = GetActiveSnapshot();
	build_scan_state(st, relation, true, attnums, estate);
	st->scan = LakeScanBegin(&st->spec, CurrentMemoryContext);
	reservoir_init_selection_state(&rstate, targrows);
	while (LakeScanNext(st->scan, st->values, st->isnull))
	{
		int			pos;

		vacuum_delay_point();
		for (int a = 0; a < desc->natts; a++)
		{
			values[a] = (Datum) 0;
			nulls[a] = true;
		}
		for (int i = 0; i < st->nlake; i++)
			if (st->lake_to_att[i] >= 0)
			{
				values[st->lake_to_att[i]] = st->values[i];
				nulls[st->lake_to_att[i]] = st->isnull[i];
			}
		seen++;
		if (numrows < targrows)
		{
			rows[numrows++] = heap_form_tuple(desc, values, nulls);
			continue;
		}
		if (rowstoskip < 0)
			rowstoskip = reservoir_get_next_S(&rstate, seen, targrows);
		if (rowstoskip <= 0)
		{
			pos = (int) (targrows * sampler_random_fract(&rstate.randstate));
			heap_freetuple(rows[pos]);
			rows[pos] = heap_form_tuple(desc, values, nulls);
		}
		rowstoskip -= 1;
	}
	LakeScanEnd(st->scan);
	FreeExecutorState(estate);
	*totalrows = seen;
	*totaldeadrows = 0;
	return numrows;
}

bool
lakeAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
						BlockNumber *totalpages)
{
	LakeXactTable *xt;
	LakeSnapshot *snap;

	if (LakeRelIsChangelog(RelationGetRelid(relation)))
		return false;			/* changes are no table to sample */
	xt = LakeXactGetTable(RelationGetRelid(relation), false);
	snap = LakeXactReadSnapshot(xt);
	*func = lake_acquire_sample_rows;
	*totalpages = snap ? (BlockNumber) Max(1, snap->total_bytes / BLCKSZ) : 1;
	return true;
}
