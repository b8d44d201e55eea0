/*-------------------------------------------------------------------------
 * meta_tag.c
 *	  Tags: named, durable references to a snapshot (tag/tag-<name>).
 *
 * A tag file holds the tag's name, the snapshot id and a full copy of the
 * snapshot record.  The copy names the snapshot's manifest lists, so
 * snapshot expiry keeps every file a tagged snapshot needs, and loading
 * the snapshot falls back to the copy once snapshot-<N> itself expired.  Tags are created by atomic
 * create-if-absent (two sessions creating the same tag: one wins, the
 * other gets duplicate_object) and dropped by unlink.
 *
 * Tag names are 1-100 characters of [A-Za-z0-9_.-].
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <unistd.h>

#include "io/io.h"
#include "lib/stringinfo.h"
#include "meta/meta_internal.h"
#include "miscadmin.h"

#define LAKE_TAG_NAME_MAX	100

static void check_tag_name(const char *name);
static char *tag_path(LakeTable *table, const char *name);
static int64 tag_read(LakeTable *table, const char *name, bool missing_ok,
					  LakeSnapshot **copy);
static int	option_name_cmp(const ListCell *a, const ListCell *b);

static void
check_tag_name(const char *name)
{
	if (name == NULL || name[0] == '\0' ||
		strlen(name) > LAKE_TAG_NAME_MAX ||
		strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		!LakeNameIsSafe(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid tag name \"%s\"", name ? name : ""),
				 errhint("Tag names are 1 to %d letters, digits, \"_\", \".\" or \"-\".",
						 LAKE_TAG_NAME_MAX)));
}

static char *
tag_path(LakeTable *table, const char *name)
{
	char	   *rel = psprintf("tag/tag-%s", name);
	char	   *path = LakeTableFilePath(table, rel);

	pfree(rel);
	return path;
}

/*
 * Snapshot id a tag names; 0 if absent and missing_ok.  *copy (if not NULL)
 * receives the tag's copy of the snapshot.
 */
static int64
tag_read(LakeTable *table, const char *name, bool missing_ok,
		 LakeSnapshot **copy)
{
	char	   *path = tag_path(table, name);
	LakeDecoder dec;
	char	   *stored_name;
	int64		id;
	LakeSnapshot *snap;

	if (!LakeMetaReadFile(path, LAKE_META_TAG, true, &dec))
	{
		List	   *tags;
		StringInfoData names;
		ListCell   *lc;

		if (missing_ok)
		{
			if (copy)
				*copy = NULL;
			return 0;
		}

		tags = LakeTagList(table);
		initStringInfo(&names);
		foreach(lc, tags)
		{
			LakeOption *opt = (LakeOption *) lfirst(lc);

			appendStringInfo(&names, "%s%s", names.len ? ", " : "", opt->name);
		}
		if (tags == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("tag \"%s\" of lake table \"%s\" does not exist",
							name, table->relpath),
					 errhint("The table has no tags.")));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("tag \"%s\" of lake table \"%s\" does not exist",
						name, table->relpath),
				 errhint("The table's tags are: %s.", names.data)));
	}

	stored_name = LakeDecString(&dec, "name", false);
	if (strcmp(stored_name, name) != 0)
		LakeDecCorrupt(&dec, LAKE_META_HEADER_SIZE, "name",
					   psprintf("file holds tag \"%s\"", stored_name));
	id = LakeDecIntRange(&dec, "snapshot_id", 1, PG_INT64_MAX);
	snap = LakeSnapshotDecodeBody(&dec);
	LakeDecEnd(&dec);
	if (snap->id != id)
		LakeDecCorrupt(&dec, LAKE_META_HEADER_SIZE, "snapshot.id",
					   psprintf("copy holds snapshot " INT64_FORMAT ", tag names " INT64_FORMAT,
								snap->id, id));
	if (copy)
		*copy = snap;
	else
		pfree(snap);
	pfree((char *) dec.data);
	pfree(path);
	return id;
}

/*
 * LakeTagCreate
 *		Tag an existing snapshot.  ERROR 42710 if the tag exists.
 */
void
LakeTagCreate(LakeTable *table, const char *name, int64 snapshot_id)
{
	LakeSnapshot *snap;
	LakeEncoder enc;
	char	   *data;
	size_t		len;
	char	   *path;
	char	   *rel;

	check_tag_name(name);
	snap = LakeSnapshotLoad(table, snapshot_id, false);

	rel = psprintf("%s/tag", table->relpath);
	LakeMakeDirs(table->root, rel);
	pfree(rel);

	LakeEncInit(&enc);
	LakeEncString(&enc, name);
	LakeEncInt(&enc, snapshot_id);
	LakeSnapshotEncodeBody(&enc, snap);
	data = LakeEncFinish(&enc, LAKE_META_TAG, &len);

	path = tag_path(table, name);
	if (!LakePublishFile(path, data, len))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("tag \"%s\" of lake table \"%s\" already exists",
						name, table->relpath),
				 errhint("Drop the tag first, or choose another name.")));
	pfree(data);
	pfree(path);
}

/*
 * LakeTagDrop
 *		Remove a tag; ERROR 42704 if absent unless missing_ok.
 */
void
LakeTagDrop(LakeTable *table, const char *name, bool missing_ok)
{
	char	   *path;
	char	   *dir;

	check_tag_name(name);
	path = tag_path(table, name);
	if (unlink(path) != 0)
	{
		if (errno == ENOENT || errno == ENOTDIR)
		{
			if (missing_ok)
			{
				pfree(path);
				return;
			}
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("tag \"%s\" of lake table \"%s\" does not exist",
							name, table->relpath)));
		}
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not remove file \"%s\": %m", path)));
	}
	dir = LakeTableFilePath(table, "tag");
	LakeFsyncPath(dir, true);
	pfree(dir);
	pfree(path);
}

/*
 * LakeTagResolve
 *		Snapshot id of a tag; ERROR 42704 naming the existing tags if absent.
 */
int64
LakeTagResolve(LakeTable *table, const char *name)
{
	check_tag_name(name);
	return tag_read(table, name, false, NULL);
}

static int
option_name_cmp(const ListCell *a, const ListCell *b)
{
	const LakeOption *oa = (const LakeOption *) lfirst(a);
	const LakeOption *ob = (const LakeOption *) lfirst(b);

	return strcmp(oa->name, ob->name);
}

/*
 * LakeTagList
 *		Every tag as LakeOption (name, snapshot id as text), sorted by name.
 */
List *
LakeTagList(LakeTable *table)
{
	List	   *names = LakeMetaListNames(table, "tag", "tag-", LAKE_TAG_NAME_MAX);
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, names)
	{
		char	   *name = (char *) lfirst(lc);
		int64		id = tag_read(table, name, true, NULL);
		LakeOption *opt;

		if (id == 0)
			continue;			/* dropped meanwhile */
		opt = palloc(sizeof(LakeOption));
		opt->name = name;
		opt->value = psprintf(INT64_FORMAT, id);
		out = lappend(out, opt);
	}
	list_sort(out, option_name_cmp);
	return out;
}

/*
 * LakeTagLoadSnapshot
 *		The tag's copy of its snapshot; ERROR 42704 if the tag is absent.
 *		The copy stands in for snapshot-<N> once that file has expired.
 */
LakeSnapshot *
LakeTagLoadSnapshot(LakeTable *table, const char *name)
{
	LakeSnapshot *snap;

	check_tag_name(name);
	(void) tag_read(table, name, false, &snap);
	return snap;
}

/*
 * LakeTagSnapshots
 *		The snapshot copies of every tag (List of LakeSnapshot*, by tag
 *		name; several tags may name one snapshot).
 */
List *
LakeTagSnapshots(LakeTable *table)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, LakeTagList(table))
	{
		LakeOption *opt = (LakeOption *) lfirst(lc);
		LakeSnapshot *snap;

		if (tag_read(table, opt->name, true, &snap) != 0)
			out = lappend(out, snap);
	}
	return out;
}

/*
 * LakeTagSnapshotFor
 *		A tag's copy of snapshot id, or NULL if no tag names it.
 */
LakeSnapshot *
LakeTagSnapshotFor(LakeTable *table, int64 id)
{
	ListCell   *lc;

	foreach(lc, LakeTagList(table))
	{
		LakeOption *opt = (LakeOption *) lfirst(lc);
		LakeSnapshot *snap;

		if (strtoll(opt->value, NULL, 10) != id)
			continue;
		if (tag_read(table, opt->name, true, &snap) == id)
			return snap;
	}
	return NULL;
}
