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

-- compact a primary-key lake table: the buckets over the table's trigger, or
-- every bucket not already a single level-1 file when full; returns how many
-- buckets were compacted (one COMPACT snapshot each)
CREATE FUNCTION lake_compact(tbl regclass, full boolean DEFAULT false)
RETURNS integer
AS 'MODULE_PATHNAME', 'lake_compact'
LANGUAGE C STRICT VOLATILE;
