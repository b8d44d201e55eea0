/*-------------------------------------------------------------------------
 * meta_manifest.c
 *	  Manifests, manifest lists, and the file sets they describe.
 *
 * A manifest (manifest/manifest-<uuid>) is a sequence of entries, each an
 * ADD or a DELETE of one data file with every field of LakeDataFile.  A
 * manifest list (manifest/manifest-list-<uuid>) names manifests with their
 * sizes and entry counts.  A snapshot names two lists: its base list (the
 * files live before the commit) and its delta list (what the commit did).
 * The live files of a snapshot are the entries of the base list's
 * manifests and then the delta list's manifests applied in order: an ADD
 * makes a path live, a DELETE removes it.  A DELETE of a path that is not
 * live, or an ADD of a path already live, is corruption.
 *
 * Manifest and list files are written once with LakeWriteFileDurable under
 * fresh random names and never change; the commit protocol (meta_commit.c)
 * decides which of them a snapshot refers to.
 *
 * Decoding happens in a temporary memory context; only the surviving files
 * are copied into the caller's context.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "io/io.h"
#include "meta/meta_internal.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

/* bounds that keep a corrupt manifest from asking for absurd memory */
#define LAKE_MAX_STATS		1600
#define LAKE_MAX_BUCKET		65536

typedef struct FileMapEntry
{
	const char *path;			/* hash key: borrowed from the file */
	LakeDataFile *file;
	int			index;			/* position in the apply array, or -1 */
} FileMapEntry;

static uint32 path_hash(const void *key, Size keysize);
static int	path_match(const void *key1, const void *key2, Size keysize);
static HTAB *file_map_create(MemoryContext cxt, long nelem);
static void encode_data_file(LakeEncoder *enc, LakeDataFile *f);
static LakeDataFile *decode_data_file(LakeDecoder *dec);
static char *manifest_path(LakeTable *table, const char *name);
static void fill_added_snapshot(LakeTable *table, LakeManifestMeta *m,
								LakeDataFile *f, int pos);
static void fill_data_snapshot(LakeDataFile *f);
static bool relative_path_ok(const char *path);

/* ---------------------------------------------------------------------
 * Path-keyed hash tables
 * ---------------------------------------------------------------------
 */

static uint32
path_hash(const void *key, Size keysize)
{
	const char *s = *(const char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
path_match(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(const char *const *) key1, *(const char *const *) key2);
}

static HTAB *
file_map_create(MemoryContext cxt, long nelem)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(FileMapEntry);
	ctl.hash = path_hash;
	ctl.match = path_match;
	ctl.hcxt = cxt;
	return hash_create("lake file map", Max(nelem, 16), &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/*
 * A map path -> file over a list of LakeDataFile*, in CurrentMemoryContext;
 * the files are borrowed.
 */
HTAB *
LakeFileMapCreate(List *files)
{
	HTAB	   *map = file_map_create(CurrentMemoryContext, list_length(files));
	ListCell   *lc;

	foreach(lc, files)
	{
		LakeDataFile *f = (LakeDataFile *) lfirst(lc);
		FileMapEntry *e;
		bool		found;

		e = hash_search(map, &f->path, HASH_ENTER, &found);
		e->file = f;
		e->index = -1;
	}
	return map;
}

LakeDataFile *
LakeFileMapLookup(HTAB *map, const char *path)
{
	FileMapEntry *e = hash_search(map, &path, HASH_FIND, NULL);

	return e ? e->file : NULL;
}

/* ---------------------------------------------------------------------
 * Data file records
 * ---------------------------------------------------------------------
 */

/*
 * Non-empty, not absolute, no "." or ".." component, no empty component.
 */
static bool
relative_path_ok(const char *path)
{
	const char *p = path;

	if (*p == '\0' || *p == '/')
		return false;
	while (*p)
	{
		const char *end = strchr(p, '/');
		size_t		len = end ? (size_t) (end - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.') ||
			(len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += len;
		if (*p == '/')
		{
			p++;
			if (*p == '\0')
				return false;
		}
	}
	return true;
}

/* bytes of b laid out at *at (MAXALIGNed), which moves past them */
static bytea *
place_bytea(const bytea *b, char **at)
{
	bytea	   *c;

	if (b == NULL)
		return NULL;
	c = (bytea *) *at;
	memcpy(c, b, VARSIZE_ANY(b));
	*at += MAXALIGN(VARSIZE_ANY(b));
	return c;
}

/*
 * A deep copy in CurrentMemoryContext, in one chunk: a scan copies the
 * file list of its snapshot from the cache (LakeSnapshotFilesCached), and
 * one palloc a file instead of some thirty keeps that cheap.  pfree of
 * the copy frees it all; its fields must not be pfreed on their own.
 */
LakeDataFile *
LakeDataFileCopy(const LakeDataFile *src)
{
	const char *part = src->partition ? src->partition : "";
	Size		pathlen = strlen(src->path) + 1;
	Size		partlen = strlen(part) + 1;
	Size		size = MAXALIGN(sizeof(LakeDataFile)) +
		MAXALIGN(sizeof(LakeColumnStats) * Max(src->nstats, 0));
	LakeDataFile *f;
	char	   *at;
	int			i;

	if (src->min_key)
		size += MAXALIGN(VARSIZE_ANY(src->min_key));
	if (src->max_key)
		size += MAXALIGN(VARSIZE_ANY(src->max_key));
	for (i = 0; i < src->nstats; i++)
	{
		if (src->stats[i].min)
			size += MAXALIGN(VARSIZE_ANY(src->stats[i].min));
		if (src->stats[i].max)
			size += MAXALIGN(VARSIZE_ANY(src->stats[i].max));
	}
	size += pathlen + partlen;

	f = palloc(size);
	memcpy(f, src, sizeof(LakeDataFile));
	at = (char *) f + MAXALIGN(sizeof(LakeDataFile));
	f->stats = NULL;
	if (src->nstats > 0)
	{
		f->stats = (LakeColumnStats *) at;
		at += MAXALIGN(sizeof(LakeColumnStats) * src->nstats);
		for (i = 0; i < src->nstats; i++)
		{
			f->stats[i] = src->stats[i];
			f->stats[i].min = place_bytea(src->stats[i].min, &at);
			f->stats[i].max = place_bytea(src->stats[i].max, &at);
		}
	}
	f->min_key = place_bytea(src->min_key, &at);
	f->max_key = place_bytea(src->max_key, &at);
	f->path = memcpy(at, src->path, pathlen);
	at += pathlen;
	f->partition = memcpy(at, part, partlen);
	at += partlen;
	Assert(at == (char *) f + size);
	return f;
}

/*
 * Fields in order: path, kind, partition, bucket, level, row_count,
 * file_size, schema_id, min_sequence, max_sequence, min_key?, max_key?,
 * nstats, stats (column_id, null_count, min?, max?), added_snapshot_id,
 * created_at, and since format version 2 data_snapshot_id.
 */
static void
encode_data_file(LakeEncoder *enc, LakeDataFile *f)
{
	int			i;

	LakeEncString(enc, f->path);
	LakeEncInt(enc, (int64) f->kind);
	LakeEncString(enc, f->partition ? f->partition : "");
	LakeEncInt(enc, f->bucket);
	LakeEncInt(enc, f->level);
	LakeEncInt(enc, f->row_count);
	LakeEncInt(enc, f->file_size);
	LakeEncInt(enc, f->schema_id);
	LakeEncInt(enc, f->min_sequence);
	LakeEncInt(enc, f->max_sequence);
	LakeEncBytes(enc, f->min_key);
	LakeEncBytes(enc, f->max_key);
	LakeEncUInt(enc, f->nstats);
	for (i = 0; i < f->nstats; i++)
	{
		LakeEncInt(enc, f->stats[i].column_id);
		LakeEncInt(enc, f->stats[i].null_count);
		LakeEncBytes(enc, f->stats[i].min);
		LakeEncBytes(enc, f->stats[i].max);
	}
	LakeEncInt(enc, f->added_snapshot_id);
	LakeEncInt(enc, f->created_at);
	LakeEncInt(enc, f->data_snapshot_id);
}

static LakeDataFile *
decode_data_file(LakeDecoder *dec)
{
	LakeDataFile *f = palloc0(sizeof(LakeDataFile));
	size_t		start;
	int			i;

	start = dec->pos;
	f->path = LakeDecString(dec, "file.path", false);
	if (!relative_path_ok(f->path))
		LakeDecCorrupt(dec, start, "file.path",
					   psprintf("\"%s\" is not a relative path inside the table", f->path));
	f->kind = (LakeFileKind) LakeDecIntRange(dec, "file.kind",
											 LAKE_FILE_DATA, LAKE_FILE_CHANGELOG);
	f->partition = LakeDecString(dec, "file.partition", false);
	f->bucket = (int32) LakeDecIntRange(dec, "file.bucket", -1, LAKE_MAX_BUCKET);
	f->level = (int32) LakeDecIntRange(dec, "file.level", 0, 1000);
	f->row_count = LakeDecIntRange(dec, "file.row_count", 0, PG_INT64_MAX);
	f->file_size = LakeDecIntRange(dec, "file.file_size", 0, PG_INT64_MAX);
	f->schema_id = LakeDecIntRange(dec, "file.schema_id", 0, PG_INT64_MAX);
	f->min_sequence = LakeDecInt(dec, "file.min_sequence");
	f->max_sequence = LakeDecInt(dec, "file.max_sequence");
	f->min_key = LakeDecBytes(dec, "file.min_key");
	f->max_key = LakeDecBytes(dec, "file.max_key");
	start = dec->pos;
	f->nstats = LakeDecCount(dec, "file.nstats", 4);
	if (f->nstats > LAKE_MAX_STATS)
		LakeDecCorrupt(dec, start, "file.nstats", "more statistics than a table has columns");
	if (f->nstats > 0)
		f->stats = palloc0(sizeof(LakeColumnStats) * f->nstats);
	for (i = 0; i < f->nstats; i++)
	{
		f->stats[i].column_id = (int32) LakeDecIntRange(dec, "stats.column_id",
														0, PG_INT32_MAX);
		f->stats[i].null_count = LakeDecIntRange(dec, "stats.null_count",
												 0, PG_INT64_MAX);
		f->stats[i].min = LakeDecBytes(dec, "stats.min");
		f->stats[i].max = LakeDecBytes(dec, "stats.max");
	}
	f->added_snapshot_id = LakeDecIntRange(dec, "file.added_snapshot_id",
										   0, PG_INT64_MAX);
	f->created_at = LakeDecInt(dec, "file.created_at");
	/* version 1 entries have none: their rows are their commit's */
	if (dec->version >= 2)
		f->data_snapshot_id = LakeDecIntRange(dec, "file.data_snapshot_id",
											  0, PG_INT64_MAX);
	return f;
}

/* ---------------------------------------------------------------------
 * Manifests
 * ---------------------------------------------------------------------
 */

static char *
manifest_path(LakeTable *table, const char *name)
{
	char	   *rel = psprintf("manifest/%s", name);
	char	   *path = LakeTableFilePath(table, rel);

	pfree(rel);
	return path;
}

/*
 * LakeManifestWrite
 *		Write entries (LakeManifestEntry*) durably to a new manifest.
 */
LakeManifestMeta *
LakeManifestWrite(LakeTable *table, List *entries, int64 schema_id)
{
	LakeManifestMeta *meta = palloc0(sizeof(LakeManifestMeta));
	LakeEncoder enc;
	ListCell   *lc;
	char	   *data;
	size_t		len;
	char	   *path;

	LakeEncInit(&enc);
	LakeEncUInt(&enc, list_length(entries));
	foreach(lc, entries)
	{
		LakeManifestEntry *e = (LakeManifestEntry *) lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		LakeEncInt(&enc, e->kind);
		encode_data_file(&enc, e->file);
		if (e->kind == LAKE_ENTRY_ADD)
			meta->num_added++;
		else
			meta->num_deleted++;
	}
	data = LakeEncFinish(&enc, LAKE_META_MANIFEST, &len);

	meta->name = LakeNewFileName("manifest", NULL);
	meta->file_size = (int64) len;
	meta->schema_id = schema_id;
	path = manifest_path(table, meta->name);
	LakeWriteFileDurable(path, data, len);
	pfree(path);
	pfree(data);
	return meta;
}

/*
 * LakeManifestRead
 *		Entries (LakeManifestEntry*) of a manifest, in CurrentMemoryContext.
 *		expected_size, if >= 0, is the size its list recorded.
 */
List *
LakeManifestRead(LakeTable *table, const char *name, int64 expected_size)
{
	char	   *path = manifest_path(table, name);
	LakeDecoder dec;
	List	   *out = NIL;
	int			n;
	int			i;

	if (!LakeMetaReadFile(path, LAKE_META_MANIFEST, true, &dec))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("manifest \"%s\" of lake table \"%s\" is missing",
						name, table->relpath),
				 errdetail("File \"%s\" does not exist.", path)));
	if (expected_size >= 0 && (int64) dec.len != expected_size)
		LakeDecCorrupt(&dec, 0, "file size",
					   psprintf("manifest list records " INT64_FORMAT " bytes, file holds %zu",
								expected_size, dec.len));

	n = LakeDecCount(&dec, "nentries", 20);
	for (i = 0; i < n; i++)
	{
		LakeManifestEntry *e = palloc(sizeof(LakeManifestEntry));

		CHECK_FOR_INTERRUPTS();
		e->kind = (int) LakeDecIntRange(&dec, "entry.kind", LAKE_ENTRY_ADD,
										LAKE_ENTRY_DELETE);
		e->file = decode_data_file(&dec);
		out = lappend(out, e);
	}
	LakeDecEnd(&dec);
	pfree((char *) dec.data);
	pfree(path);
	return out;
}

/* ---------------------------------------------------------------------
 * Manifest lists
 * ---------------------------------------------------------------------
 */

/*
 * LakeManifestListWrite
 *		Write a new list naming metas (LakeManifestMeta*); returns its name.
 */
char *
LakeManifestListWrite(LakeTable *table, List *metas)
{
	LakeEncoder enc;
	ListCell   *lc;
	char	   *data;
	size_t		len;
	char	   *name;
	char	   *path;

	LakeEncInit(&enc);
	LakeEncUInt(&enc, list_length(metas));
	foreach(lc, metas)
	{
		LakeManifestMeta *m = (LakeManifestMeta *) lfirst(lc);

		LakeEncString(&enc, m->name);
		LakeEncInt(&enc, m->file_size);
		LakeEncInt(&enc, m->num_added);
		LakeEncInt(&enc, m->num_deleted);
		LakeEncInt(&enc, m->schema_id);
		LakeEncInt(&enc, m->snapshot_id);
	}
	data = LakeEncFinish(&enc, LAKE_META_MANIFEST_LIST, &len);

	name = LakeNewFileName("manifest-list", NULL);
	path = manifest_path(table, name);
	LakeWriteFileDurable(path, data, len);
	pfree(path);
	pfree(data);
	return name;
}

List *
LakeManifestListRead(LakeTable *table, const char *name)
{
	char	   *path = manifest_path(table, name);
	LakeDecoder dec;
	List	   *out = NIL;
	int			n;
	int			i;

	if (!LakeMetaReadFile(path, LAKE_META_MANIFEST_LIST, true, &dec))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("manifest list \"%s\" of lake table \"%s\" is missing",
						name, table->relpath),
				 errdetail("File \"%s\" does not exist.", path)));

	n = LakeDecCount(&dec, "nmanifests", 6);
	for (i = 0; i < n; i++)
	{
		LakeManifestMeta *m = palloc(sizeof(LakeManifestMeta));

		m->name = LakeDecName(&dec, "manifest.name");
		m->file_size = LakeDecIntRange(&dec, "manifest.file_size",
									   LAKE_META_HEADER_SIZE, PG_INT64_MAX);
		m->num_added = LakeDecIntRange(&dec, "manifest.num_added", 0, PG_INT64_MAX);
		m->num_deleted = LakeDecIntRange(&dec, "manifest.num_deleted", 0, PG_INT64_MAX);
		m->schema_id = LakeDecIntRange(&dec, "manifest.schema_id", 0, PG_INT64_MAX);
		m->snapshot_id = LakeDecIntRange(&dec, "manifest.snapshot_id", 0, PG_INT64_MAX);
		out = lappend(out, m);
	}
	LakeDecEnd(&dec);
	pfree((char *) dec.data);
	pfree(path);
	return out;
}

/*
 * Manifests of a snapshot's base list, followed by its delta list's when
 * include_delta.
 */
List *
LakeManifestMetasOfSnapshot(LakeTable *table, LakeSnapshot *snap,
							bool include_delta)
{
	List	   *metas = LakeManifestListRead(table, snap->base_manifest_list);

	if (include_delta)
	{
		List	   *delta = LakeManifestListRead(table, snap->delta_manifest_list);
		ListCell   *lc;

		/* a delta list's manifests were written by the commit of snap */
		foreach(lc, delta)
		{
			LakeManifestMeta *m = (LakeManifestMeta *) lfirst(lc);

			if (m->snapshot_id == 0)
				m->snapshot_id = snap->id;
		}
		metas = list_concat(metas, delta);
	}
	return metas;
}

/* ---------------------------------------------------------------------
 * File sets of snapshots
 * ---------------------------------------------------------------------
 */

/*
 * A manifest written by a commit leaves added_snapshot_id 0 (the snapshot
 * id is not known until the commit wins its race); the manifest list that
 * names it supplies the id.
 */
static void
fill_added_snapshot(LakeTable *table, LakeManifestMeta *m, LakeDataFile *f,
					int pos)
{
	if (f->added_snapshot_id != 0)
		return;
	if (m->snapshot_id == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("lake metadata of table \"%s\" is corrupt", table->relpath),
				 errdetail("Manifest \"%s\", entry %d, field \"file.added_snapshot_id\": 0, and its manifest list names no snapshot.",
						   m->name, pos)));
	f->added_snapshot_id = m->snapshot_id;
}

/* A data_snapshot_id of 0 means the snapshot that added the file. */
static void
fill_data_snapshot(LakeDataFile *f)
{
	if (f->data_snapshot_id == 0)
		f->data_snapshot_id = f->added_snapshot_id;
}

/*
 * LakeSnapshotFiles
 *		Live data files of a snapshot: base then delta entries applied in
 *		order.  Changelog files never become live (LakeSnapshotDelta of
 *		their snapshot names them).
 */
List *
LakeSnapshotFiles(LakeTable *table, LakeSnapshot *snap)
{
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext tmp;
	HTAB	   *map;
	List	   *metas;
	LakeDataFile **live;
	int			nlive = 0;
	int			cap = 64;
	ListCell   *lc;
	List	   *out = NIL;
	int			i;

	if (snap == NULL)
		return NIL;
	if (LakeSnapshotFilesCached(table, snap, &out))
		return out;

	tmp = AllocSetContextCreate(CurrentMemoryContext, "lake snapshot files",
								ALLOCSET_DEFAULT_SIZES);
	(void) MemoryContextSwitchTo(tmp);

	metas = LakeManifestMetasOfSnapshot(table, snap, true);
	map = file_map_create(tmp, 256);
	live = palloc(sizeof(LakeDataFile *) * cap);

	foreach(lc, metas)
	{
		LakeManifestMeta *m = (LakeManifestMeta *) lfirst(lc);
		List	   *entries = LakeManifestRead(table, m->name, m->file_size);
		ListCell   *lc2;
		int			pos = 0;

		foreach(lc2, entries)
		{
			LakeManifestEntry *e = (LakeManifestEntry *) lfirst(lc2);
			FileMapEntry *fe;
			bool		found;

			CHECK_FOR_INTERRUPTS();
			fill_added_snapshot(table, m, e->file, pos);
			fill_data_snapshot(e->file);
			if (e->kind == LAKE_ENTRY_ADD && e->file->kind == LAKE_FILE_CHANGELOG)
			{
				/* changelog files belong to their commit, never live */
				pos++;
				continue;
			}
			if (e->kind == LAKE_ENTRY_ADD)
			{
				fe = hash_search(map, &e->file->path, HASH_ENTER, &found);
				if (found)
					ereport(ERROR,
							(errcode(ERRCODE_DATA_CORRUPTED),
							 errmsg("lake metadata of table \"%s\" is corrupt", table->relpath),
							 errdetail("Manifest \"%s\", entry %d, field \"file.path\": file \"%s\" is added while already live.",
									   m->name, pos, e->file->path)));
				if (nlive == cap)
				{
					cap *= 2;
					live = repalloc(live, sizeof(LakeDataFile *) * cap);
				}
				fe->file = e->file;
				fe->index = nlive;
				live[nlive++] = e->file;
			}
			else
			{
				fe = hash_search(map, &e->file->path, HASH_FIND, NULL);
				if (fe == NULL)
					ereport(ERROR,
							(errcode(ERRCODE_DATA_CORRUPTED),
							 errmsg("lake metadata of table \"%s\" is corrupt", table->relpath),
							 errdetail("Manifest \"%s\", entry %d, field \"file.path\": file \"%s\" is deleted while not live.",
									   m->name, pos, e->file->path)));
				live[fe->index] = NULL;
				hash_search(map, &e->file->path, HASH_REMOVE, NULL);
			}
			pos++;
		}
	}

	MemoryContextSwitchTo(caller);
	for (i = 0; i < nlive; i++)
	{
		if (live[i] != NULL)
			out = lappend(out, LakeDataFileCopy(live[i]));
	}
	MemoryContextDelete(tmp);
	LakeSnapshotFilesRemember(table, snap, out);
	return out;
}

/*
 * LakeSnapshotDelta
 *		Files a snapshot added and removed.
 */
void
LakeSnapshotDelta(LakeTable *table, LakeSnapshot *snap,
				  List **added, List **deleted)
{
	List	   *metas;
	ListCell   *lc;

	*added = NIL;
	*deleted = NIL;
	if (snap == NULL)
		return;

	metas = LakeManifestListRead(table, snap->delta_manifest_list);
	foreach(lc, metas)
	{
		LakeManifestMeta *m = (LakeManifestMeta *) lfirst(lc);
		List	   *entries = LakeManifestRead(table, m->name, m->file_size);
		ListCell   *lc2;
		int			pos = 0;

		if (m->snapshot_id == 0)
			m->snapshot_id = snap->id;
		foreach(lc2, entries)
		{
			LakeManifestEntry *e = (LakeManifestEntry *) lfirst(lc2);

			fill_added_snapshot(table, m, e->file, pos++);
			fill_data_snapshot(e->file);

			if (e->kind == LAKE_ENTRY_ADD)
				*added = lappend(*added, e->file);
			else
				*deleted = lappend(*deleted, e->file);
			pfree(e);
		}
		list_free(entries);
	}
	list_free_deep(metas);
}
