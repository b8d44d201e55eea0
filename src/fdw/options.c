/*-------------------------------------------------------------------------
 * options.c
 *	  The options of lake_fdw's servers, foreign tables and columns: the
 *	  validator that checks them at CREATE/ALTER time, and the parser that
 *	  turns a foreign table's options into a LakeTableOptions.
 *
 * Server:  root (superuser only; an absolute directory).
 * Table:   table, primary_key, partition_by, buckets, merge_engine,
 *          sequence_column, changelog, compression, compression_level,
 *          bloom_filter_columns, snapshot, tag, scan, consumer;
 *          maintenance policy: snapshot_num_retained_min/max,
 *          snapshot_time_retained, partition_expiration_time,
 *          tag_automatic_creation, tag_num_retained (see maint/maint.h);
 *          compaction: compaction_trigger, compaction_max_size_amplification,
 *          target_file_size, auto_compaction, compaction_stop_trigger;
 *          auto_maintenance (the background maintenance worker).
 * Column:  aggregate.
 * Checks that need the column list (does primary_key name a column?) run
 * in ddl.c once the table exists.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "fdw/fdw.h"
#include "foreign/foreign.h"
#include "io/io.h"
#include "miscadmin.h"
#include "mergetree/compaction.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

typedef struct LakeOptionDef
{
	const char *name;
	Oid			context;
	const char *const *values;	/* allowed values, NULL = free form */
} LakeOptionDef;

static const char *const merge_engines[] =
{"deduplicate", "partial_update", "aggregation", "first_row", NULL};
static const char *const changelog_modes[] = {"none", "input", "lookup", NULL};
static const char *const compressions[] = {"zstd", "lz4", "none", NULL};
static const char *const scan_modes[] = {"snapshot", "changelog", "read_optimized", NULL};
static const char *const auto_tags[] = {"none", "daily", NULL};
static const char *const booleans[] = {"true", "false", NULL};
static const char *const aggregates[] =
{"sum", "min", "max", "product", "last_value", "last_non_null_value",
	"first_value", "first_non_null_value", "bool_and", "bool_or", "listagg", NULL};

static const LakeOptionDef option_defs[] =
{
	{"root", ForeignServerRelationId, NULL},
	{"table", ForeignTableRelationId, NULL},
	{"primary_key", ForeignTableRelationId, NULL},
	{"partition_by", ForeignTableRelationId, NULL},
	{"buckets", ForeignTableRelationId, NULL},
	{"merge_engine", ForeignTableRelationId, merge_engines},
	{"sequence_column", ForeignTableRelationId, NULL},
	{"changelog", ForeignTableRelationId, changelog_modes},
	{"compression", ForeignTableRelationId, compressions},
	{"compression_level", ForeignTableRelationId, NULL},
	{"bloom_filter_columns", ForeignTableRelationId, NULL},
	{"snapshot", ForeignTableRelationId, NULL},
	{"tag", ForeignTableRelationId, NULL},
	{"scan", ForeignTableRelationId, scan_modes},
	{"consumer", ForeignTableRelationId, NULL},
	{"snapshot_num_retained_min", ForeignTableRelationId, NULL},
	{"snapshot_num_retained_max", ForeignTableRelationId, NULL},
	{"snapshot_time_retained", ForeignTableRelationId, NULL},
	{"partition_expiration_time", ForeignTableRelationId, NULL},
	{"tag_automatic_creation", ForeignTableRelationId, auto_tags},
	{"tag_num_retained", ForeignTableRelationId, NULL},
	{"compaction_trigger", ForeignTableRelationId, NULL},
	{"compaction_max_size_amplification", ForeignTableRelationId, NULL},
	{"target_file_size", ForeignTableRelationId, NULL},
	{"auto_compaction", ForeignTableRelationId, booleans},
	{"compaction_stop_trigger", ForeignTableRelationId, NULL},
	{"auto_maintenance", ForeignTableRelationId, booleans},
	{"aggregate", AttributeRelationId, aggregates},
	{NULL, InvalidOid, NULL}
};

static const char *
context_name(Oid context)
{
	switch (context)
	{
		case ForeignServerRelationId:
			return "server";
		case ForeignTableRelationId:
			return "foreign table";
		case AttributeRelationId:
			return "column";
		case UserMappingRelationId:
			return "user mapping";
		default:
			return "foreign-data wrapper";
	}
}

/* "a, b, c" for the hint listing the valid choices */
static char *
join_values(const char *const *values)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; values[i]; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", values[i]);
	return buf.data;
}

static char *
valid_options_for(Oid context)
{
	StringInfoData buf;
	bool		first = true;

	initStringInfo(&buf);
	for (const LakeOptionDef *d = option_defs; d->name; d++)
	{
		if (d->context != context)
			continue;
		appendStringInfo(&buf, "%s%s", first ? "" : ", ", d->name);
		first = false;
	}
	return buf.data;
}

/* Parse a whole number in [min, max] or raise an option error. */
static int64
parse_int_option(const char *name, const char *value, int64 min, int64 max)
{
	char	   *end;
	long long	v;

	errno = 0;
	v = strtoll(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", name, value),
				 errhint("Use a whole number from " INT64_FORMAT " to " INT64_FORMAT ".",
						 min, max)));
	return (int64) v;
}

/* A size with an optional unit (B, kB, MB, GB), 1kB .. 1GB. */
static int64
parse_size_option(const char *name, const char *value)
{
	int			v;
	const char *hint = NULL;

	if (!parse_int(value, &v, GUC_UNIT_BYTE, &hint) ||
		v < 1024 || v > 1024 * 1024 * 1024)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", name, value),
				 errhint("Use a size from 1kB to 1GB, e.g. '128MB'.")));
	return (int64) v;
}

/*
 * Parse an interval option ('1 hour', '7 days') into microseconds (a month
 * counts 30 days), at least min_usecs, or raise an option error.
 */
static int64
parse_interval_option(const char *name, const char *value, int64 min_usecs)
{
	Interval   *volatile iv = NULL;
	int64		usecs = 0;
	volatile bool ok = false;
	MemoryContext cxt = CurrentMemoryContext;
	PG_TRY();
	{
		iv = DatumGetIntervalP(DirectFunctionCall3(interval_in,
												   CStringGetDatum(value),
												   ObjectIdGetDatum(InvalidOid),
												   Int32GetDatum(-1)));
		ok = true;
	}
	PG_CATCH();
	{
		/* interval_in holds no resources: a syntax error is just a "no" */
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
	}
	PG_END_TRY();
	if (ok)
	{
		usecs = iv->time + (int64) iv->day * USECS_PER_DAY +
			(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
		ok = usecs >= min_usecs;
	}
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", name, value),
				 min_usecs > 0 ?
				 errhint("Give a positive interval, e.g. '7 days'.") :
				 errhint("Give an interval of zero or more, e.g. '1 hour'.")));
	return usecs;
}

/*
 * Split "a, b,c" into a List of identifiers (downcased unless quoted, as
 * SQL would), rejecting empty or duplicate entries.
 */
List *
LakeSplitNameList(const char *value, const char *option)
{
	char	   *copy = pstrdup(value);
	List	   *names = NIL;
	List	   *result = NIL;
	ListCell   *lc;

	if (!SplitIdentifierString(copy, ',', &names) || names == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", option, value),
				 errhint("Give a comma-separated list of column names, e.g. '%s'.",
						 "dt,ad_id")));
	foreach(lc, names)
	{
		char	   *name = (char *) lfirst(lc);
		ListCell   *lc2;

		foreach(lc2, result)
		{
			if (strcmp((char *) lfirst(lc2), name) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
						 errmsg("column \"%s\" appears twice in option \"%s\"",
								name, option)));
		}
		result = lappend(result, pstrdup(name));
	}
	return result;
}

static void
check_option_value(const LakeOptionDef *def, DefElem *elem)
{
	const char *value = defGetString(elem);

	if (def->values)
	{
		for (int i = 0; def->values[i]; i++)
			if (strcmp(def->values[i], value) == 0)
				return;
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", def->name, value),
				 errhint("Valid values are: %s.", join_values(def->values))));
	}

	if (strcmp(def->name, "root") == 0)
	{
		if (!superuser())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("only superusers can set option \"root\" of a lake_fdw server"),
					 errdetail("The root grants access to files of the database server.")));
		LakeRootCheck(value, false);
	}
	else if (strcmp(def->name, "table") == 0)
		(void) LakePathNormalize(value, "table");
	else if (strcmp(def->name, "buckets") == 0)
		(void) parse_int_option(def->name, value, 1, 1024);
	else if (strcmp(def->name, "snapshot_num_retained_min") == 0 ||
			 strcmp(def->name, "snapshot_num_retained_max") == 0 ||
			 strcmp(def->name, "tag_num_retained") == 0)
		(void) parse_int_option(def->name, value, 1, INT_MAX);
	else if (strcmp(def->name, "snapshot_time_retained") == 0)
		(void) parse_interval_option(def->name, value, 0);
	else if (strcmp(def->name, "partition_expiration_time") == 0)
		(void) parse_interval_option(def->name, value, 1);
	else if (strcmp(def->name, "compression_level") == 0)
		(void) parse_int_option(def->name, value, -7, 22);
	else if (strcmp(def->name, "snapshot") == 0)
		(void) parse_int_option(def->name, value, 1, PG_INT64_MAX);
	else if (strcmp(def->name, "compaction_trigger") == 0)
		(void) parse_int_option(def->name, value, 2, 1000);
	else if (strcmp(def->name, "compaction_stop_trigger") == 0)
		(void) parse_int_option(def->name, value, 3, 100000);
	else if (strcmp(def->name, "compaction_max_size_amplification") == 0)
		(void) parse_int_option(def->name, value, 0, 100000);
	else if (strcmp(def->name, "target_file_size") == 0)
		(void) parse_size_option(def->name, value);
	else if (strcmp(def->name, "primary_key") == 0 ||
			 strcmp(def->name, "partition_by") == 0 ||
			 strcmp(def->name, "bloom_filter_columns") == 0)
		(void) LakeSplitNameList(value, def->name);
	else if (strcmp(def->name, "sequence_column") == 0 ||
			 strcmp(def->name, "tag") == 0 ||
			 strcmp(def->name, "consumer") == 0)
	{
		if (value[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("option \"%s\" must not be empty", def->name)));
	}
}

PG_FUNCTION_INFO_V1(lake_fdw_validator);

Datum
lake_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *lc;
	bool		has_table = false;
	bool		has_root = false;

	foreach(lc, options)
	{
		DefElem    *elem = (DefElem *) lfirst(lc);
		const LakeOptionDef *def;

		for (def = option_defs; def->name; def++)
			if (def->context == catalog && strcmp(def->name, elem->defname) == 0)
				break;
		if (def->name == NULL)
		{
			char	   *valid = valid_options_for(catalog);

			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\" for a lake_fdw %s",
							elem->defname, context_name(catalog)),
					 valid[0] ? errhint("Valid options here are: %s.", valid)
					 : errhint("lake_fdw takes no options here.")));
		}
		check_option_value(def, elem);
		if (strcmp(def->name, "table") == 0)
			has_table = true;
		if (strcmp(def->name, "root") == 0)
			has_root = true;
	}

	if (catalog == ForeignTableRelationId)
	{
		const char *vmin = NULL;
		const char *vmax = NULL;

		foreach(lc, options)
		{
			DefElem    *elem = (DefElem *) lfirst(lc);

			if (strcmp(elem->defname, "snapshot_num_retained_min") == 0)
				vmin = defGetString(elem);
			else if (strcmp(elem->defname, "snapshot_num_retained_max") == 0)
				vmax = defGetString(elem);
		}
		if (vmax != NULL &&
			parse_int_option("snapshot_num_retained_max", vmax, 1, INT_MAX) <
			(vmin ? parse_int_option("snapshot_num_retained_min", vmin, 1, INT_MAX)
			 : LAKE_DEFAULT_RETAINED_MIN))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
					 errmsg("option \"snapshot_num_retained_max\" (%s) is below \"snapshot_num_retained_min\" (%s)",
							vmax, vmin ? vmin : CppAsString2(LAKE_DEFAULT_RETAINED_MIN)),
					 errhint("Lower snapshot_num_retained_min as well (it defaults to %d).",
							 LAKE_DEFAULT_RETAINED_MIN)));
	}

	/*
	 * Only a CREATE can be told apart from an ALTER by the presence of the
	 * required options, and ALTER ... OPTIONS (DROP table) gives the same
	 * list as a CREATE without it: both are refused.
	 */
	if (catalog == ForeignTableRelationId && !has_table)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("a lake_fdw foreign table needs option \"table\""),
				 errhint("Name the lake table's path under the server root, e.g. OPTIONS (table 'ads/ad_metrics').")));
	if (catalog == ForeignServerRelationId && !has_root)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("a lake_fdw server needs option \"root\""),
				 errhint("Name an absolute directory the database server can write, e.g. OPTIONS (root '/srv/lake').")));

	PG_RETURN_VOID();
}

bool
LakeIsLakeServer(Oid serverid)
{
	ForeignServer *server = GetForeignServer(serverid);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	Oid			handler_lake;

	/* our wrapper is the one whose handler lives in this library */
	handler_lake = fdw->fdwhandler;
	if (!OidIsValid(handler_lake))
		return false;
	return strcmp(get_func_name(handler_lake), "lake_fdw_handler") == 0;
}

static const char *
option_value(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *elem = (DefElem *) lfirst(lc);

		if (strcmp(elem->defname, name) == 0)
			return defGetString(elem);
	}
	return NULL;
}

LakeTableOptions *
LakeGetTableOptions(Oid relid)
{
	ForeignTable *table = GetForeignTable(relid);
	ForeignServer *server = GetForeignServer(table->serverid);
	LakeTableOptions *opts = palloc0(sizeof(LakeTableOptions));
	List	   *o = table->options;
	const char *v;

	opts->relid = relid;
	opts->serverid = table->serverid;
	v = option_value(server->options, "root");
	if (v == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" has no option \"root\"", server->servername)));
	opts->root = pstrdup(v);
	v = option_value(o, "table");
	if (v == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" has no option \"table\"", get_rel_name(relid))));
	opts->relpath = LakePathNormalize(v, "table");

	if ((v = option_value(o, "primary_key")) != NULL)
		opts->primary_key = LakeSplitNameList(v, "primary_key");
	if ((v = option_value(o, "partition_by")) != NULL)
		opts->partition_by = LakeSplitNameList(v, "partition_by");
	if ((v = option_value(o, "bloom_filter_columns")) != NULL)
		opts->bloom_filter_columns = LakeSplitNameList(v, "bloom_filter_columns");
	v = option_value(o, "buckets");
	opts->buckets = v ? (int) parse_int_option("buckets", v, 1, 1024) : 1;
	v = option_value(o, "merge_engine");
	opts->merge_engine = pstrdup(v ? v : "deduplicate");
	v = option_value(o, "sequence_column");
	opts->sequence_column = v ? pstrdup(v) : NULL;
	v = option_value(o, "changelog");
	opts->changelog = pstrdup(v ? v : "none");
	v = option_value(o, "compression");
	opts->compression = pstrdup(v ? v : "zstd");
	v = option_value(o, "compression_level");
	opts->compression_level = v ? (int) parse_int_option("compression_level", v, -7, 22) : 0;
	v = option_value(o, "snapshot");
	opts->pinned_snapshot = v ? parse_int_option("snapshot", v, 1, PG_INT64_MAX) : 0;
	v = option_value(o, "tag");
	opts->tag = v ? pstrdup(v) : NULL;
	v = option_value(o, "scan");
	if (v == NULL || strcmp(v, "snapshot") == 0)
		opts->scan_mode = LAKE_SCAN_SNAPSHOT;
	else if (strcmp(v, "changelog") == 0)
		opts->scan_mode = LAKE_SCAN_CHANGELOG;
	else
		opts->scan_mode = LAKE_SCAN_READ_OPTIMIZED;
	v = option_value(o, "consumer");
	opts->consumer = v ? pstrdup(v) : NULL;
	v = option_value(o, "compaction_trigger");
	opts->compaction_trigger = v ? (int) parse_int_option("compaction_trigger", v, 2, 1000)
		: LAKE_COMPACTION_TRIGGER_DEFAULT;
	v = option_value(o, "compaction_max_size_amplification");
	opts->compaction_max_size_amplification =
		v ? (int) parse_int_option("compaction_max_size_amplification", v, 0, 100000)
		: LAKE_COMPACTION_MAX_AMP_DEFAULT;
	v = option_value(o, "target_file_size");
	opts->target_file_size = v ? parse_size_option("target_file_size", v)
		: LAKE_TARGET_FILE_SIZE_DEFAULT;
	v = option_value(o, "auto_compaction");
	opts->auto_compaction = v == NULL || strcmp(v, "true") == 0;
	v = option_value(o, "compaction_stop_trigger");
	opts->compaction_stop_trigger = v ? (int) parse_int_option("compaction_stop_trigger", v, 3, 100000)
		: LAKE_COMPACTION_STOP_TRIGGER_DEFAULT;
	/* a stop trigger at or below the trigger would stop before compacting */
	opts->compaction_stop_trigger = Max(opts->compaction_stop_trigger,
										opts->compaction_trigger + 1);
	v = option_value(o, "auto_maintenance");
	opts->auto_maintenance = v == NULL || strcmp(v, "true") == 0;

	LakeMaintPolicyDefaults(&opts->maint);
	if ((v = option_value(o, "snapshot_num_retained_min")) != NULL)
		opts->maint.retained_min = (int) parse_int_option("snapshot_num_retained_min", v, 1, INT_MAX);
	if ((v = option_value(o, "snapshot_num_retained_max")) != NULL)
		opts->maint.retained_max = (int) parse_int_option("snapshot_num_retained_max", v, 1, INT_MAX);
	if ((v = option_value(o, "snapshot_time_retained")) != NULL)
		opts->maint.time_retained = parse_interval_option("snapshot_time_retained", v, 0);
	if ((v = option_value(o, "partition_expiration_time")) != NULL)
		opts->maint.partition_expiration = parse_interval_option("partition_expiration_time", v, 1);
	if ((v = option_value(o, "tag_automatic_creation")) != NULL)
		opts->maint.auto_tag = strcmp(v, "daily") == 0 ? LAKE_AUTO_TAG_DAILY : LAKE_AUTO_TAG_NONE;
	if ((v = option_value(o, "tag_num_retained")) != NULL)
		opts->maint.tag_retained = (int) parse_int_option("tag_num_retained", v, 1, INT_MAX);

	if (opts->pinned_snapshot != 0 && opts->tag != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("foreign table \"%s\" sets both \"snapshot\" and \"tag\"",
						get_rel_name(relid)),
				 errhint("A pinned table reads one snapshot: name it by id or by tag, not both.")));
	return opts;
}

/* pinned (snapshot/tag) and non-snapshot scans are read-only */
bool
LakeTableIsReadOnly(LakeTableOptions *opts)
{
	return opts->pinned_snapshot != 0 || opts->tag != NULL ||
		opts->scan_mode != LAKE_SCAN_SNAPSHOT;
}
