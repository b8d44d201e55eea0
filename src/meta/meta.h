/*-------------------------------------------------------------------------
 * meta.h
 *	  Public API of the metadata layer: a lake table's schemas, snapshots,
 *	  manifest lists, manifests, tags, and the commit protocol.
 *
 * On disk (all paths relative to the table directory <root>/<table>):
 *	 schema/schema-<N>            table schema versions
 *	 snapshot/snapshot-<N>        one per commit, N = 1, 2, ...
 *	 snapshot/LATEST, EARLIEST    hints only; readers probe past them
 *	 manifest/manifest-list-<uuid>, manifest/manifest-<uuid>
 *	 tag/tag-<name>
 *	 data/<partition dirs>/bucket-<b>/data-<uuid>.parquet
 * Every metadata file carries a magic, a format version and a CRC-32C; a
 * reader checks all three and every length before use.  FORMAT.md (next to
 * this file) documents the bytes precisely.
 *
 * This layer knows nothing of Parquet pages: per-file column statistics are
 * opaque byte strings encoded by the scan layer.  It runs inside the server
 * (palloc, ereport); memory comes from CurrentMemoryContext unless a
 * function says otherwise.
 *-------------------------------------------------------------------------
 */
#ifndef LAKE_META_H
#define LAKE_META_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "nodes/pg_list.h"

#define LAKE_SNAPSHOT_NONE	((int64) 0)

/* ---------------------------------------------------------------------
 * Schema
 * ---------------------------------------------------------------------
 */
typedef struct LakeColumn
{
	int32		id;				/* stable field id, never reused */
	char	   *name;
	char	   *type_name;		/* PostgreSQL type as format_type gives it,
								 * e.g. "bigint", "numeric(12,2)",
								 * "timestamp with time zone" */
	bool		not_null;
	char	   *aggregate;		/* column option 'aggregate', or NULL */
} LakeColumn;

typedef struct LakeOption
{
	char	   *name;
	char	   *value;
} LakeOption;

typedef struct LakeSchema
{
	int64		schema_id;		/* 0, 1, ... */
	int			ncolumns;
	LakeColumn *columns;
	int32		next_column_id;
	List	   *primary_key;	/* of char* column names, key order */
	List	   *partition_by;	/* of char* column names */
	int			buckets;		/* >= 1 */
	List	   *options;		/* of LakeOption*: merge_engine, changelog,
								 * sequence_column, compression,
								 * bloom_filter_columns, ... (table-defining
								 * options only) */
} LakeSchema;

/* ---------------------------------------------------------------------
 * Data files and snapshots
 * ---------------------------------------------------------------------
 */
typedef enum LakeFileKind
{
	LAKE_FILE_DATA = 0,
	LAKE_FILE_CHANGELOG = 1
} LakeFileKind;

typedef struct LakeColumnStats
{
	int32		column_id;
	int64		null_count;
	bytea	   *min;			/* opaque (scan layer's encoding), or NULL */
	bytea	   *max;
} LakeColumnStats;

typedef struct LakeDataFile
{
	char	   *path;			/* relative to the table directory */
	LakeFileKind kind;
	char	   *partition;		/* canonical partition string, "" if none,
								 * e.g. "dt=2026-11-20" */
	int32		bucket;
	int32		level;			/* 0 = flushed run; compaction raises it */
	int64		row_count;
	int64		file_size;
	int64		schema_id;		/* schema the file was written with */
	int64		min_sequence;	/* version order range inside the file */
	int64		max_sequence;
	bytea	   *min_key;		/* opaque primary-key bounds, or NULL */
	bytea	   *max_key;
	int			nstats;
	LakeColumnStats *stats;
	int64		added_snapshot_id;	/* filled when read back */
	TimestampTz created_at;

	/*
	 * Version order of the file's rows against other files of its partition
	 * and bucket: the snapshot that committed the rows.  A writer leaves it
	 * 0 (= the committing snapshot, filled when read back, as are entries
	 * of manifests older than format version 2); compaction output carries
	 * the largest data_snapshot_id of its inputs.
	 */
	int64		data_snapshot_id;
} LakeDataFile;

typedef enum LakeCommitKind
{
	LAKE_COMMIT_APPEND = 0,		/* adds files */
	LAKE_COMMIT_OVERWRITE = 1,	/* deletes and adds (truncate, partition
								 * drop) */
	LAKE_COMMIT_COMPACT = 2,	/* rewrites files, same logical contents */
	LAKE_COMMIT_SCHEMA = 3		/* schema change only */
} LakeCommitKind;

extern const char *LakeCommitKindName(LakeCommitKind kind);

typedef struct LakeSnapshot
{
	int64		id;
	int64		schema_id;
	int64		parent_id;		/* previous snapshot, 0 for the first */
	LakeCommitKind kind;
	TimestampTz commit_time;
	char	   *base_manifest_list; /* files live before this commit */
	char	   *delta_manifest_list;	/* what this commit added/deleted */
	int64		added_rows;
	int64		deleted_rows;
	int64		total_rows;		/* live rows counted as file rows (PK tables
								 * may hold several versions of a key) */
	int64		total_files;
	int64		total_bytes;
	char	   *commit_user;
	char	   *writer_id;		/* server system identifier + pid + xid */
} LakeSnapshot;

/* ---------------------------------------------------------------------
 * Table handle
 * ---------------------------------------------------------------------
 */
typedef struct LakeTable
{
	char	   *root;			/* server root, absolute */
	char	   *relpath;		/* normalised relative table path */
	char	   *dir;			/* root + relpath, absolute */
} LakeTable;

/* Open a handle (no I/O beyond path checks; see io.h for path safety). */
extern LakeTable *LakeTableOpen(const char *root, const char *relpath);

/* Does a lake table exist there (has schema/schema-0)? */
extern bool LakeTableExists(LakeTable *table);

/*
 * Create the table directory and write schema-0 (atomic create-if-absent).
 * Returns false, writing nothing, if the table already exists.
 */
extern bool LakeTableCreate(LakeTable *table, LakeSchema *schema);

/* Latest schema, or a given version; ERROR if missing or corrupt. */
extern LakeSchema *LakeSchemaLoadLatest(LakeTable *table);
/* the same, NULL if the table does not exist (one probe less than both) */
extern LakeSchema *LakeSchemaLoadLatestIfExists(LakeTable *table);
extern LakeSchema *LakeSchemaLoad(LakeTable *table, int64 schema_id);
/* id of the latest schema, -1 if the table does not exist (stat probes only) */
extern int64 LakeSchemaLatestId(LakeTable *table);
/* a table-defining option as the schema records it, or NULL */
extern const char *LakeSchemaOption(const LakeSchema *schema, const char *name);

/*
 * Publish a new schema version (schema_id = previous + 1) and a SCHEMA
 * snapshot pointing at it.  Fails with 40001 if another writer published a
 * schema first.
 */
extern void LakeSchemaCommit(LakeTable *table, LakeSchema *new_schema);

/* ---------------------------------------------------------------------
 * Snapshots
 * ---------------------------------------------------------------------
 */
/* Latest published snapshot id, LAKE_SNAPSHOT_NONE if the table has none. */
extern int64 LakeSnapshotLatestId(LakeTable *table);
/*
 * Has a snapshot been published after snapshot id?  One stat(): ids have no
 * gaps, so snapshot-<id+1> exists exactly when one has.  For a caller that
 * knows id was the latest and still exists (it holds a pin on it).
 */
extern bool LakeSnapshotHasNewer(LakeTable *table, int64 id);
extern int64 LakeSnapshotEarliestId(LakeTable *table);

/* Load snapshot id; missing_ok=false → ERROR naming the id if absent. */
extern LakeSnapshot *LakeSnapshotLoad(LakeTable *table, int64 id, bool missing_ok);
/* The latest snapshot (NULL if none): LakeSnapshotLoad(LakeSnapshotLatestId),
 * taken from the decoded snapshot cache when its file is unchanged (2 stats). */
extern LakeSnapshot *LakeSnapshotLatest(LakeTable *table);

/* Latest snapshot committed at or before ts; NULL if none. */
extern LakeSnapshot *LakeSnapshotAsOf(LakeTable *table, TimestampTz ts);

/* Every retained snapshot, oldest first (List of LakeSnapshot*). */
extern List *LakeSnapshotList(LakeTable *table);

/* Live data files of a snapshot (List of LakeDataFile*), in no set order. */
extern List *LakeSnapshotFiles(LakeTable *table, LakeSnapshot *snap);

/* Files a snapshot added and removed (its delta). */
extern void LakeSnapshotDelta(LakeTable *table, LakeSnapshot *snap,
							  List **added, List **deleted);

/* A copy of a file record (statistics and keys too) in one allocation. */
extern LakeDataFile *LakeDataFileCopy(const LakeDataFile *src);

/* ---------------------------------------------------------------------
 * Commit protocol
 * ---------------------------------------------------------------------
 */
typedef struct LakeCommitRequest
{
	LakeCommitKind kind;
	int64		base_snapshot_id;	/* the snapshot the writer read, or 0 */
	int64		schema_id;
	List	   *added;			/* LakeDataFile*: already durable on disk */
	List	   *deleted;		/* LakeDataFile*: must still be live */
	int64		added_rows;
	int64		deleted_rows;
	/*
	 * Called when the commit raced another one and a newer snapshot than
	 * base_snapshot_id is live; may ereport(40001) to give up.  NULL = blind
	 * (never conflicts, e.g. pure appends).
	 */
	void		(*check_conflict) (LakeTable *table, LakeSnapshot *newer,
								   void *arg);
	void	   *check_conflict_arg;

	/*
	 * Also delete every file live in the snapshot the commit follows for
	 * which this returns true (TRUNCATE, partition drops): evaluated again
	 * on every attempt, so files committed concurrently are covered.  NULL =
	 * none.
	 */
	bool		(*delete_filter) (LakeDataFile *file, void *arg);
	void	   *delete_filter_arg;
	/*
	 * Keep the added files' nonzero added_snapshot_id instead of giving
	 * them the new snapshot's (rollback re-adds files of an older snapshot
	 * and must keep their commit order).
	 */
	bool		keep_added_snapshot_ids;
} LakeCommitRequest;

/*
 * Publish a new snapshot: writes the manifest, manifest lists and the
 * snapshot file, each fsynced before the next refers to it; publishes by
 * atomic create-if-absent of snapshot-<latest+1>; on losing the race
 * re-reads and retries.  A deleted file that is no longer live is a
 * serialization failure (40001).  Returns the new snapshot id.
 */
extern int64 LakeCommit(LakeTable *table, LakeCommitRequest *req);

/* Fault injection for crash tests: setting lake_fdw.fault_point */
extern void LakeFaultPoint(const char *name);
extern void LakeFaultPause(const char *name);

/* ---------------------------------------------------------------------
 * Tags
 * ---------------------------------------------------------------------
 */
extern void LakeTagCreate(LakeTable *table, const char *name, int64 snapshot_id);
extern void LakeTagDrop(LakeTable *table, const char *name, bool missing_ok);
/* snapshot id of a tag; ERROR if absent */
extern int64 LakeTagResolve(LakeTable *table, const char *name);
/* List of LakeOption* (name, snapshot id as text) */
extern List *LakeTagList(LakeTable *table);
/* the tag's copy of its snapshot (stands in once snapshot-<N> expired) */
extern LakeSnapshot *LakeTagLoadSnapshot(LakeTable *table, const char *name);
/* every tag's snapshot copy; a tag's copy of snapshot id, or NULL */
extern List *LakeTagSnapshots(LakeTable *table);
extern LakeSnapshot *LakeTagSnapshotFor(LakeTable *table, int64 id);

/* ---------------------------------------------------------------------
 * Consumers (meta_consumer.c): durable positions of changelog readers,
 * consumer/consumer-<name>
 * ---------------------------------------------------------------------
 */
typedef struct LakeConsumer
{
	char	   *name;
	int64		position;		/* last snapshot whose changes were consumed
								 * (0 = none) */
	int64		offset;			/* and how many of the next snapshot's
								 * changes, in scan order (0 = none) */
	TimestampTz updated_at;
	/*
	 * A position written by a transaction that may not have committed: it
	 * holds if transaction pending_xid of server pending_system_id
	 * committed (LakeConsumerResolve); 0 = none.
	 */
	uint64		pending_system_id;
	uint64		pending_xid;	/* FullTransactionId */
	int64		pending_position;
	int64		pending_offset;
} LakeConsumer;

/* Consumer names: 1-100 characters of [A-Za-z0-9_.-]; ERROR otherwise */
extern void LakeConsumerCheckName(const char *name);
/* The consumer's file, or NULL if it has none */
extern LakeConsumer *LakeConsumerLoad(LakeTable *table, const char *name);
/* Replace the consumer's file durably (temporary file renamed over it) */
extern void LakeConsumerStore(LakeTable *table, const LakeConsumer *consumer);
/*
 * The position a consumer file stands for: the pending one if its
 * transaction committed.  Undecidable (another server, still running):
 * ERROR if strict, else the lower position.
 */
extern int64 LakeConsumerResolve(LakeTable *table, const LakeConsumer *c, bool strict);
/* The same, also giving the resolved offset into the next snapshot */
extern int64 LakeConsumerResolveAt(LakeTable *table, const LakeConsumer *c, bool strict,
								   int64 *offset);
/* Every consumer of the table (List of LakeConsumer*), sorted by name */
extern List *LakeConsumerList(LakeTable *table);
extern void LakeConsumerDrop(LakeTable *table, const char *name);

/* ---------------------------------------------------------------------
 * Snapshot pins (meta_pin.c): snapshots in use by this server's backends
 * ---------------------------------------------------------------------
 */
/* from _PG_init: shared memory when preloaded, transaction callbacks */
extern void LakePinInit(void);

/*
 * Protect snapshot_id of table from expiry until the end of the current
 * transaction; call before reading the snapshot's manifests.  ERROR
 * (ERRCODE_SNAPSHOT_TOO_OLD) if an expiry has already claimed it.
 */
extern void LakeSnapshotPin(LakeTable *table, int64 snapshot_id);
/* LakeSnapshotLatest + LakeSnapshotPin, two stats fewer when it did not move */
extern LakeSnapshot *LakeSnapshotLatestPinned(LakeTable *table);

/* Snapshot ids pinned by live backends of this server (palloc'd array). */
extern int64 *LakeSnapshotPinsCollect(LakeTable *table, int *npins);

/* ---------------------------------------------------------------------
 * Expiry and cleanup (meta_expire.c, meta_orphan.c)
 * ---------------------------------------------------------------------
 */
/*
 * Serialise expiry, orphan cleanup and rollback of one table among the
 * backends of this server (a transaction-scoped lock) and among the
 * servers sharing the root (the maintenance lease).  false if nowait and
 * another backend or server holds it.
 */
extern bool LakeMaintLockAcquire(LakeTable *table, bool nowait);

/*
 * The table's maintenance lease (meta_lease.c): the same serialisation
 * among servers sharing the root, by a lease file held until the end of
 * the transaction.  LakeMaintLockAcquire takes it after the advisory
 * lock.  false if nowait and another server holds it, else ERROR 55P03.
 */
#define LAKE_LEASE_STALE_SECS	600
#define LAKE_LEASE_RENEW_SECS	60
extern bool LakeMaintLeaseAcquire(LakeTable *table, bool nowait);
/* from long loops: renew the held leases; ERROR if one was taken over */
extern void LakeMaintLeaseKeepAlive(void);

typedef struct LakeExpireStats
{
	int64		earliest_before;	/* oldest snapshot file before */
	int64		earliest_after; /* oldest snapshot file after */
	int64		snapshots_deleted;
	int64		manifests_deleted;	/* manifests and manifest lists */
	int64		files_deleted;	/* data and changelog files */
	int64		bytes_freed;
	int64		held_by_pins;	/* snapshots kept only for running queries */
} LakeExpireStats;

/*
 * Expire every snapshot with id < target (the latest is always kept) and
 * the files only they reference; skips snapshots pinned by running
 * queries of this server.  The caller holds LakeMaintLockAcquire.
 */
extern void LakeSnapshotsExpire(LakeTable *table, int64 target,
								LakeExpireStats *stats);
/* when an expiry last raised EARLIEST (0 if never) */
extern TimestampTz LakeExpiryLastTime(LakeTable *table);

typedef struct LakeOrphan
{
	char	   *path;			/* relative to the table directory */
	int64		bytes;
	TimestampTz modified;
} LakeOrphan;

/*
 * Files under the table directory that no retained snapshot or tag
 * references, modified before older_than; removed unless dry_run.  List of
 * LakeOrphan*.  The caller holds LakeMaintLockAcquire.
 */
extern List *LakeOrphansRemove(LakeTable *table, TimestampTz older_than,
							   bool dry_run);

/*
 * Make target's file set current as a new OVERWRITE snapshot (history is
 * kept); returns its id.  40001 if another commit lands meanwhile.
 */
extern int64 LakeRollback(LakeTable *table, LakeSnapshot *target);

/* ---------------------------------------------------------------------
 * Backend-local metadata caches (meta_cache.c; the scan layer's reader
 * cache uses the same bound and statistics shape)
 * ---------------------------------------------------------------------
 */
/* lake_fdw.metadata_cache_size in kB, the bound of each cache; 0 = off */
extern PGDLLIMPORT int lake_metadata_cache_kb;
/* the byte bound of each metadata cache (lake_fdw.metadata_cache_size) */
extern Size LakeMetaCacheLimit(void);

typedef struct LakeMetaCacheStats
{
	int64		entries;
	int64		bytes;
	int64		limit;
	int64		hits;
	int64		misses;
	int64		evictions;
} LakeMetaCacheStats;

/* the snapshot file-set cache: counters, and emptying it */
extern void LakeMetaCacheGetStats(LakeMetaCacheStats *stats);
extern void LakeMetaCacheReset(void);
/* the immutable metadata file cache (meta_file_cache.c) */
extern void LakeMetaFileCacheGetStats(LakeMetaCacheStats *stats);
extern void LakeMetaFileCacheReset(void);
/* the decoded latest-snapshot cache (meta_file_cache.c; limit = entries) */
extern void LakeMetaSnapshotCacheGetStats(LakeMetaCacheStats *stats);
extern void LakeMetaSnapshotCacheReset(void);

/* ---------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------
 */
/* A fresh random file name "<prefix>-<uuid><suffix>" */
extern char *LakeNewFileName(const char *prefix, const char *suffix);

#endif							/* LAKE_META_H */
