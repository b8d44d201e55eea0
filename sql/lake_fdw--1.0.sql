/* lake_fdw 1.0: lake tables (Parquet + snapshots) as foreign tables */

\echo Use "CREATE EXTENSION lake_fdw" to load this file. \quit

CREATE FUNCTION lake_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION lake_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER lake_fdw
  HANDLER lake_fdw_handler
  VALIDATOR lake_fdw_validator;

-- history of a lake table: one row per retained snapshot
CREATE FUNCTION lake_snapshots(tbl regclass,
  OUT snapshot_id bigint, OUT committed_at timestamptz, OUT kind text,
  OUT schema_id bigint, OUT added_rows bigint, OUT deleted_rows bigint,
  OUT total_rows bigint, OUT total_files bigint, OUT total_bytes bigint,
  OUT commit_user text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lake_snapshots'
LANGUAGE C STRICT VOLATILE;

-- layout of a lake table at the snapshot a statement reads
CREATE FUNCTION lake_files(tbl regclass,
  OUT partition text, OUT bucket int, OUT level int, OUT path text,
  OUT kind text, OUT row_count bigint, OUT file_size bigint,
  OUT added_snapshot_id bigint, OUT schema_id bigint,
  OUT min_key text, OUT max_key text, OUT created_at timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lake_files'
LANGUAGE C STRICT VOLATILE;

-- this backend's caches of lake metadata (bounded by lake_fdw.metadata_cache_size)
CREATE FUNCTION lake_metadata_cache(
  OUT cache text, OUT entries bigint, OUT bytes bigint, OUT limit_bytes bigint,
  OUT hits bigint, OUT misses bigint, OUT evictions bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lake_metadata_cache'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION lake_metadata_cache_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'lake_metadata_cache_reset'
LANGUAGE C STRICT VOLATILE;

-- name a snapshot (the latest when snapshot_id is NULL); returns its id
CREATE FUNCTION lake_create_tag(tbl regclass, name text, snapshot_id bigint DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'lake_create_tag'
LANGUAGE C VOLATILE;

CREATE FUNCTION lake_drop_tag(tbl regclass, name text)
RETURNS void
AS 'MODULE_PATHNAME', 'lake_drop_tag'
LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION lake_tags(tbl regclass, OUT name text, OUT snapshot_id bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lake_tags'
LANGUAGE C STRICT VOLATILE;

-- DDL on lake tables: PRIMARY KEY into the primary_key option, unsupported
-- ALTERs refused (start); the lake table created, checked or evolved (end)
CREATE FUNCTION lake_fdw_ddl_start() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'lake_fdw_ddl_start' LANGUAGE C;
CREATE FUNCTION lake_fdw_ddl_end() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'lake_fdw_ddl_end' LANGUAGE C;
CREATE EVENT TRIGGER lake_fdw_ddl_start ON ddl_command_start
  WHEN TAG IN ('CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE')
  EXECUTE FUNCTION lake_fdw_ddl_start();
CREATE EVENT TRIGGER lake_fdw_ddl_end ON ddl_command_end
  WHEN TAG IN ('CREATE FOREIGN TABLE', 'ALTER FOREIGN TABLE')
  EXECUTE FUNCTION lake_fdw_ddl_end();

-- ---------------------------------------------------------------------
-- Maintenance (issue #7): expiry, orphan cleanup, rollback, health
-- ---------------------------------------------------------------------

-- expire old snapshots and the files only they reference; NULL arguments
-- take the table's options (snapshot_num_retained_min/max,
-- snapshot_time_retained)
CREATE FUNCTION lake_expire_snapshots(tbl regclass,
  retain_min int DEFAULT NULL, retain_max int DEFAULT NULL,
  retain_time interval DEFAULT NULL,
  OUT expired_snapshots bigint, OUT deleted_files bigint,
  OUT deleted_manifests bigint, OUT freed_bytes bigint,
  OUT earliest_snapshot bigint, OUT kept_for_queries bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'lake_expire_snapshots'
LANGUAGE C VOLATILE;

-- remove files no retained snapshot or tag references, older than older_than
CREATE FUNCTION lake_remove_orphans(tbl regclass,
  older_than interval DEFAULT '1 day', dry_run bool DEFAULT false,
  OUT path text, OUT bytes bigint, OUT modified timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lake_remove_orphans'
LANGUAGE C STRICT VOLATILE;

-- make a snapshot's (or a tag's) state current as a new snapshot; returns its id
CREATE FUNCTION lake_rollback(tbl regclass, snapshot_id bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'lake_rollback_to_snapshot'
LANGUAGE C STRICT VOLATILE;
CREATE FUNCTION lake_rollback(tbl regclass, tag text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'lake_rollback_to_tag'
LANGUAGE C STRICT VOLATILE;

-- run the table's maintenance policy (automatic tag, partition expiry,
-- snapshot expiry) as if at time "at" (now when NULL)
CREATE FUNCTION lake_maintain(tbl regclass, at timestamptz DEFAULT NULL,
  OUT tag_created text, OUT tags_dropped int, OUT partitions_dropped int,
  OUT expired_snapshots bigint, OUT deleted_files bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'lake_maintain'
LANGUAGE C VOLATILE;

-- durable changelog consumers of a lake table: consumed_snapshot = last snapshot
-- whose changes the consumer processed; lag = snapshots committed since
CREATE FUNCTION lake_consumers(tbl regclass,
  OUT consumer text, OUT consumed_snapshot bigint, OUT next_snapshot bigint,
  OUT latest_snapshot bigint, OUT lag bigint, OUT updated_at timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lake_consumers'
LANGUAGE C STRICT VOLATILE;

-- set a consumer's position (0: from the earliest snapshot); NULL drops it
CREATE FUNCTION lake_reset_consumer(tbl regclass, consumer text, snapshot_id bigint)
RETURNS void
AS 'MODULE_PATHNAME', 'lake_reset_consumer'
LANGUAGE C VOLATILE;

CREATE FUNCTION lake_table_health(tbl regclass,
  OUT snapshots bigint, OUT earliest_snapshot bigint, OUT latest_snapshot bigint,
  OUT latest_commit timestamptz, OUT files bigint, OUT small_files bigint,
  OUT bytes bigint, OUT rows bigint, OUT partitions bigint,
  OUT max_sorted_runs int, OUT tags bigint, OUT last_compaction timestamptz,
  OUT last_expiry timestamptz, OUT expirable_snapshots bigint,
  OUT expirable_partitions bigint, OUT tag_due text, OUT maintenance_due bool,
  OUT oldest_consumer_lag bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'lake_table_health'
LANGUAGE C STRICT VOLATILE;

-- health of every lake foreign table the current user may read (one row per
-- foreign table; pinned views of one lake table repeat its figures)
CREATE VIEW lake_tables_health AS
  SELECT c.oid::regclass AS table_name, h.*
  FROM pg_class c
  JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
  JOIN pg_foreign_server s ON s.oid = ft.ftserver
  JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
  CROSS JOIN LATERAL lake_table_health(c.oid) h
  WHERE w.fdwname = 'lake_fdw'
    AND has_table_privilege(c.oid, 'SELECT');
GRANT SELECT ON lake_tables_health TO PUBLIC;

-- running compactions of lake tables in this server, one row per backend
-- (compaction workers, maintenance workers, sessions in lake_compact, writers
-- held by backpressure), in the style of pg_stat_progress_*: pid, datid and
-- command for everyone, the rest for members of the compacting role or of
-- pg_read_all_stats.  Needs lake_fdw in shared_preload_libraries (else a
-- NOTICE and no rows).  Per-bucket figures (files, rows, bytes) reset when
-- the next bucket starts.
CREATE FUNCTION lake_stat_progress_compaction(
  OUT pid int, OUT datid oid, OUT command text, OUT relid oid,
  OUT table_path text, OUT phase text, OUT partition text, OUT bucket int,
  OUT buckets_total int, OUT buckets_done int,
  OUT files_total int, OUT files_read int, OUT files_written int,
  OUT rows_total bigint, OUT rows_read bigint, OUT rows_written bigint,
  OUT bytes_total bigint, OUT bytes_read bigint, OUT bytes_written bigint,
  OUT started_at timestamptz, OUT phase_since timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'lake_stat_progress_compaction'
LANGUAGE C VOLATILE;
CREATE VIEW lake_stat_progress_compaction AS
  SELECT s.pid, s.datid, d.datname, s.relid, s.table_path, s.command, s.phase,
         s.partition, s.bucket, s.buckets_total, s.buckets_done,
         s.files_total, s.files_read, s.files_written,
         s.rows_total, s.rows_read, s.rows_written,
         s.bytes_total, s.bytes_read, s.bytes_written,
         s.started_at, s.phase_since
  FROM lake_stat_progress_compaction() s
  LEFT JOIN pg_database d ON d.oid = s.datid;
GRANT SELECT ON lake_stat_progress_compaction TO PUBLIC;

-- compact a primary-key lake table: the buckets over the table's trigger, or
-- every bucket not already a single level-1 file when full; returns how many
-- buckets were compacted (one COMPACT snapshot each)
CREATE FUNCTION lake_compact(tbl regclass, full boolean DEFAULT false)
RETURNS integer
AS 'MODULE_PATHNAME', 'lake_compact'
LANGUAGE C STRICT VOLATILE;
