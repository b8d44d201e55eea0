/*-------------------------------------------------------------------------
 * modify.c
 *	  INSERT (with ON CONFLICT), COPY FROM, UPDATE and DELETE on lake
 *	  tables: the FDW modify callbacks.
 *
 * Rows are not written when they arrive: each becomes a record in the
 * transaction's write buffer for the table (xact.c), which turns them into
 * Parquet files at commit.  On primary-key tables:
 *	 - a plain INSERT (and COPY) writes ENGINE records: an existing key is
 *	   merged by the table's merge engine (an upsert);
 *	 - INSERT ... ON CONFLICT whose DO UPDATE SET list is a merge of
 *	   EXCLUDED onto the existing version writes blind OPS records
 *	   (onconflict.c decides); other forms look the key's current version
 *	   up (lookup.c) and write the resulting full row (SET) or nothing;
 *	 - UPDATE writes the new full row (SET), DELETE a tombstone; the
 *	   primary key identifies the row (junk columns added to the scan).
 * Writes that depended on the version read are checked at commit against
 * concurrent commits (40001).  Statements proposing one key twice to DO
 * UPDATE fail as PostgreSQL's do.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/tupdesc.h"
#include "commands/explain.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "fdw/modify_internal.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "parser/parsetree.h"
#include "port/pg_bswap.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/*
 * The keys this statement proposed or changed (ON CONFLICT, UPDATE,
 * DELETE), by their binary form: each key column's stored value (a NULL
 * flag, then fixed-width bytes, or a length and the bytes), floats with
 * -0 and NaNs made one value as the merge compares them.  Keys are
 * numbered in arrival order; their bytes lie end to end in one store, and
 * flags and rows hang off the number.  Fixed-width values are stored
 * big-endian with the sign flipped, so that byte order (memcmp, then
 * length) follows the values' order for integers: while keys arrive in
 * ascending byte order (a sorted source), each is new by one comparison
 * with the previous one, and that prefix of the keys is searched by
 * bisection; later keys go to a compact hash (12-byte entries).  A hash
 * lookup costs a cache miss or two per row on big statements.
 */
typedef struct StmtKeyRow
{
	Datum	   *values;			/* lookup path: the key's row (lake order) */
	bool	   *isnull;
} StmtKeyRow;

#define KEY_PRESENT		0x01	/* the key exists now */
#define KEY_AFFECTED	0x02	/* inserted or updated by this statement */
#define KEY_DONE		0x04	/* the scanned row with this key was updated
								 * or deleted by this statement */

typedef struct StmtKeyStore
{
	char	   *bytes;			/* keys end to end, then the one looked up */
	Size		nbytes;
	Size		maxbytes;
	Size	   *off;			/* [nkeys + 1] key i: off[i] .. off[i + 1] */
	uint8	   *flags;			/* [nkeys] KEY_* */
	StmtKeyRow **rows;			/* [nkeys] lookup path, or NULL */
	uint32		nkeys;
	uint32		maxkeys;
	uint32		nsorted;		/* keys [0, nsorted) ascend, not hashed */
	MemoryContext cxt;
} StmtKeyStore;

typedef struct StmtKey
{
	uint32		id;				/* the key's number */
	uint32		hash;
	char		status;			/* simplehash's */
} StmtKey;

/* key a's bytes against key b's (b may be the one being looked up) */
static inline bool
stmt_key_equal(const StmtKeyStore *ks, uint32 a, uint32 b)
{
	Size		la = ks->off[a + 1] - ks->off[a];
	Size		lb = ks->off[b + 1] - ks->off[b];

	return la == lb && memcmp(ks->bytes + ks->off[a], ks->bytes + ks->off[b], la) == 0;
}

static inline uint32
stmt_key_hash(const StmtKeyStore *ks, uint32 id)
{
	return hash_bytes((const unsigned char *) ks->bytes + ks->off[id],
					  (int) (ks->off[id + 1] - ks->off[id]));
}

/* byte order of keys a and b */
static inline int
stmt_key_cmp(const StmtKeyStore *ks, uint32 a, uint32 b)
{
	Size		la = ks->off[a + 1] - ks->off[a];
	Size		lb = ks->off[b + 1] - ks->off[b];
	int			c = memcmp(ks->bytes + ks->off[a], ks->bytes + ks->off[b], Min(la, lb));

	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

#define SH_PREFIX			stmtkeys
#define SH_ELEMENT_TYPE		StmtKey
#define SH_KEY_TYPE			uint32
#define SH_KEY				id
#define SH_HASH_KEY(tb, k)	stmt_key_hash((const StmtKeyStore *) (tb)->private_data, k)
#define SH_EQUAL(tb, a, b)	stmt_key_equal((const StmtKeyStore *) (tb)->private_data, a, b)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a)	((a)->hash)
#define SH_FILLFACTOR		(0.75)
#define SH_SCOPE			static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* per result relation */
typedef struct LakeModifyState
{
	LakeXactTable *xt;
	CmdType		operation;
	int			nlake;			/* lake schema columns */
	int		   *lake_to_att;	/* lake column -> attribute index, or -1 */
	Datum	   *values;			/* [nlake] */
	bool	   *isnull;
	LakeUpsertPlan up;
	ModifyTableState *mtstate;
	ResultRelInfo *rinfo;
	/* ON CONFLICT */
	MemoryContext stmt_cxt;		/* statement's keys and rows */
	stmtkeys_hash *stmt_keys;
	StmtKeyStore keys;
	LakeLookup *lookup;
	/* UPDATE / DELETE */
	AttrNumber *key_junk;		/* per key column: junk attno in planSlot */
	AttrNumber	wholerow_junk;	/* DELETE: the old row, or 0 */
} LakeModifyState;

#define KEY_JUNK_NAME	"lake_key_%d"

static bool
has_primary_key(Relation rel)
{
	return LakeGetTableOptions(RelationGetRelid(rel))->primary_key != NIL;
}

int
lakeIsForeignRelUpdatable(Relation rel)
{
	LakeTableOptions *opts = LakeGetTableOptions(RelationGetRelid(rel));

	if (LakeTableIsReadOnly(opts))
		return 0;
	/* append tables: DELETE of whole partitions only (direct_modify.c) */
	return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

/* The primary key identifies a row: its columns ride along as junk. */
void
lakeAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
							RangeTblEntry *target_rte, Relation target_relation)
{
	LakeTableOptions *opts = LakeGetTableOptions(RelationGetRelid(target_relation));
	ListCell   *lc;
	int			k = 0;

	foreach(lc, opts->primary_key)
	{
		AttrNumber	att = get_attnum(RelationGetRelid(target_relation), lfirst(lc));
		Form_pg_attribute attr;
		Var		   *var;

		if (att == InvalidAttrNumber)
			continue;
		attr = TupleDescAttr(RelationGetDescr(target_relation), att - 1);
		var = makeVar(rtindex, att, attr->atttypid, attr->atttypmod, attr->attcollation, 0);
		add_row_identity_var(root, var, rtindex, psprintf(KEY_JUNK_NAME, k));
		k++;
	}
	/* DELETE ... RETURNING needs the deleted row */
	if (root->parse->commandType == CMD_DELETE && root->parse->returningList != NIL)
		add_row_identity_var(root, makeWholeRowVar(target_rte, rtindex, 0, false),
							 rtindex, "wholerow");
}

List *
lakePlanForeignModify(PlannerInfo *root, ModifyTable *plan,
					  Index resultRelation, int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	LakeTableOptions *opts = LakeGetTableOptions(rte->relid);

	if ((plan->operation == CMD_UPDATE || plan->operation == CMD_DELETE) &&
		opts->primary_key == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot %s rows of lake table \"%s\": it has no primary key",
						plan->operation == CMD_UPDATE ? "UPDATE" : "DELETE",
						get_rel_name(rte->relid)),
				 errdetail("Append tables identify no row; they support DELETE of whole partitions (a WHERE on partition columns only) and TRUNCATE."),
				 errhint("Declare a primary key to update and delete rows.")));
	if (plan->operation == CMD_MERGE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("MERGE is not supported on lake table \"%s\"", get_rel_name(rte->relid)),
				 errhint("Use INSERT ... ON CONFLICT.")));
	return NIL;
}

/* the statement's key map (ON CONFLICT, UPDATE, DELETE) */
static void
ensure_stmt_keys(LakeModifyState *st)
{
	StmtKeyStore *ks = &st->keys;

	if (st->stmt_keys != NULL)
		return;
	st->stmt_cxt = AllocSetContextCreate(CurrentMemoryContext, "lake_fdw statement keys",
										 ALLOCSET_DEFAULT_SIZES);
	memset(ks, 0, sizeof(*ks));
	ks->cxt = st->stmt_cxt;
	ks->maxbytes = 16 * 1024;
	ks->bytes = MemoryContextAlloc(ks->cxt, ks->maxbytes);
	ks->maxkeys = 1024;
	ks->off = MemoryContextAlloc(ks->cxt, sizeof(Size) * (ks->maxkeys + 2));
	ks->flags = MemoryContextAlloc(ks->cxt, ks->maxkeys);
	ks->off[0] = 0;
	st->stmt_keys = stmtkeys_create(st->stmt_cxt, 1024, ks);
}

static LakeModifyState *
begin_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo, CmdType operation)
{
	Relation	rel = rinfo->ri_RelationDesc;
	LakeModifyState *st = palloc0(sizeof(LakeModifyState));
	TupleDesc	desc = RelationGetDescr(rel);
	LakeSchema *schema;

	st->xt = LakeXactGetTable(RelationGetRelid(rel), true);
	st->operation = operation;
	st->mtstate = mtstate;
	st->rinfo = rinfo;
	schema = LakeXactSchema(st->xt);
	st->nlake = schema->ncolumns;
	st->lake_to_att = palloc(sizeof(int) * Max(st->nlake, 1));
	st->values = palloc0(sizeof(Datum) * Max(st->nlake, 1));
	st->isnull = palloc0(sizeof(bool) * Max(st->nlake, 1));
	for (int i = 0; i < st->nlake; i++)
	{
		st->lake_to_att[i] = -1;
		for (int a = 0; a < desc->natts; a++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, a);

			if (!att->attisdropped && strcmp(NameStr(att->attname), schema->columns[i].name) == 0)
			{
				st->lake_to_att[i] = a;
				break;
			}
		}
	}
	/* COPY hands over a ModifyTableState without a plan */
	if (operation == CMD_INSERT && mtstate != NULL && mtstate->ps.plan != NULL)
		LakeUpsertClassify(mtstate, rinfo, st->xt, &st->up);
	else
		st->up.path = LAKE_UPSERT_PLAIN;
	if (st->up.path != LAKE_UPSERT_PLAIN || operation != CMD_INSERT)
		ensure_stmt_keys(st);
	return st;
}

static void
find_key_junk(LakeModifyState *st, ModifyTableState *mtstate)
{
	Plan	   *subplan = outerPlanState(mtstate)->plan;
	const LakeFlushSpec *spec = LakeXactFlushSpec(st->xt);

	st->key_junk = palloc(sizeof(AttrNumber) * Max(spec->nkey, 1));
	for (int k = 0; k < spec->nkey; k++)
	{
		st->key_junk[k] = ExecFindJunkAttributeInTlist(subplan->targetlist,
																psprintf(KEY_JUNK_NAME, k));
		if (!AttributeNumberIsValid(st->key_junk[k]))
			elog(ERROR, "lake_fdw: primary key column %d missing from the row identity", k);
	}
	st->wholerow_junk = ExecFindJunkAttributeInTlist(subplan->targetlist, "wholerow");
}

/*
 * INSERT: take the rows in the subplan's own slots.  PostgreSQL copies
 * each row into a slot of the relation's kind before the insert callback,
 * and a foreign table's kind is a heap tuple slot: forming a heap tuple
 * that we only deform again (a tenth of a blind upsert's time).  Done as
 * ExecInitInsertProjection would, before the first row, with a slot of
 * the subplan's kind (virtual when that varies), which ExecGetInsertNewTuple
 * then hands over as it is.  Not with junk columns (a projection), row
 * triggers or stored generated columns (they store into the slot).
 */
static void
take_subplan_slots(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	Relation	rel = rinfo->ri_RelationDesc;
	PlanState  *sub = outerPlanState(mtstate);
	const TupleTableSlotOps *ops;
	bool		fixed = false;
	ListCell   *lc;

	if (rinfo->ri_projectNewInfoValid || sub == NULL || rinfo->ri_TrigDesc != NULL ||
		(rel->rd_att->constr && rel->rd_att->constr->has_generated_stored))
		return;
	foreach(lc, sub->plan->targetlist)
		if (((TargetEntry *) lfirst(lc))->resjunk)
			return;
	if (list_length(sub->plan->targetlist) != RelationGetDescr(rel)->natts)
		return;
	ops = ExecGetResultSlotOps(sub, &fixed);
	rinfo->ri_newTupleSlot = ExecInitExtraTupleSlot(mtstate->ps.state, RelationGetDescr(rel),
													fixed ? ops : &TTSOpsVirtual);
	rinfo->ri_projectNew = NULL;
	rinfo->ri_projectNewInfoValid = true;
}

void
lakeBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					   List *fdw_private, int subplan_index, int eflags)
{
	LakeModifyState *st;
	CmdType		op = mtstate->operation;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	if (op == CMD_INSERT)
		take_subplan_slots(mtstate, rinfo);
	st = begin_modify(mtstate, rinfo, op);
	if (op == CMD_UPDATE || op == CMD_DELETE)
		find_key_junk(st, mtstate);
	rinfo->ri_FdwState = st;
}

void
lakeBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	rinfo->ri_FdwState = begin_modify(mtstate, rinfo, CMD_INSERT);
}

/* the slot's row into st->values/isnull, lake order */
static void
slot_to_lake(LakeModifyState *st, TupleTableSlot *slot)
{
	slot_getallattrs(slot);
	for (int i = 0; i < st->nlake; i++)
	{
		int			a = st->lake_to_att[i];

		if (a < 0)
		{
			st->values[i] = (Datum) 0;
			st->isnull[i] = true;
		}
		else
		{
			st->values[i] = slot->tts_values[a];
			st->isnull[i] = slot->tts_isnull[a];
		}
	}
}

/* Store a lake-order row into a slot of the relation's shape. */
static void
lake_to_slot(LakeModifyState *st, const Datum *values, const bool *isnull,
			 TupleTableSlot *slot)
{
	TupleDesc	desc = slot->tts_tupleDescriptor;
	Datum	   *v = palloc0(sizeof(Datum) * Max(desc->natts, 1));
	bool	   *n = palloc(sizeof(bool) * Max(desc->natts, 1));

	for (int a = 0; a < desc->natts; a++)
		n[a] = true;
	for (int i = 0; i < st->nlake; i++)
		if (st->lake_to_att[i] >= 0)
		{
			v[st->lake_to_att[i]] = values[i];
			n[st->lake_to_att[i]] = isnull[i];
		}
	ExecForceStoreHeapTuple(heap_form_tuple(desc, v, n), slot, true);
}

static void *
copy_bytes(void *arg, const void *src, size_t len)
{
	void	   *dst = palloc(Max(len, 1));

	if (len)
		memcpy(dst, src, len);
	return dst;
}

/*
 * Do two rows (lake order) have the same primary key?  Compared as stored
 * values, so that representations of one value (short or long varlena
 * headers, toasted or not) compare equal.  NULL keys never match.
 */
static bool
same_key(LakeModifyState *st, const Datum *a, const bool *anull,
		 const Datum *b, const bool *bnull)
{
	const LakeFlushSpec *spec = LakeXactFlushSpec(st->xt);

	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];
		pq_int128	x,
					y;

		if (anull[c] || bnull[c])
			return false;
		LakeDatumToValue(&spec->types[c], a[c], &x, copy_bytes, NULL);
		LakeDatumToValue(&spec->types[c], b[c], &y, copy_bytes, NULL);
		if (LakeValueCompareRaw(&spec->types[c], &x, &y) != 0)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------
 * The statement's keys
 * ---------------------------------------------------------------------
 */
/* room for len more bytes in the key store */
static inline void
key_reserve(StmtKeyStore *ks, Size len)
{
	if (unlikely(ks->nbytes + len > ks->maxbytes))
	{
		ks->maxbytes = Max(ks->maxbytes * 2, ks->nbytes + len);
		ks->bytes = repalloc_huge(ks->bytes, ks->maxbytes);
	}
}

/* append bytes to the key store */
static void
key_append(StmtKeyStore *ks, const void *src, Size len)
{
	key_reserve(ks, len);
	memcpy(ks->bytes + ks->nbytes, src, len);
	ks->nbytes += len;
}

/* LakeDatumToValue's byte sink: length and bytes into the key store */
static void *
key_append_bytes(void *arg, const void *src, size_t len)
{
	StmtKeyStore *ks = (StmtKeyStore *) arg;
	uint32		l = (uint32) len;

	key_append(ks, &l, sizeof(l));
	key_append(ks, src, len);
	return NULL;
}

/* The binary key of a lake-order row, appended to the key store. */
static void
build_key(LakeModifyState *st, const Datum *values, const bool *isnull)
{
	const LakeFlushSpec *spec = LakeXactFlushSpec(st->xt);
	StmtKeyStore *ks = &st->keys;

	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];
		const LakeTypeInfo *ti = &spec->types[c];
		pq_int128	slot;
		char	   *p;

		/* the flag and any fixed-width value fit: stored in place */
		key_reserve(ks, 1 + sizeof(pq_int128));
		p = ks->bytes + ks->nbytes;
		*p = isnull[c] ? 0 : 1;
		ks->nbytes++;
		if (isnull[c])
			continue;
		switch (ti->pqtype)
		{
			case PQ_INT32:
				{
					uint32		be = pg_hton32((uint32) DatumGetInt32(values[c]) ^ 0x80000000);

					memcpy(p + 1, &be, sizeof(be));
					ks->nbytes += sizeof(be);
					break;
				}
			case PQ_INT64:
				{
					uint64		be = pg_hton64((uint64) DatumGetInt64(values[c]) ^
											   UINT64CONST(0x8000000000000000));

					memcpy(p + 1, &be, sizeof(be));
					ks->nbytes += sizeof(be);
					break;
				}
			case PQ_STRING:
			case PQ_BYTES:
			case PQ_JSON:
			case PQ_UUID:
				LakeDatumToValue(ti, values[c], &slot, key_append_bytes, ks);
				break;
			case PQ_FLOAT:
				{
					float		f = DatumGetFloat4(values[c]);

					if (f == 0)
						f = 0;	/* -0 is 0 */
					else if (isnan(f))
						f = get_float4_nan();
					memcpy(p + 1, &f, sizeof(f));
					ks->nbytes += sizeof(f);
					break;
				}
			case PQ_DOUBLE:
				{
					double		d = DatumGetFloat8(values[c]);

					if (d == 0)
						d = 0;
					else if (isnan(d))
						d = get_float8_nan();
					memcpy(p + 1, &d, sizeof(d));
					ks->nbytes += sizeof(d);
					break;
				}
			default:
				{
					Size		sz = LakeTypeValueSize(ti);
					uint8	   *be = (uint8 *) p + 1;
					const uint8 *le = (const uint8 *) &slot;

					/* little-endian two's complement -> sign-flipped big-endian */
					LakeDatumToValue(ti, values[c], &slot, NULL, NULL);
					for (Size i = 0; i < sz; i++)
						be[i] = le[sz - 1 - i];
					if (ti->pqtype != PQ_BOOL)
						be[0] ^= 0x80;
					ks->nbytes += sz;
					break;
				}
		}
	}
}

/*
 * The number of the statement's key of a lake-order row, created if asked
 * (else -1 when absent).
 */
static int64
stmt_key(LakeModifyState *st, const Datum *values, const bool *isnull, bool create)
{
	StmtKeyStore *ks;
	uint32		cand;
	Size		start;
	uint32		hash;
	StmtKey    *e;
	bool		found;

	ensure_stmt_keys(st);
	ks = &st->keys;
	cand = ks->nkeys;
	start = ks->off[cand];
	Assert(ks->nbytes == start);
	build_key(st, values, isnull);
	ks->off[cand + 1] = ks->nbytes;

	if (ks->nsorted == cand && (cand == 0 || stmt_key_cmp(ks, cand - 1, cand) < 0))
	{
		/* still ascending: a new key, found by bisection later */
		if (!create)
		{
			ks->nbytes = start;
			return -1;
		}
		ks->nsorted++;
	}
	else
	{
		uint32		lo = 0,
					hi = ks->nsorted;

		/* the ascending prefix */
		while (lo < hi)
		{
			uint32		mid = lo + (hi - lo) / 2;
			int			c = stmt_key_cmp(ks, mid, cand);

			if (c == 0)
			{
				ks->nbytes = start;
				return mid;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		/* the hashed rest */
		hash = stmt_key_hash(ks, cand);
		if (!create)
		{
			e = stmtkeys_lookup_hash(st->stmt_keys, cand, hash);
			ks->nbytes = start;
			return e ? (int64) e->id : -1;
		}
		e = stmtkeys_insert_hash(st->stmt_keys, cand, hash, &found);
		if (found)
		{
			ks->nbytes = start;	/* known: drop the candidate's bytes */
			return e->id;
		}
	}
	/* a new key: number cand keeps its bytes */
	if (cand + 1 >= ks->maxkeys)
	{
		uint32		newmax = ks->maxkeys * 2;

		ks->off = repalloc_huge(ks->off, sizeof(Size) * (newmax + 2));
		ks->flags = repalloc_huge(ks->flags, newmax);
		if (ks->rows)
		{
			ks->rows = repalloc_huge(ks->rows, sizeof(StmtKeyRow *) * newmax);
			memset(ks->rows + ks->maxkeys, 0, sizeof(StmtKeyRow *) * (newmax - ks->maxkeys));
		}
		ks->maxkeys = newmax;
	}
	ks->flags[cand] = 0;
	ks->nkeys++;
	return cand;
}

static inline bool
key_is(LakeModifyState *st, int64 id, uint8 flag)
{
	return (st->keys.flags[id] & flag) != 0;
}

static inline void
key_set(LakeModifyState *st, int64 id, uint8 flag, bool on)
{
	if (on)
		st->keys.flags[id] |= flag;
	else
		st->keys.flags[id] &= ~flag;
}

/* the key's remembered row (lookup path), or NULL */
static inline StmtKeyRow *
key_row(LakeModifyState *st, int64 id)
{
	return st->keys.rows ? st->keys.rows[id] : NULL;
}

static void
remember_row(LakeModifyState *st, int64 id, const Datum *values, const bool *isnull)
{
	const LakeFlushSpec *spec = LakeXactFlushSpec(st->xt);
	StmtKeyStore *ks = &st->keys;
	MemoryContext old = MemoryContextSwitchTo(st->stmt_cxt);
	StmtKeyRow *row;

	if (ks->rows == NULL)
		ks->rows = MemoryContextAllocExtended(ks->cxt, sizeof(StmtKeyRow *) * ks->maxkeys,
											  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	row = ks->rows[id];
	if (row == NULL)
	{
		row = palloc(sizeof(StmtKeyRow));
		row->values = palloc(sizeof(Datum) * Max(st->nlake, 1));
		row->isnull = palloc(sizeof(bool) * Max(st->nlake, 1));
		ks->rows[id] = row;
	}
	for (int i = 0; i < st->nlake; i++)
	{
		row->isnull[i] = isnull[i];
		row->values[i] = isnull[i] ? (Datum) 0 :
			datumCopy(values[i], spec->types[i].typbyval, spec->types[i].typlen);
	}
	MemoryContextSwitchTo(old);
}

static pg_attribute_noreturn() void
affect_twice(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_CARDINALITY_VIOLATION),
			 errmsg("ON CONFLICT DO UPDATE command cannot affect row a second time"),
			 errhint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.")));
}

/* ---------------------------------------------------------------------
 * INSERT
 * ---------------------------------------------------------------------
 */
static TupleTableSlot *
insert_blind(LakeModifyState *st, EState *estate, TupleTableSlot *slot)
{
	if (st->up.action == ONCONFLICT_UPDATE)
	{
		int64		e = stmt_key(st, st->values, st->isnull, true);

		if (key_is(st, e, KEY_AFFECTED))
			affect_twice();
		key_set(st, e, KEY_AFFECTED, true);
	}
	if (st->up.full_row)
		LakeXactAppendRecord(st->xt, estate->es_output_cid, st->values, st->isnull,
							 LAKE_REC_SET, NULL);
	else
		LakeXactAppendRecord(st->xt, estate->es_output_cid, st->values, st->isnull,
							 LAKE_REC_OPS, st->up.ops);
	return slot;
}

static TupleTableSlot *
insert_lookup(LakeModifyState *st, EState *estate, TupleTableSlot *slot)
{
	OnConflictSetState *oc = st->rinfo->ri_onConflict;
	int64		e = stmt_key(st, st->values, st->isnull, true);
	StmtKeyRow *row = key_row(st, e);
	Datum	   *cur_values = palloc(sizeof(Datum) * Max(st->nlake, 1));
	bool	   *cur_isnull = palloc(sizeof(bool) * Max(st->nlake, 1));
	bool		present;
	ExprContext *econtext;
	TupleTableSlot *newslot;

	if (row != NULL || key_is(st, e, KEY_AFFECTED))
	{
		present = key_is(st, e, KEY_PRESENT);
		if (present)
		{
			memcpy(cur_values, row->values, sizeof(Datum) * st->nlake);
			memcpy(cur_isnull, row->isnull, sizeof(bool) * st->nlake);
		}
	}
	else
	{
		if (st->lookup == NULL)
			st->lookup = LakeLookupBegin(st->xt, estate->es_output_cid, st->stmt_cxt);
		memcpy(cur_values, st->values, sizeof(Datum) * st->nlake);
		memcpy(cur_isnull, st->isnull, sizeof(bool) * st->nlake);
		present = LakeLookupFetch(st->lookup, cur_values, cur_isnull);
		/* the outcome depends on this version: check it at commit */
		LakeXactNoteRead(st->xt, st->values, st->isnull, LakeLookupSnapshotId(st->lookup));
	}

	if (!present)
	{
		/* no conflict: the proposed row goes in as it is */
		LakeXactAppendRecord(st->xt, estate->es_output_cid, st->values, st->isnull,
							 LAKE_REC_SET, NULL);
		key_set(st, e, KEY_PRESENT | KEY_AFFECTED, true);
		remember_row(st, e, st->values, st->isnull);
		return slot;
	}
	if (st->up.action == ONCONFLICT_NOTHING)
	{
		if (row == NULL)
			remember_row(st, e, cur_values, cur_isnull);
		key_set(st, e, KEY_PRESENT, true);
		return NULL;
	}
	if (key_is(st, e, KEY_AFFECTED))
		affect_twice();

	/* DO UPDATE, as ExecOnConflictUpdate: existing row = scan tuple */
	lake_to_slot(st, cur_values, cur_isnull, oc->oc_Existing);
	econtext = st->mtstate->ps.ps_ExprContext;
	econtext->ecxt_scantuple = oc->oc_Existing;
	econtext->ecxt_innertuple = slot;
	econtext->ecxt_outertuple = NULL;
	if (row == NULL)
		remember_row(st, e, cur_values, cur_isnull);
	key_set(st, e, KEY_PRESENT, true);
	if (oc->oc_WhereClause && !ExecQual(oc->oc_WhereClause, econtext))
		return NULL;
	newslot = ExecProject(oc->oc_ProjInfo);
	slot_to_lake(st, newslot);
	if (!same_key(st, st->values, st->isnull, cur_values, cur_isnull))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ON CONFLICT DO UPDATE cannot change the primary key of a row of lake table \"%s\"",
						RelationGetRelationName(st->rinfo->ri_RelationDesc))));
	LakeXactAppendRecord(st->xt, estate->es_output_cid, st->values, st->isnull,
						 LAKE_REC_SET, NULL);
	key_set(st, e, KEY_AFFECTED, true);
	remember_row(st, e, st->values, st->isnull);
	return newslot;
}

/* PostgreSQL checks a proposed row's NOT NULL columns before any conflict */
static void
check_not_null(LakeModifyState *st)
{
	const LakeFlushSpec *spec = LakeXactFlushSpec(st->xt);

	for (int i = 0; i < st->nlake; i++)
		if (st->isnull[i] && spec->not_null[i])
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("null value in column \"%s\" of relation \"%s\" violates not-null constraint",
							spec->names[i], RelationGetRelationName(st->rinfo->ri_RelationDesc))));
}

static TupleTableSlot *
insert_row(LakeModifyState *st, EState *estate, TupleTableSlot *slot)
{
	slot_to_lake(st, slot);
	if (st->up.path == LAKE_UPSERT_LOOKUP)
		check_not_null(st);
	switch (st->up.path)
	{
		case LAKE_UPSERT_BLIND:
			return insert_blind(st, estate, slot);
		case LAKE_UPSERT_LOOKUP:
			return insert_lookup(st, estate, slot);
		default:
			LakeXactAppendRecord(st->xt, estate->es_output_cid, st->values, st->isnull,
								 LAKE_REC_ENGINE, NULL);
			return slot;
	}
}

TupleTableSlot *
lakeExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
					  TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	return insert_row((LakeModifyState *) rinfo->ri_FdwState, estate, slot);
}

TupleTableSlot **
lakeExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
						   TupleTableSlot **slots, TupleTableSlot **planSlots,
						   int *numSlots)
{
	LakeModifyState *st = (LakeModifyState *) rinfo->ri_FdwState;

	for (int i = 0; i < *numSlots; i++)
		(void) insert_row(st, estate, slots[i]);
	return slots;
}

int
lakeGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	LakeModifyState *st = (LakeModifyState *) rinfo->ri_FdwState;

	/* PostgreSQL only batches when there is no RETURNING and no row trigger */
	if (rinfo->ri_projectReturning != NULL ||
		(rinfo->ri_TrigDesc && rinfo->ri_TrigDesc->trig_insert_after_row))
		return 1;
	/* a lookup may return no row; blind and plain inserts always do */
	if (st != NULL && st->up.path == LAKE_UPSERT_LOOKUP)
		return 1;

	/*
	 * Rows are buffered anyway, and PostgreSQL copies every slot it batches:
	 * measured, batching only costs (see lake_fdw.insert_batch_size).
	 */
	return lake_insert_batch_size;
}

/* ---------------------------------------------------------------------
 * UPDATE and DELETE
 * ---------------------------------------------------------------------
 */
static int64
read_snapshot_id(LakeModifyState *st)
{
	LakeSnapshot *snap = LakeXactReadSnapshot(st->xt);

	return snap ? snap->id : 0;
}

/* the old row's key, from the junk columns, into values/isnull */
static void
junk_key(LakeModifyState *st, TupleTableSlot *planSlot, Datum *values, bool *isnull)
{
	const LakeFlushSpec *spec = LakeXactFlushSpec(st->xt);

	for (int k = 0; k < spec->nkey; k++)
	{
		int			c = spec->key_cols[k];

		values[c] = ExecGetJunkAttribute(planSlot, st->key_junk[k], &isnull[c]);
		if (isnull[c])
			elog(ERROR, "lake_fdw: NULL primary key in a row to modify");
	}
}

/*
 * Has this statement already updated or deleted the row the scan read with
 * this key?  PostgreSQL changes a row once per statement however often a
 * join matches it, and counts it once.  Marks it done otherwise.
 */
static bool
row_done_by_statement(LakeModifyState *st, const Datum *key, const bool *isnull)
{
	int64		e = stmt_key(st, key, isnull, true);

	if (key_is(st, e, KEY_DONE))
		return true;
	key_set(st, e, KEY_DONE, true);
	return false;
}

/*
 * UPDATE that moves a row to another key: as PostgreSQL's unique index
 * would, refuse a key that exists at that moment (the statement's own
 * earlier moves included); then the old key gets a tombstone.
 */
static void
move_key(LakeModifyState *st, EState *estate, Datum *old, bool *oldnull)
{
	const LakeFlushSpec *spec = LakeXactFlushSpec(st->xt);
	int64		ne;
	int64		oe;
	bool		exists;

	for (int k = 0; k < spec->nkey; k++)
		if (st->isnull[spec->key_cols[k]])
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("null value in column \"%s\" of lake table \"%s\" violates not-null constraint",
							spec->names[spec->key_cols[k]],
							RelationGetRelationName(st->rinfo->ri_RelationDesc))));
	ne = stmt_key(st, st->values, st->isnull, true);
	if (key_is(st, ne, KEY_AFFECTED))
		exists = key_is(st, ne, KEY_PRESENT);
	else
	{
		Datum	   *v = palloc(sizeof(Datum) * Max(st->nlake, 1));
		bool	   *n = palloc(sizeof(bool) * Max(st->nlake, 1));

		if (st->lookup == NULL)
			st->lookup = LakeLookupBegin(st->xt, estate->es_output_cid, st->stmt_cxt);
		memcpy(v, st->values, sizeof(Datum) * st->nlake);
		memcpy(n, st->isnull, sizeof(bool) * st->nlake);
		exists = LakeLookupFetch(st->lookup, v, n);
		LakeXactNoteRead(st->xt, st->values, st->isnull, LakeLookupSnapshotId(st->lookup));
	}
	if (exists)
	{
		char	   *newtext = LakeXactKeyText(st->xt, st->values, st->isnull);

		for (char *p = newtext; *p; p++)
			if (*p == '\x1f')
				*p = ',';
		ereport(ERROR,
				(errcode(ERRCODE_UNIQUE_VIOLATION),
				 errmsg("duplicate key value violates unique constraint \"%s_pkey\"",
						RelationGetRelationName(st->rinfo->ri_RelationDesc)),
				 errdetail("Key (%s) already exists in lake table \"%s\".", newtext,
						   RelationGetRelationName(st->rinfo->ri_RelationDesc))));
	}
	key_set(st, ne, KEY_AFFECTED | KEY_PRESENT, true);
	oe = stmt_key(st, old, oldnull, true);
	key_set(st, oe, KEY_AFFECTED, true);
	key_set(st, oe, KEY_PRESENT, false);

	/* the old key goes */
	{
		Datum	   *v = palloc0(sizeof(Datum) * Max(st->nlake, 1));
		bool	   *n = palloc(sizeof(bool) * Max(st->nlake, 1));

		for (int i = 0; i < st->nlake; i++)
			n[i] = true;
		for (int k = 0; k < spec->nkey; k++)
		{
			v[spec->key_cols[k]] = old[spec->key_cols[k]];
			n[spec->key_cols[k]] = false;
		}
		LakeXactAppendRecord(st->xt, estate->es_output_cid, v, n, LAKE_REC_DELETE, NULL);
	}
}

TupleTableSlot *
lakeExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
					  TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	LakeModifyState *st = (LakeModifyState *) rinfo->ri_FdwState;
	Datum	   *old = palloc(sizeof(Datum) * Max(st->nlake, 1));
	bool	   *oldnull = palloc(sizeof(bool) * Max(st->nlake, 1));

	for (int i = 0; i < st->nlake; i++)
		oldnull[i] = true;
	junk_key(st, planSlot, old, oldnull);
	if (row_done_by_statement(st, old, oldnull))
		return NULL;			/* a join matched the row again */
	slot_to_lake(st, slot);
	check_not_null(st);			/* before the key's uniqueness, as PostgreSQL */
	LakeXactNoteRead(st->xt, old, oldnull, read_snapshot_id(st));
	if (!same_key(st, st->values, st->isnull, old, oldnull))
		move_key(st, estate, old, oldnull);
	LakeXactAppendRecord(st->xt, estate->es_output_cid, st->values, st->isnull,
						 LAKE_REC_SET, NULL);
	return slot;
}

TupleTableSlot *
lakeExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
					  TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	LakeModifyState *st = (LakeModifyState *) rinfo->ri_FdwState;

	for (int i = 0; i < st->nlake; i++)
	{
		st->values[i] = (Datum) 0;
		st->isnull[i] = true;
	}
	junk_key(st, planSlot, st->values, st->isnull);
	if (row_done_by_statement(st, st->values, st->isnull))
		return NULL;			/* a join matched the row again */
	LakeXactNoteRead(st->xt, st->values, st->isnull, read_snapshot_id(st));
	LakeXactAppendRecord(st->xt, estate->es_output_cid, st->values, st->isnull,
						 LAKE_REC_DELETE, NULL);
	if (st->wholerow_junk != InvalidAttrNumber)
	{
		bool		isnull;
		Datum		d = ExecGetJunkAttribute(planSlot, st->wholerow_junk, &isnull);

		if (!isnull)
		{
			HeapTupleHeader td = DatumGetHeapTupleHeader(d);
			HeapTupleData tup;

			tup.t_len = HeapTupleHeaderGetDatumLength(td);
			ItemPointerSetInvalid(&tup.t_self);
			tup.t_tableOid = RelationGetRelid(rinfo->ri_RelationDesc);
			tup.t_data = td;
			/* the slot keeps the pointer: hand it a copy it owns */
			ExecForceStoreHeapTuple(heap_copytuple(&tup), slot, true);
		}
	}
	return slot;
}

void
lakeEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	LakeModifyState *st = (LakeModifyState *) rinfo->ri_FdwState;

	/* rows stay buffered until commit */
	if (st == NULL)
		return;
	if (st->lookup)
		LakeLookupEnd(st->lookup);
	if (st->stmt_cxt)
		MemoryContextDelete(st->stmt_cxt);
	st->lookup = NULL;
	st->stmt_cxt = NULL;
}

void
lakeEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	lakeEndForeignModify(estate, rinfo);
}

/* ---------------------------------------------------------------------
 * EXPLAIN
 * ---------------------------------------------------------------------
 */
void
lakeExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						 List *fdw_private, int subplan_index,
						 struct ExplainState *es)
{
	Relation	rel = rinfo->ri_RelationDesc;
	LakeTableOptions *opts = LakeGetTableOptions(RelationGetRelid(rel));
	LakeXactTable *xt;
	LakeUpsertPlan up;
	const char *text;

	if (mtstate->operation == CMD_UPDATE)
	{
		ExplainPropertyText("Lake Write",
							"update by primary key: full rows, buffered until commit; concurrent changes to the same keys fail the commit (40001)",
							es);
		return;
	}
	if (mtstate->operation == CMD_DELETE)
	{
		ExplainPropertyText("Lake Write",
							"delete by primary key: tombstones, buffered until commit",
							es);
		return;
	}
	if (!has_primary_key(rel))
	{
		ExplainPropertyText("Lake Write", "append, buffered until commit", es);
		return;
	}
	xt = LakeXactGetTable(RelationGetRelid(rel), false);
	LakeUpsertClassify(mtstate, rinfo, xt, &up);
	switch (up.path)
	{
		case LAKE_UPSERT_BLIND:
			text = up.action == ONCONFLICT_NOTHING
				? "blind upsert: ON CONFLICT DO NOTHING (keep existing), buffered until commit"
				: psprintf("blind upsert: ON CONFLICT DO UPDATE (%s)%s, buffered until commit",
						   LakeUpsertDescribe(xt, &up),
						   up.full_row ? " as full rows" : "");
			break;
		case LAKE_UPSERT_LOOKUP:
			text = psprintf("lookup of each key's current version (needed for %s), buffered until commit",
							up.why);
			break;
		default:
			text = psprintf("blind upsert (merge engine %s), buffered until commit",
							opts->merge_engine);
			break;
	}
	ExplainPropertyText("Lake Write", text, es);
}
