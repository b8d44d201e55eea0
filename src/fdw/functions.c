/*-------------------------------------------------------------------------
 * functions.c
 *	  SQL-callable functions on lake tables: lake_snapshots, lake_files,
 *	  lake_create_tag, lake_drop_tag, lake_tags; and lake_metadata_cache /
 *	  lake_metadata_cache_reset on the backend's metadata caches.
 *
 * Each takes the foreign table as a regclass and reads the lake's
 * metadata directly; lake_files shows the snapshot the calling statement
 * would read (so lake_fdw.as_of applies).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fdw/fdw.h"
#include "io/io.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "scan/scan.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(lake_snapshots);
PG_FUNCTION_INFO_V1(lake_files);
PG_FUNCTION_INFO_V1(lake_create_tag);
PG_FUNCTION_INFO_V1(lake_drop_tag);
PG_FUNCTION_INFO_V1(lake_tags);
PG_FUNCTION_INFO_V1(lake_metadata_cache);
PG_FUNCTION_INFO_V1(lake_metadata_cache_reset);

/* The lake table of a foreign table; ERROR if it is not one of ours. */
LakeTable *
LakeTableForRelation(Oid relid, LakeTableOptions **opts_out)
{
	LakeTableOptions *opts;
	AclResult	aclresult;

	if (get_rel_relkind(relid) != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a lake_fdw foreign table", get_rel_name(relid))));
	aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_TABLE, get_rel_name(relid));
	opts = LakeGetTableOptions(relid);
	if (opts_out)
		*opts_out = opts;
	return LakeTableOpen(opts->root, opts->relpath);
}

static void
require_owner(Oid relid)
{
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_FOREIGN_TABLE, get_rel_name(relid));
}

Datum
lake_snapshots(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LakeTable  *table = LakeTableForRelation(relid, NULL);
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	foreach(lc, LakeSnapshotList(table))
	{
		LakeSnapshot *s = lfirst(lc);
		Datum		values[10];
		bool		nulls[10] = {0};

		values[0] = Int64GetDatum(s->id);
		values[1] = TimestampTzGetDatum(s->commit_time);
		values[2] = CStringGetTextDatum(LakeCommitKindName(s->kind));
		values[3] = Int64GetDatum(s->schema_id);
		values[4] = Int64GetDatum(s->added_rows);
		values[5] = Int64GetDatum(s->deleted_rows);
		values[6] = Int64GetDatum(s->total_rows);
		values[7] = Int64GetDatum(s->total_files);
		values[8] = Int64GetDatum(s->total_bytes);
		if (s->commit_user)
			values[9] = CStringGetTextDatum(s->commit_user);
		else
			nulls[9] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

static Datum
bytea_text_or_null(bytea *b, bool *isnull)
{
	if (b == NULL)
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	return PointerGetDatum(cstring_to_text_with_len(VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b)));
}

Datum
lake_files(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LakeXactTable *xt;
	LakeSnapshot *snap;
	ListCell   *lc;

	(void) LakeTableForRelation(relid, NULL);
	xt = LakeXactGetTable(relid, false);
	snap = LakeXactReadSnapshot(xt);
	InitMaterializedSRF(fcinfo, 0);
	if (snap == NULL)
		return (Datum) 0;
	LakeSnapshotPin(LakeXactTable_(xt), snap->id);
	foreach(lc, LakeSnapshotFiles(LakeXactTable_(xt), snap))
	{
		LakeDataFile *f = lfirst(lc);
		Datum		values[12];
		bool		nulls[12] = {0};

		values[0] = CStringGetTextDatum(f->partition ? f->partition : "");
		values[1] = Int32GetDatum(f->bucket);
		values[2] = Int32GetDatum(f->level);
		values[3] = CStringGetTextDatum(f->path);
		values[4] = CStringGetTextDatum(f->kind == LAKE_FILE_CHANGELOG ? "changelog" : "data");
		values[5] = Int64GetDatum(f->row_count);
		values[6] = Int64GetDatum(f->file_size);
		values[7] = Int64GetDatum(f->added_snapshot_id);
		values[8] = Int64GetDatum(f->schema_id);
		values[9] = bytea_text_or_null(f->min_key, &nulls[9]);
		values[10] = bytea_text_or_null(f->max_key, &nulls[10]);
		values[11] = TimestampTzGetDatum(f->created_at);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

Datum
lake_create_tag(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	LakeTable  *table = LakeTableForRelation(relid, NULL);
	int64		id;

	require_owner(relid);
	if (PG_ARGISNULL(2))
	{
		id = LakeSnapshotLatestId(table);
		if (id == LAKE_SNAPSHOT_NONE)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("lake table \"%s\" has no snapshot to tag", get_rel_name(relid)),
					 errhint("Tags name snapshots; the table gets its first one at its first commit.")));
	}
	else
	{
		id = PG_GETARG_INT64(2);
		(void) LakeSnapshotLoad(table, id, false);
	}
	/* an expiry running meanwhile either sees the pin or fails it */
	LakeSnapshotPin(table, id);
	LakeTagCreate(table, name, id);
	PG_RETURN_INT64(id);
}

Datum
lake_drop_tag(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	LakeTable  *table = LakeTableForRelation(relid, NULL);

	require_owner(relid);
	LakeTagDrop(table, name, false);
	PG_RETURN_VOID();
}

Datum
lake_tags(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LakeTable  *table = LakeTableForRelation(relid, NULL);
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	foreach(lc, LakeTagList(table))
	{
		LakeOption *o = lfirst(lc);
		Datum		values[2];
		bool		nulls[2] = {0};

		values[0] = CStringGetTextDatum(o->name);
		values[1] = Int64GetDatum(strtoll(o->value, NULL, 10));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

static void
cache_row(ReturnSetInfo *rsinfo, const char *name, const LakeMetaCacheStats *st)
{
	Datum		values[7];
	bool		nulls[7] = {0};

	values[0] = CStringGetTextDatum(name);
	values[1] = Int64GetDatum(st->entries);
	values[2] = Int64GetDatum(st->bytes);
	values[3] = Int64GetDatum(st->limit);
	nulls[3] = st->limit < 0;	/* bounded by a count, not by bytes */
	values[4] = Int64GetDatum(st->hits);
	values[5] = Int64GetDatum(st->misses);
	values[6] = Int64GetDatum(st->evictions);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* This backend's metadata caches: one row per cache. */
Datum
lake_metadata_cache(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LakeMetaCacheStats st;

	InitMaterializedSRF(fcinfo, 0);
	LakeMetaCacheGetStats(&st);
	cache_row(rsinfo, "snapshot files", &st);
	LakeMetaFileCacheGetStats(&st);
	cache_row(rsinfo, "metadata files", &st);
	LakeMetaSnapshotCacheGetStats(&st);
	cache_row(rsinfo, "decoded snapshots", &st);
	LakeReaderCacheGetStats(&st);
	cache_row(rsinfo, "file footers", &st);
	LakeChangelogCacheGetStats(&st);
	cache_row(rsinfo, "snapshot deltas", &st);
	{
		LakeFileCacheStats fst;

		LakeFileCacheGetStats(&fst);
		memset(&st, 0, sizeof(st));
		st.entries = fst.entries;
		st.limit = -1;
		st.hits = fst.hits;
		st.misses = fst.misses;
		st.evictions = fst.evictions;
		cache_row(rsinfo, "open data files", &st);
	}
	return (Datum) 0;
}

/* Empty this backend's metadata caches (counters of hits stay). */
Datum
lake_metadata_cache_reset(PG_FUNCTION_ARGS)
{
	LakeMetaCacheReset();
	LakeMetaFileCacheReset();
	LakeMetaSnapshotCacheReset();
	LakeReaderCacheReset();
	LakeTableCacheReset();
	LakeFileCacheReset();
	LakeChangelogCacheReset();
	PG_RETURN_VOID();
}
