/*-------------------------------------------------------------------------
 * partition_expire.c
 *	  Partition expiry: dropping the partitions whose time is older than
 *	  the table option partition_expiration_time, as one OVERWRITE commit.
 *
 * The partition's time is the value of the table's first partition column
 * of type date (midnight UTC of that day), timestamp (read as UTC) or
 * timestamptz.  A partition is due when that time plus the expiration is
 * before now.  NULL and infinite values never expire.  The commit deletes
 * every file of the due partitions live in the latest snapshot; the files
 * themselves go when the snapshots that still reference them expire.  A
 * write landing in a dropped partition after the commit simply recreates
 * it.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "maint/maint.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"

typedef enum PartTimeKind
{
	PART_DATE,
	PART_TIMESTAMP,
	PART_TIMESTAMPTZ
} PartTimeKind;

/* position (in partition_by) and kind of the time column, or -1 */
static int
time_column(LakeSchema *schema, PartTimeKind *kind)
{
	ListCell   *lc;
	int			pos = 0;

	foreach(lc, schema->partition_by)
	{
		const char *name = (const char *) lfirst(lc);

		for (int i = 0; i < schema->ncolumns; i++)
		{
			const char *t = schema->columns[i].type_name;

			if (strcmp(schema->columns[i].name, name) != 0)
				continue;
			if (strcmp(t, "date") == 0)
				*kind = PART_DATE;
			else if (strncmp(t, "timestamp", 9) == 0 && strstr(t, "with time zone"))
				*kind = PART_TIMESTAMPTZ;
			else if (strncmp(t, "timestamp", 9) == 0)
				*kind = PART_TIMESTAMP;
			else
				break;
			return pos;
		}
		pos++;
	}
	return -1;
}

/* %XX-unescape a partition value */
static char *
unescape(const char *s, size_t len)
{
	char	   *out = palloc(len + 1);
	size_t		o = 0;

	for (size_t i = 0; i < len; i++)
	{
		if (s[i] == '%' && i + 2 < len &&
			isxdigit((unsigned char) s[i + 1]) && isxdigit((unsigned char) s[i + 2]))
		{
			char		hex[3] = {s[i + 1], s[i + 2], '\0'};

			out[o++] = (char) strtol(hex, NULL, 16);
			i += 2;
		}
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	return out;
}

/*
 * The time of a partition string's component pos; false if NULL, infinite
 * or not of the expected shape.
 */
static bool
partition_time(const char *partition, int pos, PartTimeKind kind,
			   TimestampTz *ts)
{
	const char *p = partition;
	const char *end;
	const char *eq;
	char	   *value;

	for (int i = 0; i < pos && p; i++)
	{
		p = strchr(p, '/');
		if (p)
			p++;
	}
	if (p == NULL)
		return false;
	end = strchr(p, '/');
	if (end == NULL)
		end = p + strlen(p);
	eq = memchr(p, '=', end - p);
	if (eq == NULL)
		return false;
	value = unescape(eq + 1, end - eq - 1);
	if (strcmp(value, "__null__") == 0)
		return false;

	switch (kind)
	{
		case PART_DATE:
			{
				DateADT		d = DatumGetDateADT(DirectFunctionCall1(date_in,
																	CStringGetDatum(value)));

				if (DATE_NOT_FINITE(d))
					return false;
				*ts = (TimestampTz) d * USECS_PER_DAY;
				return true;
			}
		case PART_TIMESTAMP:
		case PART_TIMESTAMPTZ:
			{
				PGFunction in = kind == PART_TIMESTAMP ? timestamp_in : timestamptz_in;
				Timestamp	t = DatumGetTimestamp(DirectFunctionCall3(in,
																	  CStringGetDatum(value),
																	  ObjectIdGetDatum(InvalidOid),
																	  Int32GetDatum(-1)));

				if (TIMESTAMP_NOT_FINITE(t))
					return false;
				*ts = t;
				return true;
			}
	}
	return false;
}

/*
 * LakePartitionExpiryUsable
 *		Does the schema have a partition column partition expiry can use?
 */
bool
LakePartitionExpiryUsable(LakeSchema *schema)
{
	PartTimeKind kind;

	return time_column(schema, &kind) >= 0;
}

/*
 * LakePartitionsExpired
 *		The partitions of live_files due at now (List of char*); ERROR if
 *		the schema has no time partition column.
 */
List *
LakePartitionsExpired(LakeTable *table, LakeSchema *schema,
					  const LakeMaintPolicy *policy, TimestampTz now,
					  List *live_files)
{
	PartTimeKind kind = PART_DATE;
	int			pos;
	List	   *seen = NIL;
	List	   *due = NIL;
	ListCell   *lc;

	if (policy->partition_expiration <= 0)
		return NIL;
	pos = time_column(schema, &kind);
	if (pos < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"partition_expiration_time\" of lake table \"%s\" needs a partition column of type date, timestamp or timestamptz",
						table->relpath),
				 errhint("Partition the table by such a column (partition_by), or drop the option.")));

	foreach(lc, live_files)
	{
		LakeDataFile *f = (LakeDataFile *) lfirst(lc);
		TimestampTz ts;
		ListCell   *lc2;
		bool		known = false;

		CHECK_FOR_INTERRUPTS();
		foreach(lc2, seen)
			if (strcmp((char *) lfirst(lc2), f->partition) == 0)
			{
				known = true;
				break;
			}
		if (known)
			continue;
		seen = lappend(seen, f->partition);
		if (partition_time(f->partition, pos, kind, &ts) &&
			ts < now - policy->partition_expiration)
			due = lappend(due, f->partition);
	}
	list_free(seen);
	return due;
}

/*
 * LakePartitionsExpire
 *		Drop the due partitions in one commit; returns how many.
 */
int
LakePartitionsExpire(LakeTable *table, const LakeMaintPolicy *policy,
					 TimestampTz now, int64 *snapshot_id)
{
	int64		latest_id = LakeSnapshotLatestId(table);
	LakeSnapshot *latest;
	LakeSchema *schema;
	List	   *files;
	List	   *due;
	LakeCommitRequest req;
	ListCell   *lc;

	*snapshot_id = 0;
	if (policy->partition_expiration <= 0 || latest_id == LAKE_SNAPSHOT_NONE)
		return 0;
	latest = LakeSnapshotLoad(table, latest_id, false);
	schema = LakeSchemaLoadLatest(table);
	files = LakeSnapshotFiles(table, latest);
	due = LakePartitionsExpired(table, schema, policy, now, files);
	if (due == NIL)
		return 0;

	memset(&req, 0, sizeof(req));
	req.kind = LAKE_COMMIT_OVERWRITE;
	req.base_snapshot_id = latest_id;
	req.schema_id = schema->schema_id;
	foreach(lc, files)
	{
		LakeDataFile *f = (LakeDataFile *) lfirst(lc);
		ListCell   *lc2;

		foreach(lc2, due)
			if (strcmp((char *) lfirst(lc2), f->partition) == 0)
			{
				req.deleted = lappend(req.deleted, f);
				req.deleted_rows += f->row_count;
				break;
			}
	}
	*snapshot_id = LakeCommit(table, &req);
	ereport(LOG,
			(errmsg("lake_fdw: dropped %d expired partitions of lake table \"%s\" in snapshot " INT64_FORMAT,
					list_length(due), table->relpath, *snapshot_id)));
	return list_length(due);
}
