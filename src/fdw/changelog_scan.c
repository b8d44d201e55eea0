/*-------------------------------------------------------------------------
 * changelog_scan.c
 *	  Scans of foreign tables with scan 'changelog': planning (the snapshot
 *	  range from WHERE clauses on _snapshot_id and _commit_time), choosing
 *	  the files of each snapshot in the range, consumers, EXPLAIN.
 *
 * A changelog table declares lake columns (any subset) and the metadata
 * columns _change_kind text, _snapshot_id bigint, _commit_time timestamptz.
 * Comparisons (<, <=, =, >=, >) of _snapshot_id or _commit_time with an
 * expression that does not depend on the row (constants, parameters,
 * stable functions such as now()) narrow the snapshot range; they are
 * evaluated at executor start, and every qual is still checked by
 * PostgreSQL on the rows, so pushdown never changes results.
 *
 * The range's upper end is the snapshot the statement (or transaction)
 * reads the table at; with a consumer its lower end is the consumer's
 * position + 1.  Per snapshot: COMPACT and SCHEMA commits have no changes;
 * otherwise the files the commit added: its changelog files on a 'lookup'
 * primary-key table, its data files elsewhere (see scan/changelog.c).
 * Ranges below the earliest retained snapshot start at it.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "fdw/fdw.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parse_type.h"
#include "parser/parsetree.h"
#include "scan/scan.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "lib/ilist.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#define META_KIND	"_change_kind"
#define META_SNAP	"_snapshot_id"
#define META_TIME	"_commit_time"

/* bound strategies, as stored in the plan */
#define BOUND_LT	0
#define BOUND_LE	1
#define BOUND_EQ	2
#define BOUND_GE	3
#define BOUND_GT	4

typedef struct ChangelogState
{
	LakeXactTable *xt;
	LakeTable  *table;			/* borrowed */
	LakeChangeSpec spec;
	LakeChangeScan *scan;
	int			nlake;
	int		   *lake_to_att;	/* [nlake] attribute index or -1 */
	int			att_kind;		/* attribute index of _change_kind, or -1 */
	int			att_snap;
	int			att_time;
	Datum	   *values;			/* lake order */
	bool	   *isnull;
	bool		from_changelog; /* lookup: changelog files */
	int64		nfiles;
	int64		nsnapshots;		/* snapshots with changes in the range */
	bool		empty;			/* the range is empty */
	char	   *consumer;		/* or NULL */
	int64		consumer_position;
	int64		consumer_offset;	/* changes of the next snapshot consumed */
	bool		advanced;
	List	   *bound_states;	/* ExprState* of the range bounds */
	List	   *bound_kinds;	/* per bound: (column, strategy) */
	bool		started;		/* range chosen, scan begun */
	Datum		kind_text[LAKE_CHANGE_NKINDS];	/* "+I" ... as text */
} ChangelogState;

bool
LakeRelIsChangelog(Oid relid)
{
	return LakeGetTableOptions(relid)->scan_mode == LAKE_SCAN_CHANGELOG;
}

/* ---------------------------------------------------------------------
 * Planning
 * ---------------------------------------------------------------------
 */

/* Which metadata column (0 = _snapshot_id, 1 = _commit_time) a Var is */
static int
meta_column_of(PlannerInfo *root, RelOptInfo *baserel, Node *n)
{
	Var		   *v;
	RangeTblEntry *rte;
	char	   *name;

	if (n && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	if (n == NULL || !IsA(n, Var))
		return -1;
	v = (Var *) n;
	if (v->varno != baserel->relid || v->varlevelsup != 0 || v->varattno <= 0)
		return -1;
	rte = planner_rt_fetch(baserel->relid, root);
	name = get_attname(rte->relid, v->varattno, false);
	if (strcmp(name, META_SNAP) == 0 && v->vartype == INT8OID)
		return 0;
	if (strcmp(name, META_TIME) == 0 && v->vartype == TIMESTAMPTZOID)
		return 1;
	return -1;
}

static int
bound_of_opname(const char *op, bool commuted)
{
	if (strcmp(op, "=") == 0)
		return BOUND_EQ;
	if (strcmp(op, "<") == 0)
		return commuted ? BOUND_GT : BOUND_LT;
	if (strcmp(op, "<=") == 0)
		return commuted ? BOUND_GE : BOUND_LE;
	if (strcmp(op, ">") == 0)
		return commuted ? BOUND_LT : BOUND_GT;
	if (strcmp(op, ">=") == 0)
		return commuted ? BOUND_LE : BOUND_GE;
	return -1;
}

/* May the other side of a comparison be evaluated once, before the scan? */
static bool
row_independent(Node *expr, Oid type, int which)
{
	if (contain_var_clause(expr) || contain_volatile_functions(expr) ||
		contain_subplans(expr))
		return false;
	if (which == 0)
		return type == INT8OID || type == INT4OID || type == INT2OID;
	return type == TIMESTAMPTZOID;
}

/*
 * The range quals: a List of List(which, bound, expr) for the
 * comparisons that narrow the snapshot range.
 */
static List *
range_quals(PlannerInfo *root, RelOptInfo *baserel)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst(lc);
		OpExpr	   *op;
		Node	   *l,
				   *r;
		int			which;
		int			bound;
		bool		commuted = false;
		char	   *opname;

		if (!IsA(ri->clause, OpExpr))
			continue;
		op = (OpExpr *) ri->clause;
		if (list_length(op->args) != 2)
			continue;
		l = linitial(op->args);
		r = lsecond(op->args);
		which = meta_column_of(root, baserel, l);
		if (which < 0)
		{
			which = meta_column_of(root, baserel, r);
			if (which < 0)
				continue;
			commuted = true;
			r = l;
		}
		if (!row_independent(r, exprType(r), which))
			continue;
		opname = get_opname(op->opno);
		if (opname == NULL || (bound = bound_of_opname(opname, commuted)) < 0)
			continue;
		out = lappend(out, list_make3(makeInteger(which), makeInteger(bound), r));
	}
	return out;
}

void
LakeChangelogGetRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	LakeXactTable *xt = LakeXactGetTable(foreigntableid, false);
	LakeSnapshot *snap = LakeXactReadSnapshot(xt);
	List	   *quals = range_quals(root, baserel);
	double		rows;

	/* a guess: the rows of the last commit, times a few if unbounded */
	rows = snap ? Max(snap->added_rows, 1) : 1;
	if (quals == NIL)
		rows *= 10;
	baserel->fdw_private = quals;
	baserel->tuples = rows;
	baserel->rows = clamp_row_est(rows * clauselist_selectivity(root, baserel->baserestrictinfo,
																0, JOIN_INNER, NULL));
}

void
LakeChangelogGetPaths(PlannerInfo *root, RelOptInfo *baserel)
{
	Cost		total = 10 + cpu_tuple_cost * baserel->tuples * 4;

	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 10, total, NIL, NULL, NULL, NIL));
}

bool
LakeChangelogIsPlan(ForeignScan *plan)
{
	return plan->scan.scanrelid != 0 && plan->fdw_private != NIL &&
		IsA(linitial(plan->fdw_private), String);
}

ForeignScan *
LakeChangelogGetPlan(PlannerInfo *root, RelOptInfo *baserel, List *tlist,
					 List *scan_clauses, Plan *outer_plan)
{
	List	   *quals = baserel->fdw_private;

	scan_clauses = extract_actual_clauses(scan_clauses, false);
	/* fdw_exprs: the bound expressions; fdw_private: (which, bound) pairs */
	{
		List	   *exprs = NIL;
		List	   *meta = NIL;
		ListCell   *lc;

		foreach(lc, quals)
		{
			List	   *q = lfirst(lc);

			meta = lappend(meta, list_make2(linitial(q), lsecond(q)));
			exprs = lappend(exprs, lthird(q));
		}
		return make_foreignscan(tlist, scan_clauses, baserel->relid, exprs,
								list_make2(makeString(pstrdup("changelog")), meta),
								NIL, NIL, outer_plan);
	}
}

/* ---------------------------------------------------------------------
 * The snapshot range
 * ---------------------------------------------------------------------
 */
typedef struct Range
{
	int64		lo_id;			/* inclusive */
	int64		hi_id;
	bool		has_lo_time;
	bool		lo_time_strict;
	TimestampTz lo_time;
	bool		has_hi_time;
	bool		hi_time_strict;
	TimestampTz hi_time;
} Range;

static void
apply_bound(Range *r, int which, int bound, Datum d, Oid type)
{
	if (which == 0)
	{
		int64		v = type == INT8OID ? DatumGetInt64(d) :
		type == INT4OID ? (int64) DatumGetInt32(d) : (int64) DatumGetInt16(d);

		switch (bound)
		{
			case BOUND_LT:
				r->hi_id = Min(r->hi_id, v - 1);
				break;
			case BOUND_LE:
				r->hi_id = Min(r->hi_id, v);
				break;
			case BOUND_EQ:
				r->lo_id = Max(r->lo_id, v);
				r->hi_id = Min(r->hi_id, v);
				break;
			case BOUND_GE:
				r->lo_id = Max(r->lo_id, v);
				break;
			case BOUND_GT:
				r->lo_id = Max(r->lo_id, v == PG_INT64_MAX ? v : v + 1);
				break;
		}
		return;
	}
	{
		TimestampTz t = DatumGetTimestampTz(d);

		if (bound == BOUND_GE || bound == BOUND_GT || bound == BOUND_EQ)
		{
			bool		strict = bound == BOUND_GT;

			if (!r->has_lo_time || t > r->lo_time || (t == r->lo_time && strict))
			{
				r->lo_time = t;
				r->lo_time_strict = strict;
			}
			r->has_lo_time = true;
		}
		if (bound == BOUND_LE || bound == BOUND_LT || bound == BOUND_EQ)
		{
			bool		strict = bound == BOUND_LT;

			if (!r->has_hi_time || t < r->hi_time || (t == r->hi_time && strict))
			{
				r->hi_time = t;
				r->hi_time_strict = strict;
			}
			r->has_hi_time = true;
		}
	}
}

static bool
time_above_lo(const Range *r, TimestampTz t)
{
	return !r->has_lo_time || (r->lo_time_strict ? t > r->lo_time : t >= r->lo_time);
}

static bool
time_below_hi(const Range *r, TimestampTz t)
{
	return !r->has_hi_time || (r->hi_time_strict ? t < r->hi_time : t <= r->hi_time);
}

static int
file_seq_order(const ListCell *a, const ListCell *b)
{
	LakeDataFile *x = lfirst(a);
	LakeDataFile *y = lfirst(b);

	if (x->min_sequence != y->min_sequence)
		return x->min_sequence < y->min_sequence ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * The first id in [lo, hi] whose commit time passes the lower time bound
 * (commit times never decrease along ids): a binary search.
 */
static int64
first_after_time(LakeTable *table, const Range *r, int64 lo, int64 hi)
{
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo) / 2;
		LakeSnapshot *s = LakeSnapshotLoad(table, mid, false);
		bool		ok = time_above_lo(r, s->commit_time);

		pfree(s);
		if (ok)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ---------------------------------------------------------------------
 * The files each snapshot added, cached across statements
 *
 * Backend-local, without invalidation: what a snapshot added is a
 * function of its delta manifest list, which is freshly named per
 * snapshot and never rewritten (FORMAT.md), so the key is the table
 * directory, the snapshot id and that name.  An entry keeps only what a
 * change scan reads of a file (path, kind, sequences, row count), in its
 * own context under CacheMemoryContext; entries are bounded by
 * lake_fdw.metadata_cache_size, least recently used out first.
 * ---------------------------------------------------------------------
 */
typedef struct DeltaEntry
{
	dlist_node	node;			/* in delta_lru, most recent first */
	MemoryContext cxt;			/* owns this entry */
	char	   *dir;
	int64		id;
	char	   *delta_list;
	List	   *added;			/* slim LakeDataFile*, in cxt */
	Size		bytes;
} DeltaEntry;

static MemoryContext delta_cxt = NULL;
static dlist_head delta_lru = DLIST_STATIC_INIT(delta_lru);
static Size delta_bytes = 0;
static int64 delta_entries = 0;
static int64 delta_hits = 0;
static int64 delta_misses = 0;
static int64 delta_evictions = 0;

static void
delta_evict(DeltaEntry *e)
{
	dlist_delete(&e->node);
	delta_bytes -= e->bytes;
	delta_entries--;
	MemoryContextDelete(e->cxt);
}

/* Counters of the snapshot delta cache, for lake_metadata_cache(). */
void
LakeChangelogCacheGetStats(LakeMetaCacheStats *stats)
{
	stats->entries = delta_entries;
	stats->bytes = delta_bytes;
	stats->limit = LakeMetaCacheLimit();
	stats->hits = delta_hits;
	stats->misses = delta_misses;
	stats->evictions = delta_evictions;
}

/* Empty the snapshot delta cache (lake_metadata_cache_reset). */
void
LakeChangelogCacheReset(void)
{
	while (!dlist_is_empty(&delta_lru))
		delta_evict(dlist_container(DeltaEntry, node, dlist_head_node(&delta_lru)));
}

/*
 * The files snapshot s added (slim copies: read-only, valid until the
 * next call may evict; the caller copies the list cells it keeps).
 */
static List *
snapshot_added(LakeTable *table, LakeSnapshot *s)
{
	dlist_iter	it;
	DeltaEntry *e;
	MemoryContext cxt;
	MemoryContext old;
	List	   *added;
	List	   *deleted;
	ListCell   *lc;
	Size		limit = LakeMetaCacheLimit();

	if (s->delta_manifest_list == NULL || limit == 0)
	{
		LakeSnapshotDelta(table, s, &added, &deleted);
		return added;
	}
	dlist_foreach(it, &delta_lru)
	{
		e = dlist_container(DeltaEntry, node, it.cur);
		if (e->id == s->id && strcmp(e->delta_list, s->delta_manifest_list) == 0 &&
			strcmp(e->dir, table->dir) == 0)
		{
			dlist_move_head(&delta_lru, &e->node);
			delta_hits++;
			return e->added;
		}
	}
	delta_misses++;
	LakeSnapshotDelta(table, s, &added, &deleted);
	if (delta_cxt == NULL)
		delta_cxt = AllocSetContextCreate(CacheMemoryContext, "lake_fdw changelog delta cache",
										  ALLOCSET_SMALL_SIZES);
	cxt = AllocSetContextCreate(delta_cxt, "lake_fdw changelog delta", ALLOCSET_SMALL_SIZES);
	e = MemoryContextAllocZero(cxt, sizeof(DeltaEntry));
	e->cxt = cxt;
	old = MemoryContextSwitchTo(cxt);
	e->dir = pstrdup(table->dir);
	e->id = s->id;
	e->delta_list = pstrdup(s->delta_manifest_list);
	foreach(lc, added)
	{
		LakeDataFile *f = lfirst(lc);
		LakeDataFile *c = palloc0(sizeof(LakeDataFile));

		c->path = pstrdup(f->path);
		c->kind = f->kind;
		c->partition = f->partition ? pstrdup(f->partition) : NULL;
		c->bucket = f->bucket;
		c->level = f->level;
		c->row_count = f->row_count;
		c->file_size = f->file_size;
		c->schema_id = f->schema_id;
		c->min_sequence = f->min_sequence;
		c->max_sequence = f->max_sequence;
		c->added_snapshot_id = f->added_snapshot_id;
		c->data_snapshot_id = f->data_snapshot_id;
		c->created_at = f->created_at;
		e->added = lappend(e->added, c);
	}
	MemoryContextSwitchTo(old);
	e->bytes = MemoryContextMemAllocated(cxt, true);
	dlist_push_head(&delta_lru, &e->node);
	delta_bytes += e->bytes;
	delta_entries++;
	/* the new entry stays even if it alone passes the bound */
	while (delta_bytes > limit)
	{
		DeltaEntry *last = dlist_container(DeltaEntry, node, dlist_tail_node(&delta_lru));

		if (last == e)
			break;
		delta_evict(last);
		delta_evictions++;
	}
	return e->added;
}

/* Fill st->spec.snapshots with the changes of the range. */
static void
choose_snapshots(ChangelogState *st, Range *r, LakeSnapshot *read_snap)
{
	LakeTable  *table = st->table;
	int64		earliest;
	int64		lo,
				hi;

	st->spec.snapshots = NIL;
	st->empty = true;
	if (read_snap == NULL)
	{
		st->spec.first_snapshot = 1;
		st->spec.last_snapshot = 0;
		return;
	}
	earliest = LakeSnapshotEarliestId(table);
	lo = Max(Max(r->lo_id, earliest), 1);
	hi = Min(r->hi_id, read_snap->id);
	if (st->consumer && st->consumer_position + 1 > lo)
		lo = st->consumer_position + 1;
	/* resume inside the snapshot an earlier scan stopped in */
	st->spec.first_skip = 0;
	if (st->consumer && st->consumer_position + 1 < earliest)
		ereport(ERROR,
				(errcode(ERRCODE_SNAPSHOT_TOO_OLD),
				 errmsg("consumer \"%s\" of lake table \"%s\" needs snapshot " INT64_FORMAT ", which has expired",
						st->consumer, table->relpath, st->consumer_position + 1),
				 errhint("lake_reset_consumer() moves the consumer; the earliest snapshot is " INT64_FORMAT ".",
						 earliest)));
	if (lo <= hi && r->has_lo_time)
		lo = first_after_time(table, r, lo, hi + 1);
	st->spec.first_snapshot = lo;
	st->spec.last_snapshot = hi;
	if (st->consumer && lo == st->consumer_position + 1)
		st->spec.first_skip = st->consumer_offset;
	if (lo > hi)
	{
		/* an empty range still completes a consumer up to hi */
		st->spec.first_snapshot = hi + 1;
		return;
	}
	/* keep expiry away from the range's files until the transaction ends */
	LakeSnapshotPin(table, lo);
	for (int64 id = lo; id <= hi; id++)
	{
		LakeSnapshot *s;
		List	   *added;
		List	   *files = NIL;
		ListCell   *lc;
		LakeChangeSnapshot *cs;

		CHECK_FOR_INTERRUPTS();
		s = id == read_snap->id ? read_snap : LakeSnapshotLoad(table, id, false);
		if (!time_below_hi(r, s->commit_time))
		{
			/* no later snapshot passes either */
			st->spec.last_snapshot = id - 1;
			break;
		}
		if (s->kind == LAKE_COMMIT_COMPACT || s->kind == LAKE_COMMIT_SCHEMA)
			continue;
		added = snapshot_added(table, s);
		foreach(lc, added)
		{
			LakeDataFile *f = lfirst(lc);

			if ((f->kind == LAKE_FILE_CHANGELOG) == st->from_changelog)
			{
				/* a copy: the cache may drop its entry */
				LakeDataFile *c = palloc(sizeof(LakeDataFile));

				*c = *f;
				c->path = pstrdup(f->path);
				c->partition = f->partition ? pstrdup(f->partition) : NULL;
				c->min_key = c->max_key = NULL;
				c->nstats = 0;
				c->stats = NULL;
				files = lappend(files, c);
			}
		}
		if (files == NIL)
			continue;
		list_sort(files, file_seq_order);
		cs = palloc(sizeof(LakeChangeSnapshot));
		cs->snapshot_id = id;
		cs->commit_time = s->commit_time;
		cs->files = files;
		st->spec.snapshots = lappend(st->spec.snapshots, cs);
		st->nfiles += list_length(files);
		st->nsnapshots++;
		st->empty = false;
	}
}

/* ---------------------------------------------------------------------
 * Execution
 * ---------------------------------------------------------------------
 */
static void choose_range(ForeignScanState *node, bool explain_only);
static void
check_meta_type(Form_pg_attribute att, Oid want, const char *type_name)
{
	if (att->atttypid != want)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("column \"%s\" of a changelog scan must be of type %s",
						NameStr(att->attname), type_name)));
}

void
LakeChangelogBeginScan(ForeignScanState *node, int eflags)
{
	ChangelogState *st = palloc0(sizeof(ChangelogState));
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	Relation	rel = node->ss.ss_currentRelation;
	TupleDesc	desc = RelationGetDescr(rel);
	LakeSchema *schema;
	LakeTableOptions *opts;
	const char *mode;
	char	  **names;
	bool	   *wanted;
	LakeTypeInfo *types;
	Bitmapset  *used = NULL;
	bool		whole_row;

	node->fdw_state = st;
	/* the attributes the query reads: targets and quals (0: the whole row) */
	pull_varattnos((Node *) plan->scan.plan.targetlist, plan->scan.scanrelid, &used);
	pull_varattnos((Node *) plan->scan.plan.qual, plan->scan.scanrelid, &used);
	whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, used);
	st->xt = LakeXactGetTable(RelationGetRelid(rel), false);
	st->table = LakeXactTable_(st->xt);
	opts = LakeXactOptions(st->xt);
	schema = LakeXactSchema(st->xt);
	mode = LakeSchemaChangelogMode(schema);
	st->from_changelog = schema->primary_key != NIL && strcmp(mode, "lookup") == 0;
	st->nlake = schema->ncolumns;
	st->lake_to_att = palloc(sizeof(int) * Max(st->nlake, 1));
	st->values = palloc0(sizeof(Datum) * Max(st->nlake, 1));
	st->isnull = palloc0(sizeof(bool) * Max(st->nlake, 1));
	names = palloc(sizeof(char *) * Max(st->nlake, 1));
	wanted = palloc0(sizeof(bool) * Max(st->nlake, 1));
	types = palloc(sizeof(LakeTypeInfo) * Max(st->nlake, 1));
	st->att_kind = st->att_snap = st->att_time = -1;
	for (int a = 0; a < desc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, a);

		if (att->attisdropped)
			continue;
		if (!whole_row &&
			!bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber, used))
			continue;			/* not read: stays NULL */
		if (strcmp(NameStr(att->attname), META_KIND) == 0)
		{
			check_meta_type(att, TEXTOID, "text");
			st->att_kind = a;
		}
		else if (strcmp(NameStr(att->attname), META_SNAP) == 0)
		{
			check_meta_type(att, INT8OID, "bigint");
			st->att_snap = a;
		}
		else if (strcmp(NameStr(att->attname), META_TIME) == 0)
		{
			check_meta_type(att, TIMESTAMPTZOID, "timestamp with time zone");
			st->att_time = a;
		}
	}
	for (int i = 0; i < st->nlake; i++)
	{
		LakeColumn *c = &schema->columns[i];
		Oid			typid;
		int32		typmod;

		names[i] = c->name;
		parseTypeString(c->type_name, &typid, &typmod, false);
		LakeTypeFromPgOrError(typid, typmod, c->name, &types[i]);
		st->lake_to_att[i] = -1;
		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), c->name) == 0 &&
				(whole_row ||
				 bms_is_member(att->attnum - FirstLowInvalidHeapAttributeNumber, used)))
			{
				st->lake_to_att[i] = a;
				wanted[i] = true;
				break;
			}
		}
	}
	st->spec.root = st->table->root;
	st->spec.table_rel = st->table->relpath;
	st->spec.ncolumns = st->nlake;
	st->spec.names = (const char *const *) names;
	st->spec.types = types;
	st->spec.wanted = wanted;
	st->spec.want_kind = st->att_kind >= 0;
	for (int k = 0; k < LAKE_CHANGE_NKINDS; k++)
		st->kind_text[k] = CStringGetTextDatum(LakeChangeKindName((LakeChangeKind) k));

	st->bound_states = ExecInitExprList(plan->fdw_exprs, (PlanState *) node);
	st->bound_kinds = lsecond(plan->fdw_private);
	st->consumer = opts->consumer;

	/*
	 * The range is chosen at the first row, not here: bounds may read
	 * parameters (an InitPlan's, a nested loop's) that have no value yet.
	 * EXPLAIN without ANALYZE shows what can be known now.
	 */
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		choose_range(node, true);
}

/*
 * Evaluate the bounds, position the consumer (explain_only: just read its
 * position), choose the snapshots and, unless explain_only, begin the scan.
 */
static void
choose_range(ForeignScanState *node, bool explain_only)
{
	ChangelogState *st = node->fdw_state;
	LakeSnapshot *read_snap;
	Range		range;
	ListCell   *lm,
			   *le;

	/* rows are fetched in a per-tuple context: the range lives with the query */
	MemoryContext old = MemoryContextSwitchTo(node->ss.ps.state->es_query_cxt);

	memset(&range, 0, sizeof(range));
	range.lo_id = 1;
	range.hi_id = PG_INT64_MAX;
	st->nfiles = st->nsnapshots = 0;
	forboth(lm, st->bound_kinds, le, st->bound_states)
	{
		List	   *m = lfirst(lm);
		ExprState  *es = lfirst(le);
		bool		isnull;
		Datum		d;

		d = ExecEvalExpr(es, node->ss.ps.ps_ExprContext, &isnull);
		if (isnull)
		{
			/* a comparison with NULL holds for no row */
			range.lo_id = PG_INT64_MAX;
			range.hi_id = 0;
			continue;
		}
		apply_bound(&range, intVal(linitial(m)), intVal(lsecond(m)), d,
					exprType((Node *) es->expr));
	}
	read_snap = LakeXactReadSnapshot(st->xt);
	if (st->consumer && !explain_only)
		st->consumer_position = LakeConsumerBegin(st->table, st->consumer,
												  &st->consumer_offset);
	else if (st->consumer)
	{
		LakeConsumer *c = LakeConsumerLoad(st->table, st->consumer);

		st->consumer_position = c ? LakeConsumerResolveAt(st->table, c, false,
														  &st->consumer_offset) : 0;
	}
	choose_snapshots(st, &range, read_snap);
	st->started = true;
	if (!explain_only)
		st->scan = LakeChangeScanBegin(&st->spec, node->ss.ps.state->es_query_cxt);
	MemoryContextSwitchTo(old);
}

/* The consumer has consumed what the scan returned so far */
static void
advance_consumer(ChangelogState *st)
{
	int64		snapshot;
	int64		offset;

	LakeChangeScanPosition(st->scan, &snapshot, &offset);
	LakeConsumerAdvance(st->table, st->consumer, snapshot, offset);
}

TupleTableSlot *
LakeChangelogIterate(ForeignScanState *node)
{
	ChangelogState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	int			natts = slot->tts_tupleDescriptor->natts;
	LakeChange	change;

	ExecClearTuple(slot);
	if (!st->started)
		choose_range(node, false);
	if (!LakeChangeScanNext(st->scan, st->values, st->isnull, &change))
	{
		if (st->consumer && !st->advanced)
		{
			advance_consumer(st);
			st->advanced = true;
		}
		return slot;
	}
	memset(slot->tts_isnull, true, sizeof(bool) * natts);
	for (int i = 0; i < st->nlake; i++)
		if (st->lake_to_att[i] >= 0)
		{
			slot->tts_values[st->lake_to_att[i]] = st->values[i];
			slot->tts_isnull[st->lake_to_att[i]] = st->isnull[i];
		}
	if (st->att_kind >= 0)
	{
		if ((int) change.kind < 0 || (int) change.kind >= LAKE_CHANGE_NKINDS)
			(void) LakeChangeKindName(change.kind); /* reports it */
		slot->tts_values[st->att_kind] = st->kind_text[change.kind];
		slot->tts_isnull[st->att_kind] = false;
	}
	if (st->att_snap >= 0)
	{
		slot->tts_values[st->att_snap] = Int64GetDatum(change.snapshot_id);
		slot->tts_isnull[st->att_snap] = false;
	}
	if (st->att_time >= 0)
	{
		slot->tts_values[st->att_time] = TimestampTzGetDatum(change.commit_time);
		slot->tts_isnull[st->att_time] = false;
	}
	return ExecStoreVirtualTuple(slot);
}

void
LakeChangelogReScan(ForeignScanState *node)
{
	ChangelogState *st = node->fdw_state;

	if (st->scan)
	{
		/* what the pass so far returned stays consumed */
		if (st->consumer && !st->advanced)
			advance_consumer(st);
		if (node->ss.ps.chgParam != NULL)
		{
			/* bounds read parameters that changed: choose the range again */
			LakeChangeScanEnd(st->scan);
			st->scan = NULL;
			st->started = false;
			st->advanced = false;
		}
		else
			LakeChangeScanRescan(st->scan);
	}
}

void
LakeChangelogEndScan(ForeignScanState *node)
{
	ChangelogState *st = node->fdw_state;

	if (st && st->scan)
	{
		/*
		 * a scan stopped early (LIMIT) consumes exactly the changes it
		 * returned: the snapshots it finished and its place in the next
		 */
		if (st->consumer && !st->advanced)
			advance_consumer(st);
		LakeChangeScanEnd(st->scan);
		st->scan = NULL;
	}
}

void
LakeChangelogExplain(ForeignScanState *node, ExplainState *es)
{
	ChangelogState *st = node->fdw_state;
	LakeTableOptions *opts = LakeXactOptions(st->xt);

	ExplainPropertyText("Lake Table", opts->relpath, es);
	if (!st->started)
		ExplainPropertyText("Lake Changelog Range", "not chosen (no row was fetched)", es);
	else if (st->spec.first_snapshot > st->spec.last_snapshot)
		ExplainPropertyText("Lake Changelog Range", "empty", es);
	else
		ExplainPropertyText("Lake Changelog Range",
							psprintf("snapshots " INT64_FORMAT " to " INT64_FORMAT,
									 st->spec.first_snapshot, st->spec.last_snapshot),
							es);
	ExplainPropertyText("Lake Changelog Source",
						st->from_changelog ? "changelog files (lookup)" :
						"data files (records as written)", es);
	if (st->consumer)
		ExplainPropertyText("Lake Consumer",
							st->consumer_offset == 0 ?
							psprintf("%s (after snapshot " INT64_FORMAT ")",
									 st->consumer, st->consumer_position) :
							psprintf("%s (after snapshot " INT64_FORMAT " and " INT64_FORMAT " changes of the next)",
									 st->consumer, st->consumer_position,
									 st->consumer_offset), es);
	ExplainPropertyInteger("Lake Snapshots With Changes", NULL, st->nsnapshots, es);
	ExplainPropertyInteger("Lake Files", NULL, st->nfiles, es);
	if (es->analyze && st->scan)
	{
		LakeScanStats stats;

		LakeChangeScanGetStats(st->scan, &stats);
		ExplainPropertyInteger("Lake Files Read", NULL, stats.files_read, es);
		ExplainPropertyInteger("Lake Rows Read", NULL, stats.rows_read, es);
	}
}
