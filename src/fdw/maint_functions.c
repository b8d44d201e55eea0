/*-------------------------------------------------------------------------
 * maint_functions.c
 *	  SQL-callable maintenance functions: lake_expire_snapshots,
 *	  lake_remove_orphans, lake_rollback (by id or tag), lake_maintain,
 *	  lake_table_health; and LakeMaintainRelation, the per-table entry
 *	  point for the background worker.
 *
 * Changing a table (expiry, cleanup, rollback, maintenance) needs its
 * ownership; reading its health needs SELECT.  Each function turns the
 * relation into a LakeTable and its options into a LakeMaintPolicy, and
 * calls the meta/ and maint/ layers.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fdw/fdw.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(lake_expire_snapshots);
PG_FUNCTION_INFO_V1(lake_remove_orphans);
PG_FUNCTION_INFO_V1(lake_rollback_to_snapshot);
PG_FUNCTION_INFO_V1(lake_rollback_to_tag);
PG_FUNCTION_INFO_V1(lake_maintain);
PG_FUNCTION_INFO_V1(lake_table_health);

static LakeTable *
owned_table(Oid relid, LakeTableOptions **opts)
{
	LakeTable  *table = LakeTableForRelation(relid, opts);

	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_FOREIGN_TABLE, get_rel_name(relid));
	if (!LakeTableExists(table))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("lake table \"%s\" does not exist under the server's root",
						table->relpath)));
	return table;
}

static int64
interval_usecs(Interval *iv)
{
	return iv->time + (int64) iv->day * USECS_PER_DAY +
		(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
}

static Datum
expire_stats_tuple(FunctionCallInfo fcinfo, LakeExpireStats *st)
{
	TupleDesc	desc;
	Datum		values[6];
	bool		nulls[6] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int64GetDatum(st->snapshots_deleted);
	values[1] = Int64GetDatum(st->files_deleted);
	values[2] = Int64GetDatum(st->manifests_deleted);
	values[3] = Int64GetDatum(st->bytes_freed);
	values[4] = Int64GetDatum(st->earliest_after);
	values[5] = Int64GetDatum(st->held_by_pins);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls));
}

/*
 * lake_expire_snapshots(tbl, retain_min, retain_max, retain_time)
 *		NULL arguments take the table's policy.
 */
Datum
lake_expire_snapshots(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	LakeTableOptions *opts;
	LakeTable  *table;
	LakeMaintPolicy policy;
	LakeExpireStats st;
	int64		target;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	table = owned_table(relid, &opts);
	policy = opts->maint;
	if (!PG_ARGISNULL(1))
	{
		if (PG_GETARG_INT32(1) < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("retain_min must be at least 1"),
					 errhint("The latest snapshot is always kept.")));
		policy.retained_min = PG_GETARG_INT32(1);
	}
	if (!PG_ARGISNULL(2))
	{
		if (PG_GETARG_INT32(2) < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("retain_max must be at least 1")));
		policy.retained_max = PG_GETARG_INT32(2);
	}
	if (!PG_ARGISNULL(3))
	{
		policy.time_retained = interval_usecs(PG_GETARG_INTERVAL_P(3));
		if (policy.time_retained < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("retain_time must not be negative")));
	}
	if (policy.retained_max > 0 && policy.retained_max < policy.retained_min)
		policy.retained_min = policy.retained_max;

	(void) LakeMaintLockAcquire(table, false);
	target = LakeExpireTarget(table, &policy, GetCurrentTimestamp());
	LakeSnapshotsExpire(table, target, &st);
	return expire_stats_tuple(fcinfo, &st);
}

/*
 * lake_remove_orphans(tbl, older_than, dry_run)
 */
Datum
lake_remove_orphans(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Interval   *older = PG_GETARG_INTERVAL_P(1);
	bool		dry_run = PG_GETARG_BOOL(2);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LakeTable  *table = owned_table(relid, NULL);
	int64		usecs = interval_usecs(older);
	ListCell   *lc;

	if (usecs < LAKE_ORPHAN_MIN_AGE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("older_than must be at least 1 hour"),
				 errdetail("A younger file may belong to a commit in progress."),
				 errhint("The default, '1 day', also protects writers on other servers sharing the root.")));

	InitMaterializedSRF(fcinfo, 0);
	(void) LakeMaintLockAcquire(table, false);
	foreach(lc, LakeOrphansRemove(table, GetCurrentTimestamp() - usecs, dry_run))
	{
		LakeOrphan *o = (LakeOrphan *) lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {0};

		values[0] = CStringGetTextDatum(o->path);
		values[1] = Int64GetDatum(o->bytes);
		values[2] = TimestampTzGetDatum(o->modified);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

static int64
rollback(LakeTable *table, LakeSnapshot *target)
{
	(void) LakeMaintLockAcquire(table, false);
	LakeSnapshotPin(table, target->id);
	return LakeRollback(table, target);
}

/* lake_rollback(tbl, snapshot_id bigint) */
Datum
lake_rollback_to_snapshot(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	int64		id = PG_GETARG_INT64(1);
	LakeTable  *table = owned_table(relid, NULL);

	PG_RETURN_INT64(rollback(table, LakeSnapshotLoad(table, id, false)));
}

/* lake_rollback(tbl, tag text) */
Datum
lake_rollback_to_tag(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *tag = text_to_cstring(PG_GETARG_TEXT_PP(1));
	LakeTable  *table = owned_table(relid, NULL);

	PG_RETURN_INT64(rollback(table, LakeTagLoadSnapshot(table, tag)));
}

/*
 * LakeMaintainRelation
 *		Run a lake foreign table's maintenance policy now (the background
 *		worker's per-table call; nowait skips a table another backend is
 *		maintaining).  Inside a transaction; no permission check.
 */
void
LakeMaintainRelation(Oid relid, bool nowait, LakeMaintResult *result)
{
	LakeTableOptions *opts = LakeGetTableOptions(relid);
	LakeTable  *table = LakeTableOpen(opts->root, opts->relpath);

	if (!LakeTableExists(table))
	{
		memset(result, 0, sizeof(*result));
		return;
	}
	LakeMaintainTable(table, &opts->maint, GetCurrentTimestamp(), nowait, result);
}

/*
 * lake_maintain(tbl, at timestamptz DEFAULT NULL): the policy as if run at
 * time at (now when NULL).
 */
Datum
lake_maintain(PG_FUNCTION_ARGS)
{
	Oid			relid;
	LakeTableOptions *opts;
	LakeTable  *table;
	LakeMaintResult res;
	TupleDesc	desc;
	Datum		values[5];
	bool		nulls[5] = {0};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	relid = PG_GETARG_OID(0);
	table = owned_table(relid, &opts);
	LakeMaintainTable(table, &opts->maint,
					  PG_ARGISNULL(1) ? GetCurrentTimestamp() : PG_GETARG_TIMESTAMPTZ(1),
					  false, &res);

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (res.tag_created)
		values[0] = CStringGetTextDatum(res.tag_created);
	else
		nulls[0] = true;
	values[1] = Int32GetDatum(res.tags_dropped);
	values[2] = Int32GetDatum(res.partitions_dropped);
	values[3] = Int64GetDatum(res.expire.snapshots_deleted);
	values[4] = Int64GetDatum(res.expire.files_deleted);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}

static Datum
ts_or_null(TimestampTz ts, bool *isnull)
{
	*isnull = ts == 0;
	return TimestampTzGetDatum(ts);
}

/* lake_table_health(tbl) */
Datum
lake_table_health(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	LakeTableOptions *opts;
	LakeTable  *table = LakeTableForRelation(relid, &opts);
	LakeTableHealth h;
	TupleDesc	desc;
	Datum		values[18];
	bool		nulls[18] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (!LakeTableExists(table))
	{
		/* a row of NULLs, so that lake_tables_health lists the others */
		memset(nulls, true, sizeof(nulls));
		PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
	}
	LakeTableHealthCompute(table, &opts->maint, GetCurrentTimestamp(), &h);
	values[0] = Int64GetDatum(h.snapshots);
	values[1] = Int64GetDatum(h.earliest_snapshot);
	nulls[1] = h.latest_snapshot == 0;
	values[2] = Int64GetDatum(h.latest_snapshot);
	nulls[2] = h.latest_snapshot == 0;
	values[3] = ts_or_null(h.latest_commit, &nulls[3]);
	values[4] = Int64GetDatum(h.files);
	values[5] = Int64GetDatum(h.small_files);
	values[6] = Int64GetDatum(h.bytes);
	values[7] = Int64GetDatum(h.rows);
	values[8] = Int64GetDatum(h.partitions);
	values[9] = Int32GetDatum(h.max_sorted_runs);
	values[10] = Int64GetDatum(h.tags);
	values[11] = ts_or_null(h.last_compaction, &nulls[11]);
	values[12] = ts_or_null(h.last_expiry, &nulls[12]);
	values[13] = Int64GetDatum(h.expirable_snapshots);
	values[14] = Int64GetDatum(h.expirable_partitions);
	nulls[14] = h.expirable_partitions < 0;
	if (h.tag_due)
		values[15] = CStringGetTextDatum(h.tag_due);
	else
		nulls[15] = true;
	values[16] = BoolGetDatum(h.expirable_snapshots > 0 ||
							  h.expirable_partitions > 0 || h.tag_due != NULL);
	{
		/* snapshots the slowest consumer has yet to read */
		int64		next = LakeConsumersMinSnapshot(table);

		values[17] = Int64GetDatum(Max(h.latest_snapshot - (next - 1), 0));
		nulls[17] = next == PG_INT64_MAX;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
