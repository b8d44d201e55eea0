/*-------------------------------------------------------------------------
 * meta_internal.h
 *	  Declarations shared by the files of the metadata layer only: the
 *	  binary codec every metadata file uses, paths inside a table
 *	  directory, and the manifest and snapshot helpers the commit protocol
 *	  builds on.  Nothing outside src/meta/ includes this header.
 *
 * FORMAT.md documents the bytes these functions read and write.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_META_INTERNAL_H
#define LAKE_META_INTERNAL_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "meta/meta.h"

/* ---------------------------------------------------------------------
 * Codec (meta_codec.c)
 * ---------------------------------------------------------------------
 */
#define LAKE_META_HEADER_SIZE	16
#define LAKE_META_VERSION		2	/* the newest version this build reads */
/* format version of manifests written now (2: data_snapshot_id) */
#define LAKE_MANIFEST_VERSION	2

typedef enum LakeMetaKind
{
	LAKE_META_SCHEMA = 1,		/* magic "LKSC" */
	LAKE_META_SNAPSHOT = 2,		/* magic "LKSN" */
	LAKE_META_MANIFEST_LIST = 3,	/* magic "LKML" */
	LAKE_META_MANIFEST = 4,		/* magic "LKMF" */
	LAKE_META_TAG = 5,			/* magic "LKTG" */
	LAKE_META_CONSUMER = 6,		/* magic "LKCO" */
	LAKE_META_LEASE = 7			/* magic "LKLE" */
} LakeMetaKind;

typedef struct LakeEncoder
{
	StringInfoData body;		/* CurrentMemoryContext at LakeEncInit */
} LakeEncoder;

typedef struct LakeDecoder
{
	const char *file;			/* borrowed: path for error messages */
	const char *data;			/* borrowed: whole file, header included */
	size_t		len;			/* bytes in data */
	size_t		pos;			/* next byte to decode */
	uint16		version;		/* format version in the header */
} LakeDecoder;

extern void LakeEncInit(LakeEncoder *enc);
extern void LakeEncUInt(LakeEncoder *enc, uint64 v);
extern void LakeEncInt(LakeEncoder *enc, int64 v);
extern void LakeEncString(LakeEncoder *enc, const char *s);	/* NULL ok */
extern void LakeEncBytes(LakeEncoder *enc, const bytea *b);	/* NULL ok */
extern char *LakeEncFinish(LakeEncoder *enc, LakeMetaKind kind, size_t *len);

extern void LakeDecBegin(LakeDecoder *dec, const char *file,
						 const char *data, size_t len, LakeMetaKind kind);
extern uint64 LakeDecUInt(LakeDecoder *dec, const char *field);
extern int64 LakeDecInt(LakeDecoder *dec, const char *field);
extern int64 LakeDecIntRange(LakeDecoder *dec, const char *field,
							 int64 min, int64 max);
extern char *LakeDecString(LakeDecoder *dec, const char *field, bool nullable);
extern char *LakeDecName(LakeDecoder *dec, const char *field);
extern bytea *LakeDecBytes(LakeDecoder *dec, const char *field);
extern int	LakeDecCount(LakeDecoder *dec, const char *field, size_t min_item);
extern void LakeDecEnd(LakeDecoder *dec);
extern void LakeDecCorrupt(LakeDecoder *dec, size_t offset, const char *field,
						   const char *problem) pg_attribute_noreturn();

/* read a metadata file and check its header; false if missing_ok & absent */
extern bool LakeMetaReadFile(const char *path, LakeMetaKind kind,
							 bool missing_ok, LakeDecoder *dec);
/* the same for an immutable file (snapshot-<N>, schema-<N>), cached */
extern bool LakeMetaReadFileCached(const char *path, LakeMetaKind kind,
								   bool missing_ok, LakeDecoder *dec);
/* decoded snapshots by probe path + file identity (meta_file_cache.c) */
typedef struct LakeMetaIdentity
{
	int64		words[8];		/* opaque: stat's identity of the file */
} LakeMetaIdentity;
extern bool LakeMetaSnapshotIdentity(const char *probe_path, LakeMetaIdentity *ident);
extern void LakeMetaSnapshotRemember(const char *probe_path, const LakeMetaIdentity *ident,
									 const LakeSnapshot *snap);
extern LakeSnapshot *LakeMetaSnapshotCached(const char *probe_path);
/* the latest id last seen in a directory of numbered files, or -1 */
extern int64 LakeMetaLatestSeen(const char *dir);
extern void LakeMetaLatestNote(const char *dir, int64 id);

/* ---------------------------------------------------------------------
 * Paths inside a table directory (meta_table.c)
 * ---------------------------------------------------------------------
 */
/* absolute path of "<table>/<rel>", checked by LakePathJoin */
extern char *LakeTableFilePath(LakeTable *table, const char *rel);
/*
 * "<table dir>/<rel>" without the symbolic-link check, for stat() probes of
 * existence only (is there a snapshot-<N+1>?): whatever such a path leads
 * to is never read through it; a file that is read is named again by
 * LakeTableFilePath.  rel is a fixed pattern of the caller, never user input.
 */
extern char *LakeTableProbePath(LakeTable *table, const char *rel);

/* does snapshot/snapshot-<id> exist (one stat)? (meta_snapshot.c) */
extern bool LakeSnapshotFileExists(LakeTable *table, int64 id);
extern bool LakeNameIsSafe(const char *name);
/*
 * Names of the files <prefix><name> in directory rel of the table (names
 * safe and at most max_len long; others are ignored), unsorted.  NIL if
 * the directory does not exist.
 */
extern List *LakeMetaListNames(LakeTable *table, const char *rel, const char *prefix,
							   int max_len);

/* ---------------------------------------------------------------------
 * Snapshots (meta_snapshot.c)
 * ---------------------------------------------------------------------
 */
extern void LakeSnapshotEncodeBody(LakeEncoder *enc, LakeSnapshot *snap);
extern LakeSnapshot *LakeSnapshotDecodeBody(LakeDecoder *dec);
extern char *LakeSnapshotPath(LakeTable *table, int64 id);
/* id a hint file (LATEST, EARLIEST) names, 0 if absent or garbled */
extern int64 LakeSnapshotHintRead(LakeTable *table, const char *name);
/* smallest and largest N among the snapshot-<N> files (0, 0 if none) */
extern void LakeSnapshotFileRange(LakeTable *table, int64 *min_id, int64 *max_id);

/* ---------------------------------------------------------------------
 * Manifests and manifest lists (meta_manifest.c)
 * ---------------------------------------------------------------------
 */
#define LAKE_ENTRY_ADD		0
#define LAKE_ENTRY_DELETE	1

/* merge the base list into one manifest when it holds more than this */
#define LAKE_MANIFEST_MERGE_THRESHOLD	8

typedef struct LakeManifestMeta
{
	char	   *name;			/* "manifest-<uuid>" in manifest/ */
	int64		file_size;
	int64		num_added;		/* ADD entries */
	int64		num_deleted;	/* DELETE entries */
	int64		schema_id;		/* schema of the commit that wrote it */
	int64		snapshot_id;	/* snapshot whose commit wrote it: fills
								 * entries whose added_snapshot_id is 0; 0 in
								 * a delta list (= the snapshot naming the
								 * list) and for merged manifests */
} LakeManifestMeta;

typedef struct LakeManifestEntry
{
	int			kind;			/* LAKE_ENTRY_ADD / LAKE_ENTRY_DELETE */
	LakeDataFile *file;
} LakeManifestEntry;

extern List *LakeManifestListRead(LakeTable *table, const char *name);
extern char *LakeManifestListWrite(LakeTable *table, List *metas);
extern List *LakeManifestRead(LakeTable *table, const char *name,
							  int64 expected_size);
extern LakeManifestMeta *LakeManifestWrite(LakeTable *table, List *entries,
										   int64 schema_id);

/* meta_cache.c: file sets of snapshots kept across statements */
extern bool LakeSnapshotFilesCached(LakeTable *table, LakeSnapshot *snap, List **files);
extern void LakeSnapshotFilesRemember(LakeTable *table, LakeSnapshot *snap, List *files);
extern List *LakeManifestMetasOfSnapshot(LakeTable *table, LakeSnapshot *snap,
										 bool include_delta);
extern struct HTAB *LakeFileMapCreate(List *files);
extern LakeDataFile *LakeFileMapLookup(struct HTAB *map, const char *path);

/* ---------------------------------------------------------------------
 * Sets of table-relative paths (meta_expire.c): what snapshots reference
 * ---------------------------------------------------------------------
 */
typedef struct LakePathSet LakePathSet;

extern LakePathSet *LakePathSetCreate(void);
extern bool LakePathSetContains(LakePathSet *set, const char *path);
extern long LakePathSetCount(LakePathSet *set);
/* every file snapshots from..to reference (+ every tag's, with tags) */
extern void LakePathSetAddSnapshots(LakeTable *table, int64 from, int64 to,
									bool tags, LakePathSet *set);

#endif							/* LAKE_META_INTERNAL_H */
