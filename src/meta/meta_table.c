/*-------------------------------------------------------------------------
 * meta_table.c
 *	  Table handles and schemas: opening a table, creating it (schema-0),
 *	  encoding, loading and committing schema versions, plus the small
 *	  helpers every metadata file uses (paths inside the table directory,
 *	  fresh file names).
 *
 * A table exists once schema/schema-0 is published.  Schema versions are
 * published by atomic create-if-absent of schema/schema-<N>, so two writers
 * racing for the same version cannot both win.  A schema change is then
 * made visible to snapshot readers by a LAKE_COMMIT_SCHEMA snapshot
 * (LakeSchemaCommit); a crash between the two leaves a schema version no
 * snapshot refers to yet, which readers of the latest schema already see
 * and which data files simply do not use.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <dirent.h>
#include <sys/stat.h>

#include "io/io.h"
#include "meta/meta_internal.h"
#include "miscadmin.h"
#include "storage/fd.h"

/* upper bounds that keep a corrupt schema from asking for absurd memory */
#define LAKE_MAX_COLUMNS	1600
#define LAKE_MAX_BUCKETS	65536

static char *schema_path(LakeTable *table, int64 schema_id);
static char *schema_encode(LakeSchema *schema, size_t *len);
static LakeSchema *schema_decode(LakeDecoder *dec);
static void encode_name_list(LakeEncoder *enc, List *names);
static List *decode_name_list(LakeDecoder *dec, const char *field);
static int64 schema_latest_id(LakeTable *table);

/* ---------------------------------------------------------------------
 * Helpers shared by the layer
 * ---------------------------------------------------------------------
 */

const char *
LakeCommitKindName(LakeCommitKind kind)
{
	switch (kind)
	{
		case LAKE_COMMIT_APPEND:
			return "append";
		case LAKE_COMMIT_OVERWRITE:
			return "overwrite";
		case LAKE_COMMIT_COMPACT:
			return "compact";
		case LAKE_COMMIT_SCHEMA:
			return "schema";
	}
	return "unknown";
}

/*
 * LakeNewFileName
 *		"<prefix>-<uuid><suffix>" with a random (version 4) UUID.
 */
char *
LakeNewFileName(const char *prefix, const char *suffix)
{
	unsigned char u[16];

	if (!pg_strong_random(u, sizeof(u)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate a random file name")));
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;

	return psprintf("%s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x%s",
					prefix,
					u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
					u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15],
					suffix ? suffix : "");
}

/*
 * A single path component made of [A-Za-z0-9_.-], not "." or "..".
 */
bool
LakeNameIsSafe(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0' || strlen(name) > 255)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (p = name; *p; p++)
	{
		char		c = *p;

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

char *
LakeTableProbePath(LakeTable *table, const char *rel)
{
	return psprintf("%s/%s", table->dir, rel);
}

char *
LakeTableFilePath(LakeTable *table, const char *rel)
{
	char	   *relpath = psprintf("%s/%s", table->relpath, rel);
	char	   *path = LakePathJoin(table->root, relpath);

	pfree(relpath);
	return path;
}

/* ---------------------------------------------------------------------
 * Table handle
 * ---------------------------------------------------------------------
 */

LakeTable *
LakeTableOpen(const char *root, const char *relpath)
{
	LakeTable  *table = palloc0(sizeof(LakeTable));

	table->root = pstrdup(root);
	table->relpath = LakePathNormalize(relpath, "table");
	table->dir = LakePathJoin(root, table->relpath);
	return table;
}

bool
LakeTableExists(LakeTable *table)
{
	char	   *path = schema_path(table, 0);
	struct stat st;
	bool		exists;

	if (stat(path, &st) == 0)
		exists = true;
	else if (errno == ENOENT || errno == ENOTDIR)
		exists = false;
	else
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not stat file \"%s\": %m", path)));
	pfree(path);
	return exists;
}

/*
 * LakeTableCreate
 *		Make the table's directories and publish schema-0.  false (nothing
 *		written) if schema-0 already exists.
 */
bool
LakeTableCreate(LakeTable *table, LakeSchema *schema)
{
	static const char *const subdirs[] = {"schema", "snapshot", "manifest", "tag"};
	char	   *path;
	char	   *data;
	size_t		len;
	bool		created;
	int			i;

	if (LakeTableExists(table))
		return false;

	for (i = 0; i < lengthof(subdirs); i++)
	{
		char	   *rel = psprintf("%s/%s", table->relpath, subdirs[i]);

		LakeMakeDirs(table->root, rel);
		pfree(rel);
	}

	schema->schema_id = 0;
	data = schema_encode(schema, &len);
	path = schema_path(table, 0);
	created = LakePublishFile(path, data, len);
	pfree(data);
	pfree(path);
	return created;
}

/* ---------------------------------------------------------------------
 * Schema codec
 * ---------------------------------------------------------------------
 */

static char *
schema_path(LakeTable *table, int64 schema_id)
{
	char		rel[64];

	snprintf(rel, sizeof(rel), "schema/schema-" INT64_FORMAT, schema_id);
	return LakeTableFilePath(table, rel);
}

/* the same, for a stat() probe of existence only */
static char *
schema_probe_path(LakeTable *table, int64 schema_id)
{
	char		rel[64];

	snprintf(rel, sizeof(rel), "schema/schema-" INT64_FORMAT, schema_id);
	return LakeTableProbePath(table, rel);
}

static void
encode_name_list(LakeEncoder *enc, List *names)
{
	ListCell   *lc;

	LakeEncUInt(enc, list_length(names));
	foreach(lc, names)
		LakeEncString(enc, (const char *) lfirst(lc));
}

static List *
decode_name_list(LakeDecoder *dec, const char *field)
{
	int			n = LakeDecCount(dec, field, 1);
	List	   *out = NIL;
	int			i;

	for (i = 0; i < n; i++)
		out = lappend(out, LakeDecString(dec, field, false));
	return out;
}

/*
 * Body: schema_id, ncolumns, columns (id, name, type_name, not_null,
 * aggregate?), next_column_id, primary_key, partition_by, buckets,
 * options (name, value).
 */
static char *
schema_encode(LakeSchema *schema, size_t *len)
{
	LakeEncoder enc;
	ListCell   *lc;
	int			i;

	LakeEncInit(&enc);
	LakeEncInt(&enc, schema->schema_id);
	LakeEncUInt(&enc, schema->ncolumns);
	for (i = 0; i < schema->ncolumns; i++)
	{
		LakeColumn *col = &schema->columns[i];

		LakeEncInt(&enc, col->id);
		LakeEncString(&enc, col->name);
		LakeEncString(&enc, col->type_name);
		LakeEncInt(&enc, col->not_null ? 1 : 0);
		LakeEncString(&enc, col->aggregate);
	}
	LakeEncInt(&enc, schema->next_column_id);
	encode_name_list(&enc, schema->primary_key);
	encode_name_list(&enc, schema->partition_by);
	LakeEncInt(&enc, schema->buckets);
	LakeEncUInt(&enc, list_length(schema->options));
	foreach(lc, schema->options)
	{
		LakeOption *opt = (LakeOption *) lfirst(lc);

		LakeEncString(&enc, opt->name);
		LakeEncString(&enc, opt->value);
	}
	return LakeEncFinish(&enc, LAKE_META_SCHEMA, len);
}

static LakeSchema *
schema_decode(LakeDecoder *dec)
{
	LakeSchema *schema = palloc0(sizeof(LakeSchema));
	int			n;
	int			i;

	schema->schema_id = LakeDecIntRange(dec, "schema_id", 0, PG_INT64_MAX);
	n = LakeDecCount(dec, "ncolumns", 5);
	if (n > LAKE_MAX_COLUMNS)
		LakeDecCorrupt(dec, dec->pos, "ncolumns", "more columns than a table may have");
	schema->ncolumns = n;
	schema->columns = palloc0(sizeof(LakeColumn) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		LakeColumn *col = &schema->columns[i];

		col->id = (int32) LakeDecIntRange(dec, "column.id", 0, PG_INT32_MAX);
		col->name = LakeDecString(dec, "column.name", false);
		col->type_name = LakeDecString(dec, "column.type_name", false);
		col->not_null = LakeDecIntRange(dec, "column.not_null", 0, 2) != 0;
		col->aggregate = LakeDecString(dec, "column.aggregate", true);
	}
	schema->next_column_id = (int32) LakeDecIntRange(dec, "next_column_id",
													 0, PG_INT32_MAX);
	schema->primary_key = decode_name_list(dec, "primary_key");
	schema->partition_by = decode_name_list(dec, "partition_by");
	schema->buckets = (int) LakeDecIntRange(dec, "buckets", 1, LAKE_MAX_BUCKETS);
	n = LakeDecCount(dec, "noptions", 2);
	for (i = 0; i < n; i++)
	{
		LakeOption *opt = palloc(sizeof(LakeOption));

		opt->name = LakeDecString(dec, "option.name", false);
		opt->value = LakeDecString(dec, "option.value", false);
		schema->options = lappend(schema->options, opt);
	}
	LakeDecEnd(dec);
	return schema;
}

/* ---------------------------------------------------------------------
 * Loading and committing schemas
 * ---------------------------------------------------------------------
 */

LakeSchema *
LakeSchemaLoad(LakeTable *table, int64 schema_id)
{
	char	   *path = schema_path(table, schema_id);
	LakeDecoder dec;
	LakeSchema *schema;

	if (!LakeMetaReadFileCached(path, LAKE_META_SCHEMA, true, &dec))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("schema " INT64_FORMAT " of lake table \"%s\" does not exist",
						schema_id, table->relpath),
				 errdetail("File \"%s\" is missing.", path)));
	schema = schema_decode(&dec);
	if (schema->schema_id != schema_id)
		LakeDecCorrupt(&dec, LAKE_META_HEADER_SIZE, "schema_id",
					   psprintf("file holds schema " INT64_FORMAT, schema->schema_id));
	pfree((char *) dec.data);
	pfree(path);
	return schema;
}

/*
 * Highest published schema id (probing schema-1, schema-2, ...); -1 if
 * the table has no schema-0.
 */
static int64
schema_latest_id(LakeTable *table)
{
	char	   *dir = psprintf("%s/schema", table->dir);	/* a key only */
	int64		id = LakeMetaLatestSeen(dir);

	/*
	 * Start past the latest this backend saw if that file still exists:
	 * schema files are never removed while the table lives, and a table
	 * re-created on the path either lacks it or is probed on to its own.
	 */
	if (id > 0)
	{
		char	   *path = schema_probe_path(table, id);
		struct stat st;

		if (stat(path, &st) != 0)
			id = -1;
		pfree(path);
	}
	else
		id = -1;
	for (;;)
	{
		char	   *path = schema_probe_path(table, id + 1);
		struct stat st;

		CHECK_FOR_INTERRUPTS();
		if (stat(path, &st) != 0)
		{
			if (errno != ENOENT && errno != ENOTDIR)
				ereport(ERROR,
						(errcode_for_file_access(),
						 errmsg("could not stat file \"%s\": %m", path)));
			pfree(path);
			if (id >= 0)
				LakeMetaLatestNote(dir, id);
			pfree(dir);
			return id;
		}
		pfree(path);
		id++;
	}
}

int64
LakeSchemaLatestId(LakeTable *table)
{
	return schema_latest_id(table);
}

LakeSchema *
LakeSchemaLoadLatestIfExists(LakeTable *table)
{
	int64		id = schema_latest_id(table);

	return id < 0 ? NULL : LakeSchemaLoad(table, id);
}

LakeSchema *
LakeSchemaLoadLatest(LakeTable *table)
{
	int64		id = schema_latest_id(table);

	if (id < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("lake table \"%s\" does not exist", table->relpath),
				 errdetail("Directory \"%s\" holds no schema/schema-0.", table->dir)));
	return LakeSchemaLoad(table, id);
}

/*
 * LakeSchemaCommit
 *		Publish schema-<previous + 1> and a SCHEMA snapshot.
 *
 * new_schema->schema_id tells which version the caller derived it from:
 * either that version's id or that id + 1.  If a newer schema than that was
 * published meanwhile, or another writer wins the race for the next id, the
 * commit fails with 40001.  On return new_schema->schema_id is the
 * published id.
 */
void
LakeSchemaCommit(LakeTable *table, LakeSchema *new_schema)
{
	int64		latest = schema_latest_id(table);
	int64		target;
	char	   *path;
	char	   *data;
	size_t		len;
	LakeCommitRequest req;

	if (latest < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("lake table \"%s\" does not exist", table->relpath)));

	if (new_schema->schema_id < latest)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not change the schema of lake table \"%s\": a concurrent schema change was committed",
						table->relpath),
				 errdetail("The change was based on schema " INT64_FORMAT "; schema " INT64_FORMAT " is the latest.",
						   new_schema->schema_id, latest),
				 errhint("Retry the statement.")));
	if (new_schema->schema_id > latest + 1)
		elog(ERROR, "schema " INT64_FORMAT " cannot follow schema " INT64_FORMAT,
			 new_schema->schema_id, latest);

	target = latest + 1;
	new_schema->schema_id = target;
	data = schema_encode(new_schema, &len);
	path = schema_path(table, target);

	LakeFaultPoint("schema-before-publish");
	if (!LakePublishFile(path, data, len))
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not change the schema of lake table \"%s\": a concurrent schema change was committed",
						table->relpath),
				 errdetail("File \"%s\" was published by another writer.", path),
				 errhint("Retry the statement.")));
	pfree(data);
	pfree(path);
	LakeFaultPoint("schema-after-publish");

	memset(&req, 0, sizeof(req));
	req.kind = LAKE_COMMIT_SCHEMA;
	req.base_snapshot_id = LakeSnapshotLatestId(table);
	req.schema_id = target;
	(void) LakeCommit(table, &req);
}

const char *
LakeSchemaOption(const LakeSchema *schema, const char *name)
{
	ListCell   *lc;

	foreach(lc, schema->options)
	{
		LakeOption *o = lfirst(lc);

		if (strcmp(o->name, name) == 0)
			return o->value;
	}
	return NULL;
}

List *
LakeMetaListNames(LakeTable *table, const char *rel, const char *prefix, int max_len)
{
	char	   *dir = LakeTableFilePath(table, rel);
	size_t		plen = strlen(prefix);
	DIR		   *d;
	struct dirent *de;
	List	   *names = NIL;

	d = AllocateDir(dir);
	if (d == NULL && (errno == ENOENT || errno == ENOTDIR))
	{
		pfree(dir);
		return NIL;
	}
	while ((de = ReadDir(d, dir)) != NULL)
	{
		const char *name;

		CHECK_FOR_INTERRUPTS();
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		name = de->d_name + plen;
		if (strlen(name) > max_len || !LakeNameIsSafe(name))
			continue;
		names = lappend(names, pstrdup(name));
	}
	FreeDir(d);
	pfree(dir);
	return names;
}
