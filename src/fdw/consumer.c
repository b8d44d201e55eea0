/*-------------------------------------------------------------------------
 * consumer.c
 *	  Exactly-once consumers of changelog scans: a consumer's position
 *	  advances only if the transaction that read the changes commits.
 *
 * The first scan of a consumer in a transaction takes a transaction-scoped
 * advisory lock on (table, consumer) -- a second transaction of the same
 * consumer waits -- and reads the position from consumer/consumer-<name>.
 * Every scan of the consumer in that transaction reads the changes after
 * that position (so reading twice gives the same changes); each reports
 * what it returned: the last snapshot whose changes it returned completely
 * and how many changes of the next snapshot it returned before it was
 * stopped (LIMIT, a cursor closed early).  A position is such a pair
 * (snapshot, offset), ordered lexicographically; the next transaction
 * resumes at exactly the next change, so every change is delivered once.
 *
 * At pre-commit the consumer file is rewritten with a *pending* position:
 * (this server's system identifier, the transaction's full xid -- first
 * made durable by a flushed WAL record, so that it is never reused after a
 * crash -- and the new position).  Whoever loads the file next resolves it against the commit
 * log: the new position holds if that transaction committed, else the old
 * one does.  So a crash between the file write and the commit record (or
 * any abort after pre-commit) never advances the consumer, and a commit
 * always does: the position moves atomically with the transaction's own
 * writes to heap tables.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xloginsert.h"
#include "catalog/pg_control.h"
#include "common/hashfn.h"
#include "fdw/fdw.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "storage/procarray.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

/* the advance a subtransaction started from (undone if it aborts) */
typedef struct AdvanceMark
{
	SubTransactionId subid;
	int64		advance;
	int64		advance_offset;
} AdvanceMark;

typedef struct ConsumerUse
{
	LakeTable  *table;			/* consumer_cxt */
	char	   *name;
	int64		start;			/* position at the first scan */
	int64		start_offset;
	int64		advance;		/* position to store at commit */
	int64		advance_offset;
	List	   *marks;			/* AdvanceMark*, innermost last */
} ConsumerUse;

static MemoryContext consumer_cxt = NULL;
static List *consumer_uses = NIL;	/* ConsumerUse*, consumer_cxt */
static bool consumer_callback_registered = false;

static void consumer_xact_callback(XactEvent event, void *arg);
static void consumer_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
									  SubTransactionId parentSubid, void *arg);

/* Serialise the transactions of one consumer (this server only). */
static void
consumer_lock(LakeTable *table, const char *name)
{
	uint64		k1 = hash_bytes_extended((const unsigned char *) table->dir,
										 strlen(table->dir), 0x1a4e);
	uint64		k = hash_bytes_extended((const unsigned char *) name, strlen(name), k1);
	LOCKTAG		tag;

	ResourceOwner save = CurrentResourceOwner;

	SET_LOCKTAG_ADVISORY(tag, InvalidOid, (uint32) (k >> 32), (uint32) k, 4);
	/* held until the top transaction ends, even if taken in a savepoint */
	CurrentResourceOwner = TopTransactionResourceOwner;
	PG_TRY();
	{
		(void) LockAcquire(&tag, ExclusiveLock, false, false);
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = save;
	}
	PG_END_TRY();
}

static ConsumerUse *
find_use(LakeTable *table, const char *name)
{
	ListCell   *lc;

	foreach(lc, consumer_uses)
	{
		ConsumerUse *u = lfirst(lc);

		if (strcmp(u->table->dir, table->dir) == 0 && strcmp(u->name, name) == 0)
			return u;
	}
	return NULL;
}

/* Is position (a, ao) before (b, bo)? */
static bool
position_before(int64 a, int64 ao, int64 b, int64 bo)
{
	return a < b || (a == b && ao < bo);
}

/*
 * LakeConsumerBegin
 *		A changelog scan of consumer name starts: its position (0 = it has
 *		consumed nothing yet), and in *offset how many changes of the next
 *		snapshot it has consumed.
 */
int64
LakeConsumerBegin(LakeTable *table, const char *name, int64 *offset)
{
	ConsumerUse *u = find_use(table, name);
	LakeConsumer *c;
	MemoryContext old;

	if (u)
	{
		*offset = u->start_offset;
		return u->start;
	}
	LakeConsumerCheckName(name);
	if (!consumer_callback_registered)
	{
		RegisterXactCallback(consumer_xact_callback, NULL);
		RegisterSubXactCallback(consumer_subxact_callback, NULL);
		consumer_callback_registered = true;
	}
	if (consumer_cxt == NULL)
		consumer_cxt = AllocSetContextCreate(TopMemoryContext, "lake_fdw consumers",
											 ALLOCSET_SMALL_SIZES);
	consumer_lock(table, name);
	c = LakeConsumerLoad(table, name);

	old = MemoryContextSwitchTo(consumer_cxt);
	u = palloc0(sizeof(ConsumerUse));
	u->table = LakeTableOpen(table->root, table->relpath);
	u->name = pstrdup(name);
	u->start = c ? LakeConsumerResolveAt(table, c, true, &u->start_offset) : 0;
	u->advance = u->start;
	u->advance_offset = u->start_offset;
	consumer_uses = lappend(consumer_uses, u);
	MemoryContextSwitchTo(old);
	*offset = u->start_offset;
	return u->start;
}

/*
 * LakeConsumerAdvance
 *		The scan returned every change up to snapshot position and the
 *		first offset changes of the next one: store it if the transaction
 *		commits.
 */
void
LakeConsumerAdvance(LakeTable *table, const char *name, int64 position, int64 offset)
{
	ConsumerUse *u = find_use(table, name);

	if (u == NULL)
		elog(ERROR, "lake_fdw: consumer \"%s\" advanced without a scan", name);
	if (!position_before(u->advance, u->advance_offset, position, offset))
		return;
	if (GetCurrentTransactionNestLevel() > 1)
	{
		SubTransactionId subid = GetCurrentSubTransactionId();

		if (u->marks == NIL || ((AdvanceMark *) llast(u->marks))->subid != subid)
		{
			MemoryContext old = MemoryContextSwitchTo(consumer_cxt);
			AdvanceMark *m = palloc(sizeof(AdvanceMark));

			m->subid = subid;
			m->advance = u->advance;
			m->advance_offset = u->advance_offset;
			u->marks = lappend(u->marks, m);
			MemoryContextSwitchTo(old);
		}
	}
	u->advance = position;
	u->advance_offset = offset;
}

/*
 * A rolled-back savepoint (or PL/pgSQL exception block) discards the rows
 * its scans returned: the consumer's advance goes back to where the
 * savepoint found it.  A released one passes its advance to its parent.
 */
static void
consumer_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB && event != SUBXACT_EVENT_COMMIT_SUB)
		return;
	foreach(lc, consumer_uses)
	{
		ConsumerUse *u = lfirst(lc);
		AdvanceMark *m;

		if (u->marks == NIL)
			continue;
		m = llast(u->marks);
		if (m->subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
		{
			u->advance = m->advance;
			u->advance_offset = m->advance_offset;
			u->marks = list_delete_last(u->marks);
		}
		else if (list_length(u->marks) > 1 &&
				 ((AdvanceMark *) list_nth(u->marks, list_length(u->marks) - 2))->subid == parentSubid)
			u->marks = list_delete_last(u->marks);	/* the parent's mark is older */
		else if (parentSubid == TopSubTransactionId)
			u->marks = list_delete_last(u->marks);
		else
			m->subid = parentSubid;
	}
}

/*
 * The transaction's full xid, made durable in the WAL before any file
 * names it: after a crash, recovery then moves the next xid past it, so
 * the xid is never handed out again and reads as aborted.
 */
static FullTransactionId
durable_xid(void)
{
	FullTransactionId fxid = GetTopFullTransactionId();
	XLogRecPtr	lsn;

	XLogBeginInsert();
	XLogRegisterData((char *) &fxid, sizeof(fxid));
	lsn = XLogInsert(RM_XLOG_ID, XLOG_NOOP);
	XLogFlush(lsn);
	return fxid;
}

/* Pre-commit: write every advanced consumer's pending position. */
static void
store_pending(void)
{
	ListCell   *lc;

	foreach(lc, consumer_uses)
	{
		ConsumerUse *u = lfirst(lc);
		LakeConsumer c;
		LakeConsumer *cur;

		if (!position_before(u->start, u->start_offset, u->advance, u->advance_offset))
			continue;
		cur = LakeConsumerLoad(u->table, u->name);
		if (cur && cur->pending_xid != 0 && cur->pending_system_id != GetSystemIdentifier())
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("consumer \"%s\" of lake table \"%s\" was moved by another server",
							u->name, u->table->relpath),
					 errhint("Consumers are per server: give each server its own consumer names.")));
		memset(&c, 0, sizeof(c));
		c.name = u->name;
		c.position = cur ? LakeConsumerResolveAt(u->table, cur, true, &c.offset) : 0;
		if (c.position != u->start || c.offset != u->start_offset)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("consumer \"%s\" of lake table \"%s\" was moved by another transaction",
							u->name, u->table->relpath),
					 errhint("Retry the transaction.")));
		c.updated_at = GetCurrentTimestamp();
		c.pending_system_id = GetSystemIdentifier();
		c.pending_xid = U64FromFullTransactionId(durable_xid());
		c.pending_position = u->advance;
		c.pending_offset = u->advance_offset;
		LakeFaultPoint("consumer-before-store");
		LakeConsumerStore(u->table, &c);
		LakeFaultPoint("consumer-after-store");
	}
}

static void
consumer_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			store_pending();
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (consumer_uses != NIL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that read a lake consumer")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			consumer_uses = NIL;
			if (consumer_cxt)
				MemoryContextReset(consumer_cxt);
			break;
		default:
			break;
	}
}

/* ---------------------------------------------------------------------
 * SQL functions
 * ---------------------------------------------------------------------
 */
PG_FUNCTION_INFO_V1(lake_consumers);
PG_FUNCTION_INFO_V1(lake_reset_consumer);

/*
 * lake_consumers(tbl regclass) -> (consumer, position, next_snapshot,
 * latest_snapshot, lag, updated_at)
 */
Datum
lake_consumers(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LakeTable  *table = LakeTableForRelation(PG_GETARG_OID(0), NULL);
	int64		latest = LakeSnapshotLatestId(table);
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	foreach(lc, LakeConsumerList(table))
	{
		LakeConsumer *c = lfirst(lc);
		int64		pos = LakeConsumerResolve(table, c, true);
		Datum		values[6];
		bool		nulls[6] = {false};

		values[0] = CStringGetTextDatum(c->name);
		values[1] = Int64GetDatum(pos);
		values[2] = Int64GetDatum(pos + 1);
		values[3] = Int64GetDatum(latest);
		values[4] = Int64GetDatum(Max(latest - pos, 0));
		values[5] = TimestampTzGetDatum(c->updated_at);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * lake_reset_consumer(tbl regclass, consumer text, snapshot_id bigint)
 *		The consumer has consumed every change up to snapshot_id (0: none,
 *		it reads from the earliest snapshot); NULL drops it.  Takes effect
 *		at once, whatever becomes of the calling transaction.
 */
Datum
lake_reset_consumer(PG_FUNCTION_ARGS)
{
	LakeTable  *table;
	char	   *name;
	LakeConsumer c;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_VOID();
	table = LakeTableForRelation(PG_GETARG_OID(0), NULL);
	if (!pg_class_ownercheck(PG_GETARG_OID(0), GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_FOREIGN_TABLE, get_rel_name(PG_GETARG_OID(0)));
	name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	LakeConsumerCheckName(name);
	if (find_use(table, name) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("consumer \"%s\" was read by this transaction", name)));
	consumer_lock(table, name);
	if (PG_ARGISNULL(2))
	{
		LakeConsumerDrop(table, name);
		PG_RETURN_VOID();
	}
	if (PG_GETARG_INT64(2) < 0 || PG_GETARG_INT64(2) > LakeSnapshotLatestId(table))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("snapshot " INT64_FORMAT " is not a snapshot of lake table \"%s\"",
						PG_GETARG_INT64(2), table->relpath),
				 errhint("Give 0 or a snapshot id up to the latest, " INT64_FORMAT ".",
						 LakeSnapshotLatestId(table))));
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.position = PG_GETARG_INT64(2);
	c.updated_at = GetCurrentTimestamp();
	LakeConsumerStore(table, &c);
	PG_RETURN_VOID();
}
