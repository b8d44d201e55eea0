-- Tables with hundreds of partitions: a scan whose predicate fixes the
-- partition (equality, IN, a parameter of a generic plan) or bounds it (a
-- range) reads through the partition index of the cached file list
-- (scan/part_index.c) and must return what a heap table with a real
-- PRIMARY KEY returns, count partitions and files truthfully in EXPLAIN,
-- and see other sessions' commits into the same, another and a new
-- partition, its own uncommitted rows, REPEATABLE READ's snapshot, time
-- travel and partition drops.  Other sessions write through dblink.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE SERVER lake_mparts FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE mp (d date, k int, v text, n bigint, PRIMARY KEY (d, k))
  SERVER lake_mparts OPTIONS (table '.mparts/t', partition_by 'd', buckets '2',
                            auto_compaction 'false');
CREATE TABLE mp_heap (d date, k int, v text, n bigint, PRIMARY KEY (d, k));
-- 300 days, two commits: files of several buckets and runs per partition
INSERT INTO mp SELECT date '2026-01-01' + g / 3, g % 3, 'a' || g, g FROM generate_series(0, 899) g;
INSERT INTO mp_heap SELECT date '2026-01-01' + g / 3, g % 3, 'a' || g, g FROM generate_series(0, 899) g;
INSERT INTO mp AS t SELECT date '2026-01-01' + g / 3, g % 3 + 1, 'b' || g, g
  FROM generate_series(0, 899) g
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
INSERT INTO mp_heap AS t SELECT date '2026-01-01' + g / 3, g % 3 + 1, 'b' || g, g
  FROM generate_series(0, 899) g
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
SELECT count(DISTINCT partition) AS partitions, count(*) > 600 AS many_files FROM lake_files('mp');

-- the partition and file counts of EXPLAIN ANALYZE (other lines belong to other tests)
CREATE FUNCTION mp_explain(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF l ~ 'Lake (Partitions|Files) Read|Scan on' THEN RETURN NEXT l; END IF;
  END LOOP;
END $$;

-- rows of a condition on both tables, and how many differ
CREATE FUNCTION mp_check(w text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r bigint; x bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM mp_heap WHERE %s', w) INTO r;
  EXECUTE format('SELECT count(*) FROM ((SELECT * FROM mp WHERE %s EXCEPT ALL SELECT * FROM mp_heap WHERE %s)
                  UNION ALL (SELECT * FROM mp_heap WHERE %s EXCEPT ALL SELECT * FROM mp WHERE %s)) x',
                 w, w, w, w) INTO x;
  RETURN r || ' rows, ' || x || ' differ';
END $$;
SELECT w, mp_check(w) FROM unnest(ARRAY[
  $$d = '2026-03-01'$$,
  $$d = '2026-03-01' AND k = 2$$,
  $$d = '2027-03-01'$$,
  $$d IN ('2026-01-01', '2026-05-05', '2026-10-27', '2027-01-01', '2026-05-05')$$,
  $$d IN ('2026-02-01', '2026-02-02') AND k IN (0, 3)$$,
  $$d < '2026-01-05'$$,
  $$d <= '2026-01-05'$$,
  $$d > '2026-10-24'$$,
  $$d >= '2026-10-24'$$,
  $$d BETWEEN '2026-04-01' AND '2026-04-03'$$,
  $$d > '2026-04-03' AND d < '2026-04-01'$$,
  $$d >= '2026-04-01' AND d = '2026-04-02'$$,
  $$d >= '2026-04-03' AND d IN ('2026-04-01', '2026-04-05')$$,
  $$d < '2025-01-01'$$,
  $$d > '2026-12-31'$$,
  $$d <> '2026-01-02' AND d < '2026-01-04'$$,
  $$(d = '2026-06-01' OR d = '2026-07-01') AND k = 1$$,
  $$d = '2026-06-01' OR k = 3$$,
  $$n = 400$$]) w;

-- EXPLAIN: the partitions and files a lookup, an IN list and a range read, of all
SELECT mp_explain($q$SELECT * FROM mp WHERE d = '2026-03-01' AND k = 2$q$);
SELECT mp_explain($q$SELECT * FROM mp WHERE d IN ('2026-01-01', '2026-05-05', '2027-01-01')$q$);
SELECT mp_explain($q$SELECT * FROM mp WHERE d BETWEEN '2026-04-01' AND '2026-04-03'$q$);

-- generic plans with parameters: equality, IN (= ANY), range
SET plan_cache_mode = force_generic_plan;
PREPARE look(date, int) AS SELECT d, k, v, n FROM mp WHERE d = $1 AND k = $2;
PREPARE look_h(date, int) AS SELECT d, k, v, n FROM mp_heap WHERE d = $1 AND k = $2;
PREPARE anyd(date[]) AS SELECT count(*), sum(n), string_agg(v, ',' ORDER BY d, k) FROM mp WHERE d = ANY($1);
PREPARE anyd_h(date[]) AS SELECT count(*), sum(n), string_agg(v, ',' ORDER BY d, k) FROM mp_heap WHERE d = ANY($1);
PREPARE span(date, date) AS SELECT count(*), sum(n), string_agg(v, ',' ORDER BY d, k) FROM mp WHERE d >= $1 AND d < $2;
PREPARE span_h(date, date) AS SELECT count(*), sum(n), string_agg(v, ',' ORDER BY d, k) FROM mp_heap WHERE d >= $1 AND d < $2;
-- every key looked up by the generic plan, lake vs heap
CREATE FUNCTION mp_keys_differ() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE x bigint := 0; r record; a text; b text;
BEGIN
  FOR r IN SELECT date '2026-01-01' + dd AS d, k FROM generate_series(-1, 301, 7) dd, generate_series(0, 4) k LOOP
    SELECT v || ':' || n INTO a FROM mp WHERE d = r.d AND k = r.k;
    SELECT v || ':' || n INTO b FROM mp_heap WHERE d = r.d AND k = r.k;
    IF a IS DISTINCT FROM b THEN x := x + 1; END IF;
  END LOOP;
  RETURN x;
END $$;
EXPLAIN (COSTS OFF) EXECUTE look('2026-03-01', 2);
EXECUTE look('2026-03-01', 2);
EXECUTE look_h('2026-03-01', 2);
EXECUTE look('2026-12-01', 2);
EXECUTE anyd('{2026-01-01,2026-05-05,2027-01-01,2026-05-05}');
EXECUTE anyd_h('{2026-01-01,2026-05-05,2027-01-01,2026-05-05}');
EXECUTE span('2026-04-01', '2026-04-03');
EXECUTE span_h('2026-04-01', '2026-04-03');
EXECUTE span('2026-10-20', '2027-01-01');
EXECUTE span_h('2026-10-20', '2027-01-01');
SELECT mp_keys_differ();
SELECT mp_explain($q$EXECUTE look('2026-03-01', 2)$q$);
SELECT mp_explain($q$EXECUTE span('2026-04-01', '2026-04-03')$q$);

-- another session commits into the same partition, another one and a new one
SELECT dblink_connect('other', format('dbname=%s port=%s host=%s', current_database(),
       current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT dblink_exec('other', 'SET client_min_messages = warning');
SELECT dblink_exec('other', $$INSERT INTO mp VALUES ('2026-03-01', 2, 'other', -1),
  ('2026-03-02', 9, 'other2', -2), ('2027-06-01', 1, 'new', -3)$$);
INSERT INTO mp_heap VALUES ('2026-03-01', 2, 'other', -1), ('2026-03-02', 9, 'other2', -2),
  ('2027-06-01', 1, 'new', -3)
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
EXECUTE look('2026-03-01', 2);
EXECUTE look('2026-03-02', 9);
EXECUTE look('2027-06-01', 1);
EXECUTE anyd('{2026-03-01,2026-03-02,2027-06-01}');
EXECUTE anyd_h('{2026-03-01,2026-03-02,2027-06-01}');
EXECUTE span('2026-12-20', '2028-01-01');
EXECUTE span_h('2026-12-20', '2028-01-01');
SELECT mp_check($$d > '2026-10-24'$$), mp_keys_differ();
SELECT mp_explain($q$EXECUTE look('2027-06-01', 1)$q$);

-- REPEATABLE READ keeps its snapshot while the other session commits
BEGIN ISOLATION LEVEL REPEATABLE READ;
EXECUTE look('2026-03-01', 2);
SELECT dblink_exec('other', $$INSERT INTO mp VALUES ('2026-03-01', 2, 'later', -4), ('2027-06-02', 1, 'newer', -5)$$);
EXECUTE look('2026-03-01', 2);
EXECUTE look('2027-06-02', 1);
EXECUTE span('2027-06-01', '2027-07-01');
COMMIT;
INSERT INTO mp_heap VALUES ('2026-03-01', 2, 'later', -4), ('2027-06-02', 1, 'newer', -5)
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
EXECUTE look('2026-03-01', 2);
EXECUTE look('2027-06-02', 1);
EXECUTE span('2027-06-01', '2027-07-01');

-- the transaction's own rows: in an existing and in a new partition
BEGIN;
INSERT INTO mp VALUES ('2026-03-03', 7, 'mine', -6), ('2028-01-01', 1, 'mine2', -7);
EXECUTE look('2026-03-03', 7);
EXECUTE look('2028-01-01', 1);
EXECUTE anyd('{2026-03-03,2028-01-01}');
SELECT mp_explain($q$EXECUTE anyd('{2026-03-03,2028-01-01}')$q$);
-- a partition dropped by this transaction
DELETE FROM mp WHERE d = '2026-03-04';
EXECUTE look('2026-03-04', 1);
EXECUTE span('2026-03-03', '2026-03-06');
ROLLBACK;
EXECUTE look('2026-03-03', 7);
EXECUTE look('2026-03-04', 1);
EXECUTE look_h('2026-03-04', 1);

-- time travel: the snapshot before the other session's first commit
SELECT committed_at AS before_other FROM lake_snapshots('mp')
  WHERE snapshot_id = (SELECT max(snapshot_id) - 2 FROM lake_snapshots('mp')) \gset
SET lake_fdw.as_of = :'before_other';
EXECUTE look('2026-03-01', 2);
EXECUTE look('2027-06-01', 1);
EXECUTE span('2026-12-20', '2028-01-01');
RESET lake_fdw.as_of;
EXECUTE look('2026-03-01', 2);
EXECUTE look('2027-06-01', 1);

-- ALTER: a changed option is seen by the next execution
ALTER FOREIGN TABLE mp OPTIONS (ADD snapshot '2');
EXECUTE look('2026-03-01', 2);
EXECUTE look('2027-06-01', 1);
ALTER FOREIGN TABLE mp OPTIONS (DROP snapshot);
EXECUTE look('2027-06-01', 1);

-- two partition columns, NULL partition values, a text column first
CREATE FOREIGN TABLE mp2 (r text, d date, x int)
  SERVER lake_mparts OPTIONS (table '.mparts/two', partition_by 'r,d');
CREATE TABLE mp2_heap (r text, d date, x int);
INSERT INTO mp2 SELECT (ARRAY['eu', 'us', NULL, 'ap'])[1 + g % 4],
  CASE WHEN g % 37 = 5 THEN NULL ELSE date '2026-01-01' + g % 50 END, g
  FROM generate_series(0, 799) g;
INSERT INTO mp2_heap SELECT (ARRAY['eu', 'us', NULL, 'ap'])[1 + g % 4],
  CASE WHEN g % 37 = 5 THEN NULL ELSE date '2026-01-01' + g % 50 END, g
  FROM generate_series(0, 799) g;
CREATE FUNCTION mp2_check(w text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r bigint; x bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM mp2_heap WHERE %s', w) INTO r;
  EXECUTE format('SELECT count(*) FROM ((SELECT * FROM mp2 WHERE %s EXCEPT ALL SELECT * FROM mp2_heap WHERE %s)
                  UNION ALL (SELECT * FROM mp2_heap WHERE %s EXCEPT ALL SELECT * FROM mp2 WHERE %s)) x',
                 w, w, w, w) INTO x;
  RETURN r || ' rows, ' || x || ' differ';
END $$;
SELECT w, mp2_check(w) FROM unnest(ARRAY[
  $$r = 'eu'$$,
  $$r = 'eu' AND d = '2026-01-05'$$,
  $$r IN ('us', 'ap') AND d IS NULL$$,
  $$r IS NULL$$,
  $$r IS NULL AND d = '2026-01-03'$$,
  $$d = '2026-01-09'$$,
  $$r = 'us' AND d BETWEEN '2026-01-10' AND '2026-01-20'$$,
  $$r = 'zz'$$]) w;
SELECT mp_explain($q$SELECT * FROM mp2 WHERE r = 'eu' AND d = '2026-01-05'$q$);

-- without the metadata cache there is no index: every file is visited, and
-- the answers and counts are the same
SET lake_fdw.metadata_cache_size = 0;
SELECT w, mp_check(w) FROM unnest(ARRAY[
  $$d = '2026-03-01' AND k = 2$$,
  $$d IN ('2026-01-01', '2026-05-05', '2027-06-01', '2026-05-05')$$,
  $$d BETWEEN '2026-04-01' AND '2026-04-03'$$,
  $$d > '2026-10-24'$$]) w;
SELECT mp_explain($q$EXECUTE look('2027-06-01', 1)$q$);
RESET lake_fdw.metadata_cache_size;
SELECT mp_explain($q$EXECUTE look('2027-06-01', 1)$q$);

-- The cached list follows commits by their deltas (no base manifest read:
-- the backend's snapshot file lists are not consulted, full_reads 0): one
-- commit, two, a compaction of the partitions and buckets with 3 runs
-- (deletes and adds, a commit each), a partition drop, a rollback
-- (re-adds older files); past 8 commits it is read in full.
ALTER FOREIGN TABLE mp OPTIONS (ADD compaction_trigger '3');
PREPARE whole AS SELECT count(*) AS differences FROM
  ((SELECT * FROM mp EXCEPT ALL SELECT * FROM mp_heap)
   UNION ALL (SELECT * FROM mp_heap EXCEPT ALL SELECT * FROM mp)) x;
CREATE FUNCTION mp_full_reads() RETURNS bigint LANGUAGE sql AS
  $$ SELECT hits + misses FROM lake_metadata_cache() WHERE cache = 'snapshot files' $$;
EXECUTE whole;
SELECT mp_full_reads() AS reads \gset
SELECT dblink_exec('other', $$INSERT INTO mp VALUES ('2026-02-02', 1, 'd1', 1)$$);
INSERT INTO mp_heap VALUES ('2026-02-02', 1, 'd1', 1) ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
EXECUTE look('2026-02-02', 1);
SELECT dblink_exec('other', $$INSERT INTO mp VALUES ('2026-02-03', 1, 'd2', 2), ('2027-09-09', 1, 'd3', 3)$$);
SELECT dblink_exec('other', $$INSERT INTO mp VALUES ('2026-02-03', 2, 'd4', 4)$$);
INSERT INTO mp_heap VALUES ('2026-02-03', 1, 'd2', 2), ('2027-09-09', 1, 'd3', 3), ('2026-02-03', 2, 'd4', 4)
  ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
EXECUTE look('2026-02-03', 1);
EXECUTE look('2027-09-09', 1);
EXECUTE whole;
SELECT mp_full_reads() - :reads AS full_reads;
SELECT max(snapshot_id) AS before_compact FROM lake_snapshots('mp') \gset
SELECT dblink_exec('other', $x$DO $d$ BEGIN PERFORM lake_compact('mp'); END $d$$x$);
SELECT count(*) AS compactions, bool_and(kind = 'compact') AS all_compact
  FROM lake_snapshots('mp') WHERE snapshot_id > :before_compact;
EXECUTE whole;
SELECT mp_full_reads() - :reads AS full_reads;
SELECT mp_check($$d IN ('2026-02-02', '2026-02-03', '2027-09-09', '2026-03-01')$$), mp_keys_differ();
SELECT mp_explain($q$EXECUTE look('2026-03-01', 2)$q$);
SELECT max(snapshot_id) AS before_drop FROM lake_snapshots('mp') \gset
CREATE TEMP TABLE mp_saved AS SELECT * FROM mp_heap WHERE d = '2026-02-03';
SELECT dblink_exec('other', $$DELETE FROM mp WHERE d = '2026-02-03'$$);
DELETE FROM mp_heap WHERE d = '2026-02-03';
EXECUTE look('2026-02-03', 1);
EXECUTE whole;
SELECT mp_full_reads() - :reads AS full_reads;
SELECT dblink_exec('other', format('DO $d$ BEGIN PERFORM lake_rollback(%L, %s); END $d$', 'mp', :before_drop));
INSERT INTO mp_heap SELECT * FROM mp_saved;
EXECUTE look('2026-02-03', 1);
EXECUTE whole;
SELECT mp_full_reads() - :reads AS full_reads;
SELECT count(dblink_exec('other', format('INSERT INTO mp VALUES (%L, 5, %L, %s)',
       date '2026-08-01' + g, 'm' || g, g))) AS commits FROM generate_series(1, 10) g;
INSERT INTO mp_heap SELECT date '2026-08-01' + g, 5, 'm' || g, g FROM generate_series(1, 10) g;
EXECUTE look('2026-08-05', 5);
EXECUTE whole;
SELECT mp_full_reads() - :reads > 0 AS read_in_full;
SELECT mp_explain($q$EXECUTE span('2026-08-01', '2026-08-20')$q$);

-- upserts that read the current version (the lookup path) find each key's
-- partition through the index: existing keys, new keys, a new partition
INSERT INTO mp AS t VALUES ('2026-03-01', 2, 'u1', 10), ('2026-05-05', 0, 'u2', 20),
  ('2026-05-05', 9, 'u3', 30), ('2028-02-02', 1, 'u4', 40), ('2026-08-05', 5, 'u5', 50)
  ON CONFLICT (d, k) DO UPDATE SET n = t.n * 2 + EXCLUDED.n, v = t.v || EXCLUDED.v WHERE t.n >= -100;
INSERT INTO mp_heap AS t VALUES ('2026-03-01', 2, 'u1', 10), ('2026-05-05', 0, 'u2', 20),
  ('2026-05-05', 9, 'u3', 30), ('2028-02-02', 1, 'u4', 40), ('2026-08-05', 5, 'u5', 50)
  ON CONFLICT (d, k) DO UPDATE SET n = t.n * 2 + EXCLUDED.n, v = t.v || EXCLUDED.v WHERE t.n >= -100;
EXECUTE whole;
EXECUTE anyd('{2026-03-01,2026-05-05,2028-02-02,2026-08-05}');
EXECUTE anyd_h('{2026-03-01,2026-05-05,2028-02-02,2026-08-05}');
-- after a partition drop in the same transaction (no index: a filtered list)
BEGIN;
DELETE FROM mp WHERE d = '2026-05-05';
DELETE FROM mp_heap WHERE d = '2026-05-05';
INSERT INTO mp AS t VALUES ('2026-05-05', 0, 'w1', 1), ('2026-03-01', 2, 'w2', 2)
  ON CONFLICT (d, k) DO UPDATE SET n = t.n * 2 + EXCLUDED.n, v = t.v || EXCLUDED.v WHERE t.n >= -100;
INSERT INTO mp_heap AS t VALUES ('2026-05-05', 0, 'w1', 1), ('2026-03-01', 2, 'w2', 2)
  ON CONFLICT (d, k) DO UPDATE SET n = t.n * 2 + EXCLUDED.n, v = t.v || EXCLUDED.v WHERE t.n >= -100;
COMMIT;
EXECUTE whole;
EXECUTE anyd('{2026-03-01,2026-05-05}');

SELECT dblink_disconnect('other');
RESET plan_cache_mode;
