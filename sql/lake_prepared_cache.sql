-- A prepared point lookup's generic plan, executed again and again, takes
-- what opening the table costs from the backend's table cache: options,
-- schema, scan layout, merge configuration and the commit-ordered file list
-- of the latest snapshot, whose schema is re-probed only when that snapshot
-- is no longer the latest.  Every execution must still read what a fresh
-- statement reads: commits of this and of another session (READ COMMITTED
-- sees them, REPEATABLE READ keeps its snapshot), compaction, expiry,
-- rollback, ALTER FOREIGN TABLE (options and columns, here and in another
-- session), DROP and CREATE again, a table re-created on the same path, and
-- time travel (lake_fdw.as_of, option snapshot) changing between
-- executions.  The oracle is a heap table with a real PRIMARY KEY, read by
-- the same prepared statements; the other session is a dblink connection.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SET plan_cache_mode = force_generic_plan;
CREATE SERVER lake_pc FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE pc (k int, d date, v text, n bigint, PRIMARY KEY (d, k))
  SERVER lake_pc OPTIONS (table '.pc/t', partition_by 'd', buckets '2');
CREATE TABLE pc_heap (k int, d date, v text, n bigint, PRIMARY KEY (d, k));
INSERT INTO pc SELECT g % 100, date '2026-01-01' + g / 100, 'v' || g, g
  FROM generate_series(0, 999) g;
INSERT INTO pc_heap SELECT g % 100, date '2026-01-01' + g / 100, 'v' || g, g
  FROM generate_series(0, 999) g;
-- the other session
SELECT dblink_connect('other', format('dbname=%s port=%s host=%s', current_database(),
       current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT dblink_exec('other', 'SET client_min_messages = warning');

-- lake and heap, one row per key looked up (n -1: no row), and a prepared diff
PREPARE look(int, date) AS SELECT k, d, v, n FROM pc WHERE d = $2 AND k = $1;
PREPARE look_h(int, date) AS SELECT k, d, v, n FROM pc_heap WHERE d = $2 AND k = $1;
CREATE FUNCTION pc_keys(OUT k int, OUT d date) RETURNS SETOF record LANGUAGE sql AS
  $$ SELECT k, date '2026-01-01' + dd FROM unnest(ARRAY[0, 7, 42, 99, 100]) k,
     generate_series(0, 10, 5) dd $$;
PREPARE diff AS
  SELECT count(*) AS differences FROM
  ((SELECT k, d, v, n FROM pc EXCEPT ALL SELECT k, d, v, n FROM pc_heap)
   UNION ALL
   (SELECT k, d, v, n FROM pc_heap EXCEPT ALL SELECT k, d, v, n FROM pc)) x;
-- the same keys through the generic plan of a PL/pgSQL lookup (one
-- executor start per key: each is a READ COMMITTED read point)
CREATE FUNCTION pc_look(p_k int, p_d date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  SELECT v || ':' || n INTO r FROM pc WHERE d = p_d AND k = p_k;
  RETURN coalesce(r, '-');
END $$;
CREATE FUNCTION pc_look_h(p_k int, p_d date) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  SELECT v || ':' || n INTO r FROM pc_heap WHERE d = p_d AND k = p_k;
  RETURN coalesce(r, '-');
END $$;
PREPARE keys_differ AS
  SELECT count(*) AS keys_differ FROM pc_keys() x WHERE pc_look(x.k, x.d) <> pc_look_h(x.k, x.d);
EXPLAIN (COSTS OFF) EXECUTE look(7, '2026-01-03');
EXECUTE look(7, '2026-01-03');
EXECUTE look_h(7, '2026-01-03');
EXECUTE look(7, '2026-01-03');
EXECUTE diff;
EXECUTE keys_differ;

-- a commit of this session, then of the other session, between executions
INSERT INTO pc VALUES (7, '2026-01-03', 'mine', -1);
INSERT INTO pc_heap VALUES (7, '2026-01-03', 'mine', -1)
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
EXECUTE look(7, '2026-01-03');
SELECT dblink_exec('other', $$INSERT INTO pc VALUES (7, '2026-01-03', 'other', -2), (100, '2026-01-11', 'new day', 100)$$);
INSERT INTO pc_heap VALUES (7, '2026-01-03', 'other', -2), (100, '2026-01-11', 'new day', 100)
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
EXECUTE look(7, '2026-01-03');
EXECUTE look_h(7, '2026-01-03');
EXECUTE look(100, '2026-01-11');
EXECUTE diff;
EXECUTE keys_differ;

-- READ COMMITTED inside a transaction: each execution sees the latest
BEGIN;
EXECUTE look(42, '2026-01-01');
SELECT dblink_exec('other', $$INSERT INTO pc VALUES (42, '2026-01-01', 'rc', 42)$$);
INSERT INTO pc_heap VALUES (42, '2026-01-01', 'rc', 42)
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
EXECUTE look(42, '2026-01-01');
COMMIT;
-- REPEATABLE READ: the first read's snapshot, for the whole transaction
BEGIN ISOLATION LEVEL REPEATABLE READ;
EXECUTE look(42, '2026-01-01');
SELECT dblink_exec('other', $$INSERT INTO pc VALUES (42, '2026-01-01', 'rr', 43)$$);
EXECUTE look(42, '2026-01-01');
EXECUTE look(42, '2026-01-01');
SELECT pc_look(42, '2026-01-01');
COMMIT;
INSERT INTO pc_heap VALUES (42, '2026-01-01', 'rr', 43)
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
EXECUTE look(42, '2026-01-01');
EXECUTE diff;
-- a transaction's own writes, read through the generic plan
BEGIN;
INSERT INTO pc VALUES (99, '2026-01-06', 'own', 990);
EXECUTE look(99, '2026-01-06');
ROLLBACK;
EXECUTE look(99, '2026-01-06');
EXECUTE look_h(99, '2026-01-06');

-- compaction replaces every file, expiry deletes the old ones
SELECT max(committed_at) AS before_compact FROM lake_snapshots('pc') \gset
SELECT max(snapshot_id) AS before_compact_id FROM lake_snapshots('pc') \gset
SELECT lake_compact('pc', true) > 0 AS compacted;
EXECUTE look(7, '2026-01-03');
EXECUTE diff;
-- time travel: lake_fdw.as_of, then the table option snapshot, then back
INSERT INTO pc VALUES (0, '2026-01-01', 'after compact', 0);
INSERT INTO pc_heap VALUES (0, '2026-01-01', 'after compact', 0)
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
EXECUTE look(0, '2026-01-01');
SET lake_fdw.as_of = :'before_compact';
EXECUTE look(0, '2026-01-01');
EXECUTE look(7, '2026-01-03');
RESET lake_fdw.as_of;
EXECUTE look(0, '2026-01-01');
ALTER FOREIGN TABLE pc OPTIONS (ADD snapshot :'before_compact_id');
EXECUTE look(0, '2026-01-01');
ALTER FOREIGN TABLE pc OPTIONS (DROP snapshot);
EXECUTE look(0, '2026-01-01');
EXECUTE diff;
SELECT expired_snapshots > 0 AS expired, deleted_files > 0 AS deleted
  FROM lake_expire_snapshots('pc', 1, 1, '0 s');
EXECUTE look(0, '2026-01-01');
EXECUTE look(7, '2026-01-03');
EXECUTE diff;
EXECUTE keys_differ;
-- the expired snapshot is an error, not rows from a cached file list
SET lake_fdw.as_of = :'before_compact';
DO $$
BEGIN
  EXECUTE 'EXECUTE look(0, ''2026-01-01'')';
  RAISE WARNING 'an expired snapshot was read';
EXCEPTION WHEN snapshot_too_old OR undefined_object THEN
  RAISE WARNING 'expired snapshot: %', CASE WHEN SQLSTATE IN ('72000', '42704') THEN 'refused' END;
END $$;
RESET lake_fdw.as_of;

-- a rollback is a new snapshot with an old file set
SELECT max(snapshot_id) AS before_rb FROM lake_snapshots('pc') \gset
INSERT INTO pc VALUES (0, '2026-01-01', 'rolled back', 1);
EXECUTE look(0, '2026-01-01');
SELECT lake_rollback('pc', :before_rb) > :before_rb AS rolled_back;
EXECUTE look(0, '2026-01-01');
EXECUTE diff;

-- columns: added here, then in the other session (its invalidation reaches
-- this backend before the next execution)
ALTER FOREIGN TABLE pc ADD COLUMN extra int;
ALTER TABLE pc_heap ADD COLUMN extra int;
PREPARE look_x(int, date) AS SELECT k, d, v, n, extra FROM pc WHERE d = $2 AND k = $1;
EXECUTE look_x(7, '2026-01-03');
INSERT INTO pc VALUES (7, '2026-01-03', 'with extra', 7, 70);
INSERT INTO pc_heap VALUES (7, '2026-01-03', 'with extra', 7, 70)
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n, extra = EXCLUDED.extra;
EXECUTE look_x(7, '2026-01-03');
EXECUTE look(7, '2026-01-03');
SELECT dblink_exec('other', 'ALTER FOREIGN TABLE pc ADD COLUMN extra2 text');
SELECT dblink_exec('other', $$INSERT INTO pc VALUES (7, '2026-01-03', 'other extra', 8, 80, 'e2')$$);
ALTER TABLE pc_heap ADD COLUMN extra2 text;
INSERT INTO pc_heap VALUES (7, '2026-01-03', 'other extra', 8, 80, 'e2')
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n, extra = EXCLUDED.extra,
  extra2 = EXCLUDED.extra2;
EXECUTE look_x(7, '2026-01-03');
PREPARE look_x2(int, date) AS SELECT k, d, v, n, extra, extra2 FROM pc WHERE d = $2 AND k = $1;
EXECUTE look_x2(7, '2026-01-03');
ALTER TABLE pc_heap DROP COLUMN extra;
EXECUTE diff;
-- options changed by the other session: a fixed snapshot, then none
SELECT max(snapshot_id) - 1 AS before_x2 FROM lake_snapshots('pc') \gset
SELECT dblink_exec('other', format('ALTER FOREIGN TABLE pc OPTIONS (ADD snapshot %L)', :'before_x2'));
EXECUTE look(7, '2026-01-03');
EXECUTE look_x2(7, '2026-01-03');
SELECT dblink_exec('other', 'ALTER FOREIGN TABLE pc OPTIONS (DROP snapshot)');
EXECUTE look(7, '2026-01-03');
EXECUTE look_x2(7, '2026-01-03');

-- DROP: an error, not an empty result; CREATE again on the same lake table
DROP FOREIGN TABLE pc;
EXECUTE look(7, '2026-01-03');
CREATE FOREIGN TABLE pc (k int, d date, v text, n bigint, extra2 text, PRIMARY KEY (d, k))
  SERVER lake_pc OPTIONS (table '.pc/t', partition_by 'd', buckets '2');
EXECUTE look(7, '2026-01-03');
EXECUTE diff;
-- dropped by the other session
SELECT dblink_exec('other', 'DROP FOREIGN TABLE pc');
EXECUTE look(7, '2026-01-03');
SELECT dblink_exec('other', $$CREATE FOREIGN TABLE pc (k int, d date, v text, n bigint, extra2 text, PRIMARY KEY (d, k))
  SERVER lake_pc OPTIONS (table '.pc/t', partition_by 'd', buckets '2')$$);
EXECUTE look(7, '2026-01-03');

-- re-created on the same path by the other session: new schema-0 and
-- snapshot-1 under the old names, other rows
SELECT dblink_exec('other', 'DROP FOREIGN TABLE pc');
SELECT 'rm -rf ' || :'lake_root' || '/.pc/t' AS rmcmd \gset
COPY (SELECT 1) TO PROGRAM :'rmcmd';
SELECT dblink_exec('other', $$CREATE FOREIGN TABLE pc (k int, d date, v text, n bigint, PRIMARY KEY (d, k))
  SERVER lake_pc OPTIONS (table '.pc/t', partition_by 'd', buckets '2')$$);
EXECUTE look(7, '2026-01-03');
SELECT dblink_exec('other', $$INSERT INTO pc VALUES (7, '2026-01-03', 'reborn', 1)$$);
EXECUTE look(7, '2026-01-03');
EXECUTE look(8, '2026-01-03');
-- the same path under a second foreign table of this session: both see
-- each commit of the other
CREATE FOREIGN TABLE pc2 (k int, d date, v text, n bigint, PRIMARY KEY (d, k))
  SERVER lake_pc OPTIONS (table '.pc/t', partition_by 'd', buckets '2');
PREPARE look2(int, date) AS SELECT k, d, v, n FROM pc2 WHERE d = $2 AND k = $1;
EXECUTE look2(7, '2026-01-03');
INSERT INTO pc2 VALUES (7, '2026-01-03', 'via pc2', 2);
EXECUTE look(7, '2026-01-03');
INSERT INTO pc VALUES (7, '2026-01-03', 'via pc', 3);
EXECUTE look2(7, '2026-01-03');
-- replaced under a live foreign table: removed (an error, not an empty
-- result), then created again through the other foreign table with one
-- more column; the same prepared statement reads the new table
DROP FOREIGN TABLE pc2;
COPY (SELECT 1) TO PROGRAM :'rmcmd';
EXECUTE look(7, '2026-01-03');
CREATE FOREIGN TABLE pc2 (k int, d date, v text, n bigint, w int, PRIMARY KEY (d, k))
  SERVER lake_pc OPTIONS (table '.pc/t', partition_by 'd', buckets '2');
EXECUTE look(7, '2026-01-03');
INSERT INTO pc2 VALUES (7, '2026-01-03', 'third table', 4, 40), (8, '2026-01-03', 'w', 5, 50);
EXECUTE look(7, '2026-01-03');
EXECUTE look(8, '2026-01-03');
INSERT INTO pc VALUES (8, '2026-01-03', 'via pc again', 6);
EXECUTE look(8, '2026-01-03');
SELECT k, d, v, n, w FROM pc2 ORDER BY k;

-- one transaction reading ever newer snapshots (another session commits
-- before each lookup): every lookup sees the commit before it, and the
-- table cache keeps one replaced file list at most (later ones are copies)
SELECT count(*) AS lists_before
  FROM pg_backend_memory_contexts WHERE name = 'lake_fdw table files' \gset
BEGIN;
DO $$
DECLARE
  r record;
  seen int := 0;
BEGIN
  FOR i IN 1..20 LOOP
    PERFORM dblink_exec('other',
      format('INSERT INTO pc VALUES (%s, ''2026-01-04'', ''loop'', %s)', i, i));
    SELECT * INTO r FROM pc WHERE d = '2026-01-04' AND k = i;
    IF FOUND AND r.n = i THEN
      seen := seen + 1;
    END IF;
  END LOOP;
  RAISE WARNING 'lookups that saw the commit before them: % of 20', seen;
END $$;
SELECT count(*) - :lists_before <= 1 AS file_lists_bounded
  FROM pg_backend_memory_contexts WHERE name = 'lake_fdw table files';
COMMIT;
SELECT count(*), sum(n) FROM pc WHERE d = '2026-01-04';

SELECT dblink_disconnect('other');
DEALLOCATE ALL;
DROP TABLE pc_heap;
DROP FUNCTION pc_look(int, date);
DROP FUNCTION pc_look_h(int, date);
DROP FUNCTION pc_keys();
DROP SERVER lake_pc CASCADE;
