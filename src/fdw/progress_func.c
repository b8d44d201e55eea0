/*-------------------------------------------------------------------------
 * progress_func.c
 *	  lake_stat_progress_compaction(): one row per running compaction of a
 *	  lake table in this server, from the slots of maint/progress.c; the
 *	  view of the same name (install script) adds the database name.
 *
 * Visibility follows pg_stat_progress_*: every row shows pid, datid and
 * command; the rest only to members of the role that runs the compaction
 * (background workers run as the bootstrap superuser) or of
 * pg_read_all_stats, otherwise NULL.  Without shared_preload_libraries
 * nothing is tracked: a NOTICE says so and no row is returned.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "fdw/fdw.h"
#include "fmgr.h"
#include "funcapi.h"
#include "maint/progress.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(lake_stat_progress_compaction);

#define PROGRESS_COLS	21

Datum
lake_stat_progress_compaction(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	LakeProgressEntry *entries;
	bool		all_stats;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	if (!LakeProgressAvailable())
	{
		ereport(NOTICE,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("compaction progress is not tracked: lake_fdw is not in shared_preload_libraries"),
				 errhint("Add lake_fdw to shared_preload_libraries and restart the server.")));
		return (Datum) 0;
	}
	all_stats = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	entries = LakeProgressCollect(&n);
	for (int i = 0; i < n; i++)
	{
		LakeProgressEntry *e = &entries[i];
		Datum		values[PROGRESS_COLS];
		bool		nulls[PROGRESS_COLS];
		int			c = 0;

		memset(nulls, 0, sizeof(nulls));
		values[c++] = Int32GetDatum(e->pid);
		values[c++] = ObjectIdGetDatum(e->datid);
		values[c++] = CStringGetTextDatum(LakeProgressCommandName(e->command));
		if (!all_stats && !has_privs_of_role(GetUserId(), e->userid))
		{
			for (; c < PROGRESS_COLS; c++)
				nulls[c] = true;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			continue;
		}
		values[c] = ObjectIdGetDatum(e->relid);
		nulls[c++] = !OidIsValid(e->relid);
		values[c++] = CStringGetTextDatum(e->table_path);
		values[c++] = CStringGetTextDatum(LakeProgressPhaseName(e->phase));
		values[c] = CStringGetTextDatum(e->partition);
		nulls[c++] = e->bucket < 0;
		values[c] = Int32GetDatum(e->bucket);
		nulls[c++] = e->bucket < 0;
		values[c++] = Int32GetDatum(e->buckets_total);
		values[c++] = Int32GetDatum(e->buckets_done);
		values[c++] = Int32GetDatum(e->files_total);
		values[c++] = Int32GetDatum(e->files_read);
		values[c++] = Int32GetDatum(e->files_written);
		values[c++] = Int64GetDatum(e->rows_total);
		values[c++] = Int64GetDatum(e->rows_read);
		values[c++] = Int64GetDatum(e->rows_written);
		values[c++] = Int64GetDatum(e->bytes_total);
		values[c++] = Int64GetDatum(e->bytes_read);
		values[c++] = Int64GetDatum(e->bytes_written);
		values[c++] = TimestampTzGetDatum(e->started_at);
		values[c++] = TimestampTzGetDatum(e->phase_since);
		Assert(c == PROGRESS_COLS);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
