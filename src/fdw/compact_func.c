/*-------------------------------------------------------------------------
 * compact_func.c
 *	  Compaction of a lake foreign table from SQL and from the background
 *	  worker: lake_compact(regclass, full boolean) and LakeCompactRelation,
 *	  which turn a foreign table's options and the lake schema into the
 *	  policy and flush description mergetree/compaction.c works from.
 *
 * Each bucket is compacted and committed on its own (one COMPACT snapshot
 * per bucket), against the latest snapshot when the call starts.  The
 * whole call is one report in lake_stat_progress_compaction (maint/
 * progress.c); mergetree/compaction.c reports each bucket's phases.  The
 * commits do not wait for the calling transaction: a compaction changes
 * no row, so it stays published even if the caller later rolls back.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fdw/fdw.h"
#include "fmgr.h"
#include "maint/progress.h"
#include "mergetree/compaction.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

PG_FUNCTION_INFO_V1(lake_compact);

static int	compact_buckets(LakeTable *table, LakeFlushSpec *flush,
							LakeCompactionPolicy *policy, int64 latest,
							bool full, bool quiet_races);

/*
 * Compact one bucket; with quiet_races, a 40001 (another compaction
 * replaced an input first) is swallowed and false returned.  The bucket
 * runs in a subtransaction then, so that the error is cleaned up.
 */
static bool
compact_one(LakeTable *table, LakeFlushSpec *flush, LakeBucketFiles *b,
			int64 base, LakeCompactionPolicy *policy, bool quiet_races)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	LakeCompactionResult res;
	volatile bool done = false;

	if (!quiet_races)
	{
		LakeCompactBucket(table, flush, b, base, policy, &res);
		return true;
	}
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		LakeCompactBucket(table, flush, b, base, policy, &res);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		done = true;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		if (edata->sqlerrcode != ERRCODE_T_R_SERIALIZATION_FAILURE)
			ReThrowError(edata);
		ereport(DEBUG1,
				(errmsg("lake_fdw: compaction of bucket %d%s%s of lake table \"%s\" gave up: %s",
						b->bucket, b->partition[0] ? " of partition " : "",
						b->partition, table->relpath, edata->message)));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return done;
}

/*
 * LakeCompactRelation
 *		Compact the buckets of a primary-key lake table that need it (full:
 *		every bucket not already one level-1 file).  Returns the number of
 *		buckets compacted.
 */
int
LakeCompactRelation(Oid relid, bool full, bool quiet_races)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "lake_compact", ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	LakeTableOptions *opts;
	LakeTable  *table = LakeTableForRelation(relid, &opts);
	LakeSchema *schema;
	LakeFlushSpec flush;
	LakeCompactionPolicy policy;
	int64		latest;
	volatile int compacted = 0;

	if (LakeTableIsReadOnly(opts))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("foreign table \"%s\" is read-only", get_rel_name(relid)),
				 errdetail("Tables with option snapshot, tag or a scan other than 'snapshot' read a fixed view of the lake table."),
				 errhint("Compact through a foreign table that reads the latest snapshot.")));
	schema = LakeSchemaLoadLatest(table);
	if (schema->primary_key == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("lake table \"%s\" has no primary key", opts->relpath),
				 errdetail("Compaction merges the versions of each key; an append table has none to merge.")));
	LakeFlushSpecBuild(table, schema, opts, &flush);
	policy.trigger = opts->compaction_trigger;
	policy.max_size_amplification = opts->compaction_max_size_amplification;
	policy.target_file_size = opts->target_file_size;
	policy.merge = LakeMergeConfigFromSchema(schema, opts, &flush);

	latest = LakeSnapshotLatestId(table);
	if (latest == LAKE_SNAPSHOT_NONE)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		return 0;
	}
	LakeProgressBegin(LakeProgressDefaultCommand(), relid, opts->relpath);
	PG_TRY();
	{
		compacted = compact_buckets(table, &flush, &policy, latest, full, quiet_races);
	}
	PG_FINALLY();
	{
		LakeProgressEnd();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
	return compacted;
}

/* The buckets of the table at snapshot latest that need it, one by one. */
static int
compact_buckets(LakeTable *table, LakeFlushSpec *flush, LakeCompactionPolicy *policy,
				int64 latest, bool full, bool quiet_races)
{
	LakeSnapshot *snap = LakeSnapshotLoad(table, latest, false);
	List	   *buckets = LakeCompactionGroupBuckets(LakeSnapshotFiles(table, snap));
	ListCell   *lc;
	int			planned = 0;
	int			compacted = 0;

	foreach(lc, buckets)
		if (LakeCompactionNeeded(lfirst(lc), policy, full))
			planned++;
	LakeProgressSetBuckets(planned);
	foreach(lc, buckets)
	{
		LakeBucketFiles *b = lfirst(lc);
		int64		now;

		CHECK_FOR_INTERRUPTS();
		if (!LakeCompactionNeeded(b, policy, full))
			continue;

		/*
		 * Other commits since the plan (writers, other compactions): plan
		 * this bucket again from the latest snapshot, so that a bucket
		 * someone else compacted meanwhile is not redone only to lose the
		 * commit race.
		 */
		now = LakeSnapshotLatestId(table);
		if (now != latest)
		{
			List	   *fresh;
			ListCell   *lc2;

			latest = now;
			snap = LakeSnapshotLoad(table, latest, false);
			fresh = LakeCompactionGroupBuckets(LakeSnapshotFiles(table, snap));
			b = NULL;
			foreach(lc2, fresh)
			{
				LakeBucketFiles *c = lfirst(lc2);

				if (c->bucket == ((LakeBucketFiles *) lfirst(lc))->bucket &&
					strcmp(c->partition, ((LakeBucketFiles *) lfirst(lc))->partition) == 0)
					b = c;
			}
			if (b == NULL || !LakeCompactionNeeded(b, policy, full))
				continue;
		}
		if (compact_one(table, flush, b, latest, policy, quiet_races))
			compacted++;
	}
	return compacted;
}

/*
 * lake_compact(tbl regclass, full boolean DEFAULT false) RETURNS integer
 *		Compacts the buckets over the table's trigger (all buckets with
 *		more than one file or any level-0 file when full); returns how many
 *		buckets were compacted.  Needs INSERT on the table.
 */
Datum
lake_compact(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	bool		full = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	AclResult	aclresult;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a lake_fdw foreign table", get_rel_name(relid))));
	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_INSERT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_TABLE, get_rel_name(relid));
	/* a bucket another compaction just rewrote needs nothing more */
	PG_RETURN_INT32(LakeCompactRelation(relid, full, true));
}
