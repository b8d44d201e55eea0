-- Changelog scans (scan 'changelog'): the changes of every commit with
-- _change_kind/_snapshot_id/_commit_time; changelog 'lookup' (exact
-- before-images), 'input' and 'none' (records as written), append tables;
-- snapshot range pushdown shown by EXPLAIN; consumers that advance only
-- when the reading transaction commits; expiry keeps what consumers need.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
-- a server, a schema and a hidden lake directory of its own (IMPORT FOREIGN
-- SCHEMA in lake_create, running later, skips hidden directories)
CREATE SERVER lake_cl FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE SCHEMA lake_cl;
SET search_path = lake_cl, public;

-- ---------------------------------------------------------------------
-- changelog 'lookup' on a deduplicate table
-- ---------------------------------------------------------------------
CREATE FOREIGN TABLE cl (k int NOT NULL, v int, s text) SERVER lake_cl
  OPTIONS (table '.cl/cl', primary_key 'k', buckets '2', changelog 'lookup',
          auto_compaction 'false', auto_maintenance 'false');
CREATE FOREIGN TABLE cl_changes (k int, v int, s text, _change_kind text,
                                 _snapshot_id bigint, _commit_time timestamptz)
  SERVER lake_cl OPTIONS (table '.cl/cl', scan 'changelog');
INSERT INTO cl VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c');   -- 1: +I x3
UPDATE cl SET v = v + 1 WHERE k = 2;                               -- 2: -U/+U
DELETE FROM cl WHERE k = 3;                                        -- 3: -D with values
INSERT INTO cl VALUES (4, 40, 'd'), (1, 11, 'x')
  ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;                    -- 4: +I, -U/+U
UPDATE cl SET v = v WHERE k = 4;                                   -- 5: unchanged: none
BEGIN;                                                             -- 6: net change only
INSERT INTO cl VALUES (5, 50, 'e');
UPDATE cl SET v = 51 WHERE k = 5;
DELETE FROM cl WHERE k = 2;
INSERT INTO cl VALUES (2, 22, 'b2');
COMMIT;
SELECT _snapshot_id, _change_kind, k, v, s FROM cl_changes
  ORDER BY _snapshot_id, k, _change_kind LIKE '+%';
-- each snapshot's changes applied to a heap table give the lake table
CREATE TABLE cl_replay (k int PRIMARY KEY, v int, s text);
DO $$
DECLARE c record;
BEGIN
  FOR c IN SELECT * FROM cl_changes ORDER BY _snapshot_id, k, _change_kind LIKE '+%' LOOP
    IF c._change_kind IN ('-U', '-D') THEN
      DELETE FROM cl_replay WHERE k = c.k AND v IS NOT DISTINCT FROM c.v
                              AND s IS NOT DISTINCT FROM c.s;
      IF NOT FOUND THEN RAISE 'retracts a row that is not there: %', c; END IF;
    ELSE
      INSERT INTO cl_replay VALUES (c.k, c.v, c.s);   -- a +I of a present key fails
    END IF;
  END LOOP;
END $$;
SELECT count(*) AS differences FROM
  ((SELECT * FROM cl EXCEPT SELECT * FROM cl_replay)
   UNION ALL (SELECT * FROM cl_replay EXCEPT SELECT * FROM cl)) d;
-- changelog files are never live: lake_files and ordinary scans do not see them
SELECT DISTINCT kind FROM lake_files('cl');
SELECT count(*) FROM cl;

-- the range is pushed down: only the files of the snapshots in range
EXPLAIN (COSTS OFF) SELECT * FROM cl_changes WHERE _snapshot_id > 2 AND _snapshot_id <= 4;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT * FROM cl_changes WHERE _snapshot_id = 3;
SELECT _change_kind, k, v FROM cl_changes WHERE 3 = _snapshot_id;
SELECT _change_kind, k, v FROM cl_changes WHERE _snapshot_id >= 6 ORDER BY k, _change_kind LIKE '+%';
EXPLAIN (COSTS OFF) SELECT * FROM cl_changes WHERE _snapshot_id > 100;
SELECT count(*) FROM cl_changes WHERE _snapshot_id > 100;
SELECT count(*) FROM cl_changes WHERE _snapshot_id = NULL;
-- commit time bounds, also with stable expressions
SELECT count(*) FROM cl_changes WHERE _commit_time > now() - interval '1 day';
SELECT count(*) FROM cl_changes WHERE _commit_time > now() + interval '1 day';
EXPLAIN (COSTS OFF) SELECT * FROM cl_changes WHERE _commit_time > now() + interval '1 day';
SELECT count(*) = (SELECT count(*) FROM cl_changes WHERE _snapshot_id >= 4)
  FROM cl_changes
  WHERE _commit_time >= (SELECT committed_at FROM lake_snapshots('cl') WHERE snapshot_id = 4);
-- a subset of the columns, without metadata columns
CREATE FOREIGN TABLE cl_keys (k int) SERVER lake_cl OPTIONS (table '.cl/cl', scan 'changelog');
SELECT count(*), count(DISTINCT k) FROM cl_keys;
-- changelog tables are read-only, and metadata columns have fixed types
INSERT INTO cl_changes (k) VALUES (1);
CREATE FOREIGN TABLE cl_bad (k int, _snapshot_id int) SERVER lake_cl
  OPTIONS (table '.cl/cl', scan 'changelog');
SELECT * FROM cl_bad;
-- TRUNCATE: every row as -D
TRUNCATE cl;
SELECT _change_kind, k, v, s FROM cl_changes WHERE _snapshot_id = 7 ORDER BY k;

-- ---------------------------------------------------------------------
-- the other merge engines with lookup: exact folded rows
-- ---------------------------------------------------------------------
CREATE FOREIGN TABLE ag (k int NOT NULL, clicks bigint, mx int) SERVER lake_cl
  OPTIONS (table '.cl/ag', primary_key 'k', merge_engine 'aggregation', changelog 'lookup',
          auto_compaction 'false', auto_maintenance 'false');
ALTER FOREIGN TABLE ag ALTER COLUMN clicks OPTIONS (aggregate 'sum');
ALTER FOREIGN TABLE ag ALTER COLUMN mx OPTIONS (aggregate 'max');
CREATE FOREIGN TABLE ag_changes (k int, clicks bigint, mx int, _change_kind text, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/ag', scan 'changelog');
INSERT INTO ag VALUES (1, 5, 3), (2, 1, 1);
INSERT INTO ag VALUES (1, 7, 2);
INSERT INTO ag VALUES (1, 1, 9), (3, 2, 2);
SELECT _snapshot_id, _change_kind, k, clicks, mx FROM ag_changes ORDER BY 1, 3, _change_kind LIKE '+%';
CREATE FOREIGN TABLE fr (k int NOT NULL, v text) SERVER lake_cl
  OPTIONS (table '.cl/fr', primary_key 'k', merge_engine 'first_row', changelog 'lookup',
          auto_compaction 'false', auto_maintenance 'false');
CREATE FOREIGN TABLE fr_changes (k int, v text, _change_kind text, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/fr', scan 'changelog');
INSERT INTO fr VALUES (1, 'first');
INSERT INTO fr VALUES (1, 'second'), (2, 'other');
SELECT _snapshot_id, _change_kind, k, v FROM fr_changes ORDER BY 1, 3;

-- a commit writing a few keys of a bigger bucket reads it once (fold once)
-- and only the pages holding them: the same exact changes (multi-column
-- key with text, several sorted runs, a key written twice, ops, delete)
CREATE FOREIGN TABLE big (r text NOT NULL, k int NOT NULL, clicks bigint, note text,
                          PRIMARY KEY (r, k)) SERVER lake_cl
  OPTIONS (table '.cl/big', merge_engine 'aggregation', changelog 'lookup',
           auto_compaction 'false', auto_maintenance 'false');
ALTER FOREIGN TABLE big ALTER COLUMN clicks OPTIONS (aggregate 'sum');
CREATE FOREIGN TABLE big_changes (r text, k int, clicks bigint, note text, _change_kind text,
                                  _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/big', scan 'changelog');
INSERT INTO big SELECT 'r' || (g % 7), g, 1, 'n' FROM generate_series(1, 3000) g;
INSERT INTO big SELECT 'r' || (g % 7), g, 10, NULL FROM generate_series(1, 3000, 3) g;
BEGIN;
INSERT INTO big VALUES ('r1', 1, 100, 'x'), ('r2', 2, 5, NULL);    -- sums onto 11 and 1
INSERT INTO big VALUES ('r1', 1, 1000, 'y');                       -- the same key again
DELETE FROM big WHERE r = 'r3' AND k = 3;
INSERT INTO big VALUES ('r9', 9999, 1, 'new');
UPDATE big SET note = 'u' WHERE r = 'r4' AND k = 4;
COMMIT;
SELECT _change_kind, r, k, clicks, note FROM big_changes
 WHERE _snapshot_id = (SELECT max(snapshot_id) FROM lake_snapshots('big'))
 ORDER BY r, k, _change_kind LIKE '+%';
SELECT count(*), sum(clicks) FROM big;
-- bounds reading parameters are evaluated when the scan starts (an InitPlan's
-- value), and again when a rescan changes them (a correlated subquery)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM big_changes WHERE _snapshot_id = (SELECT max(snapshot_id) FROM lake_snapshots('big'));
SELECT s.snapshot_id, s.kind,
       (SELECT count(*) FROM big_changes c WHERE c._snapshot_id = s.snapshot_id) AS changes,
       (SELECT count(*) FROM big_changes c WHERE c._snapshot_id <= s.snapshot_id) AS up_to
  FROM lake_snapshots('big') s ORDER BY 1;

-- ---------------------------------------------------------------------
-- changelog 'input': records as written (+I INSERT, +U UPDATE/upsert, -D key only)
-- ---------------------------------------------------------------------
CREATE FOREIGN TABLE ci (k int NOT NULL, v int) SERVER lake_cl
  OPTIONS (table '.cl/ci', primary_key 'k', changelog 'input',
          auto_compaction 'false', auto_maintenance 'false');
CREATE FOREIGN TABLE ci_changes (k int, v int, _change_kind text, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/ci', scan 'changelog');
INSERT INTO ci VALUES (1, 1), (2, 2);
UPDATE ci SET v = 5 WHERE k = 1;
DELETE FROM ci WHERE k = 2;
INSERT INTO ci VALUES (1, 7) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
SELECT _snapshot_id, _change_kind, k, v FROM ci_changes ORDER BY 1, 3;
EXPLAIN (COSTS OFF) SELECT * FROM ci_changes;

-- ---------------------------------------------------------------------
-- append tables: inserts as +I
-- ---------------------------------------------------------------------
CREATE FOREIGN TABLE ap (id int, note text) SERVER lake_cl OPTIONS (table '.cl/ap');
CREATE FOREIGN TABLE ap_changes (id int, note text, _change_kind text, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/ap', scan 'changelog');
INSERT INTO ap SELECT g, 'n' || g FROM generate_series(1, 3) g;
INSERT INTO ap VALUES (4, 'four');
SELECT _snapshot_id, _change_kind, id, note FROM ap_changes ORDER BY id;

-- ---------------------------------------------------------------------
-- consumers
-- ---------------------------------------------------------------------
CREATE FOREIGN TABLE ap_feed (id int, _change_kind text, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/ap', scan 'changelog', consumer 'feed');
CREATE FOREIGN TABLE ap_feed2 (id int, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/ap', scan 'changelog', consumer 'other');
CREATE TABLE sink (id int, kind text, snap bigint);
SELECT * FROM lake_consumers('ap');                      -- none yet
-- ROLLBACK: nothing consumed
BEGIN;
INSERT INTO sink SELECT * FROM ap_feed;
ROLLBACK;
SELECT consumer, consumed_snapshot FROM lake_consumers('ap');
-- an error inside the transaction: nothing consumed
BEGIN;
INSERT INTO sink SELECT * FROM ap_feed;
SELECT 1 / 0;
COMMIT;
SELECT count(*) FROM sink;
-- COMMIT: consumed
BEGIN;
INSERT INTO sink SELECT * FROM ap_feed;
SELECT count(*) FROM ap_feed;                            -- the same range within the transaction
COMMIT;
SELECT consumer, consumed_snapshot, next_snapshot, latest_snapshot, lag FROM lake_consumers('ap');
SELECT count(*) FROM ap_feed;                            -- nothing new
INSERT INTO ap VALUES (5, 'five');
SELECT oldest_consumer_lag FROM lake_table_health('ap');
EXPLAIN (COSTS OFF) SELECT * FROM ap_feed;
INSERT INTO sink SELECT * FROM ap_feed;                  -- autocommit: consumed
SELECT id, kind, snap FROM sink ORDER BY id;             -- each change exactly once
-- a rolled-back savepoint, or a PL/pgSQL exception block, takes back what its scans consumed
INSERT INTO ap VALUES (6, 'six');
BEGIN;
SAVEPOINT s1;
INSERT INTO sink SELECT * FROM ap_feed;
ROLLBACK TO SAVEPOINT s1;
COMMIT;
DO $$
BEGIN
  INSERT INTO sink SELECT * FROM ap_feed;
  PERFORM 1 / 0;
EXCEPTION WHEN division_by_zero THEN NULL;
END $$;
SELECT consumer, consumed_snapshot FROM lake_consumers('ap');
BEGIN;
SAVEPOINT s1;
INSERT INTO sink SELECT * FROM ap_feed;
RELEASE SAVEPOINT s1;
COMMIT;
SELECT id, kind, snap FROM sink WHERE id >= 5 ORDER BY id;
-- a second consumer at its own position
SELECT id, _snapshot_id FROM ap_feed2 WHERE _snapshot_id >= 2 ORDER BY id;
SELECT consumer, consumed_snapshot FROM lake_consumers('ap');
-- reset, drop; bad names and snapshots
SELECT lake_reset_consumer('ap', 'feed', 1);
SELECT id FROM ap_feed ORDER BY id;
SELECT lake_reset_consumer('ap', 'other', NULL);
SELECT consumer, consumed_snapshot FROM lake_consumers('ap');
SELECT lake_reset_consumer('ap', 'feed', 99);
SELECT lake_reset_consumer('ap', '../x', 1);
CREATE FOREIGN TABLE ap_badfeed (id int) SERVER lake_cl
  OPTIONS (table '.cl/ap', scan 'changelog', consumer 'a/b');
SELECT * FROM ap_badfeed;

-- expiry keeps the snapshots a consumer has not read
CREATE FOREIGN TABLE ex (id int) SERVER lake_cl OPTIONS (table '.cl/ex');
CREATE FOREIGN TABLE ex_feed (id int, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/ex', scan 'changelog', consumer 'slow');
INSERT INTO ex VALUES (1);
SELECT count(*) FROM ex_feed;                            -- consumed up to 1
INSERT INTO ex VALUES (2);
INSERT INTO ex VALUES (3);
INSERT INTO ex VALUES (4);
SELECT expired_snapshots, earliest_snapshot FROM lake_expire_snapshots('ex', 1, 1, '0 s');
SELECT id, _snapshot_id FROM ex_feed ORDER BY id;        -- 2, 3, 4 still there
SELECT expired_snapshots, earliest_snapshot FROM lake_expire_snapshots('ex', 1, 1, '0 s');
SELECT lake_reset_consumer('ex', 'slow', NULL);
SELECT expired_snapshots, earliest_snapshot FROM lake_expire_snapshots('ex', 1, 1, '0 s');
-- a consumer behind the earliest snapshot fails
SELECT lake_reset_consumer('ex', 'slow', 0);
SELECT * FROM ex_feed;

-- a scan cut short (LIMIT) consumes exactly the changes it returned, even
-- inside a snapshot: LIMIT n in autocommit, repeated, drains the feed
-- exactly once, in the order of the full feed
CREATE FOREIGN TABLE lim (k int NOT NULL, v int) SERVER lake_cl
  OPTIONS (table '.cl/lim', primary_key 'k', changelog 'lookup',
           auto_compaction 'false', auto_maintenance 'false');
CREATE FOREIGN TABLE lim_all (k int, v int, _change_kind text, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/lim', scan 'changelog');
CREATE FOREIGN TABLE lim_feed (k int, v int, _change_kind text, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/lim', scan 'changelog', consumer 'bylimit');
INSERT INTO lim SELECT g, g FROM generate_series(1, 4) g;       -- 4 changes
UPDATE lim SET v = v * 10 WHERE k <= 2;                          -- 4 (-U/+U twice)
INSERT INTO lim VALUES (5, 5);                                   -- 1
DELETE FROM lim WHERE k IN (1, 3);                               -- 2
CREATE TABLE lim_sink (n serial, k int, v int, kind text, snap bigint);
-- inside one transaction every scan starts at the same place; the furthest
-- one counts at COMMIT, and a ROLLBACK consumes nothing
BEGIN;
SELECT k, _change_kind FROM lim_feed LIMIT 1;
SELECT k, _change_kind FROM lim_feed LIMIT 2;
ROLLBACK;
BEGIN;
SELECT k, _change_kind FROM lim_feed LIMIT 1;
SELECT k, _change_kind FROM lim_feed LIMIT 2;
COMMIT;
EXPLAIN (COSTS OFF) SELECT * FROM lim_feed LIMIT 1;
SELECT k, _change_kind FROM lim_feed LIMIT 1;                    -- the third change
SELECT lake_reset_consumer('lim', 'bylimit', 0);
INSERT INTO lim_sink (k, v, kind, snap) SELECT * FROM lim_feed LIMIT 1;
INSERT INTO lim_sink (k, v, kind, snap) SELECT * FROM lim_feed LIMIT 1;
INSERT INTO lim_sink (k, v, kind, snap) SELECT * FROM lim_feed LIMIT 2;
INSERT INTO lim_sink (k, v, kind, snap) SELECT * FROM lim_feed LIMIT 1;
INSERT INTO lim_sink (k, v, kind, snap) SELECT * FROM lim_feed LIMIT 3;
INSERT INTO lim_sink (k, v, kind, snap) SELECT * FROM lim_feed LIMIT 1;
INSERT INTO lim_sink (k, v, kind, snap) SELECT * FROM lim_feed LIMIT 1;
INSERT INTO lim_sink (k, v, kind, snap) SELECT * FROM lim_feed LIMIT 1;
INSERT INTO lim_sink (k, v, kind, snap) SELECT * FROM lim_feed LIMIT 2;
INSERT INTO lim_sink (k, v, kind, snap) SELECT * FROM lim_feed LIMIT 1;
SELECT n, k, v, kind, snap FROM lim_sink ORDER BY n;
-- the same changes in the same order as one full scan, none twice, none missed
WITH a AS (SELECT row_number() OVER () AS n, k, v, _change_kind AS kind, _snapshot_id AS snap
             FROM lim_all)
SELECT count(*) AS total, count(*) FILTER (WHERE (a.k, a.v, a.kind, a.snap) IS NOT DISTINCT FROM
                                                  (s.k, s.v, s.kind, s.snap)) AS same
  FROM a FULL JOIN lim_sink s USING (n);
SELECT consumer, consumed_snapshot FROM lake_consumers('lim');
INSERT INTO lim VALUES (6, 6), (7, 7);
SELECT k, _change_kind FROM lim_feed LIMIT 1;
SELECT k, _change_kind FROM lim_feed;                            -- the rest: 7 only
-- a WHERE on ordinary columns is part of the consumer's definition (a filtered
-- subscription): the changes it filters out are consumed too
CREATE FOREIGN TABLE lim_big (k int, v int, _change_kind text)
  SERVER lake_cl OPTIONS (table '.cl/lim', scan 'changelog', consumer 'big');
SELECT k, v, _change_kind FROM lim_big WHERE v >= 10 ORDER BY k, _change_kind;
SELECT consumer, consumed_snapshot FROM lake_consumers('lim');
SELECT count(*) FROM lim_big;                                    -- nothing left, filtered or not

-- ---------------------------------------------------------------------
-- the incremental-ETL pattern of the README: an hourly rollup heap table
-- maintained from the changes by one statement; -U and -D retract
-- ---------------------------------------------------------------------
CREATE FOREIGN TABLE am (dt date, ad_id bigint, region text, clicks bigint, updated_at timestamptz,
                         PRIMARY KEY (dt, ad_id))
  SERVER lake_cl OPTIONS (table '.cl/am', partition_by 'dt', buckets '2', changelog 'lookup');
CREATE FOREIGN TABLE am_changes (ad_id bigint, region text, clicks bigint, updated_at timestamptz,
                                 _change_kind text)
  SERVER lake_cl OPTIONS (table '.cl/am', scan 'changelog', consumer 'hourly_rollup');
CREATE TABLE hourly_rollup (hour timestamptz, region text, clicks bigint, ads bigint,
                            PRIMARY KEY (hour, region));
CREATE FUNCTION rollup_now() RETURNS void LANGUAGE sql AS $$
  INSERT INTO hourly_rollup AS r
  SELECT date_trunc('hour', updated_at), region,
         sum(CASE WHEN _change_kind IN ('+I', '+U') THEN clicks ELSE -clicks END),
         sum(CASE WHEN _change_kind IN ('+I', '+U') THEN 1 ELSE -1 END)
    FROM am_changes GROUP BY 1, 2
  ON CONFLICT (hour, region) DO UPDATE
    SET clicks = r.clicks + EXCLUDED.clicks, ads = r.ads + EXCLUDED.ads $$;
-- rollup rows that differ from aggregating the lake table itself (0 = exact)
CREATE FUNCTION rollup_diff() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM
    ((SELECT hour, region, clicks, ads FROM hourly_rollup WHERE ads <> 0
      EXCEPT SELECT date_trunc('hour', updated_at), region, sum(clicks), count(*) FROM am GROUP BY 1, 2)
     UNION ALL
     (SELECT date_trunc('hour', updated_at), region, sum(clicks), count(*) FROM am GROUP BY 1, 2
      EXCEPT SELECT hour, region, clicks, ads FROM hourly_rollup WHERE ads <> 0)) d $$;
INSERT INTO am SELECT date '2026-11-20', g, 'r' || g % 3, g, timestamptz '2026-11-20 10:00+00' + g * interval '7 min'
  FROM generate_series(1, 40) g;
SELECT rollup_now();
SELECT rollup_diff();
-- late clicks (upserts), rows moving to another hour and region, deletes
INSERT INTO am AS t SELECT date '2026-11-20', g, 'r' || g % 3, 5, timestamptz '2026-11-20 10:00+00' + g * interval '7 min'
  FROM generate_series(1, 40, 3) g
  ON CONFLICT (dt, ad_id) DO UPDATE SET clicks = t.clicks + EXCLUDED.clicks;
UPDATE am SET region = 'moved', updated_at = updated_at + interval '2 hours' WHERE ad_id % 7 = 0;
DELETE FROM am WHERE ad_id % 10 = 0;
SELECT rollup_diff() > 0 AS stale_before_rollup;
BEGIN;
SELECT rollup_now();
ROLLBACK;                                              -- nothing consumed, nothing rolled up
SELECT rollup_now();
SELECT rollup_diff();
SELECT rollup_now();                                   -- nothing new: no change
SELECT rollup_diff();

-- ---------------------------------------------------------------------
-- one-pass lookup: a commit rewriting a whole bucket, deletes mixed in,
-- keys written twice; then aggregation; the changes must replay exactly
-- ---------------------------------------------------------------------
CREATE FOREIGN TABLE wb (k int NOT NULL, v int, s text) SERVER lake_cl
  OPTIONS (table '.cl/wb', primary_key 'k', buckets '1', changelog 'lookup',
          auto_compaction 'false', auto_maintenance 'false');
CREATE FOREIGN TABLE wb_changes (k int, v int, s text, _change_kind text, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/wb', scan 'changelog');
INSERT INTO wb SELECT g, g, 'a' FROM generate_series(1, 8) g;            -- 1
BEGIN;                                                                    -- 2: every key
UPDATE wb SET v = v * 10;
DELETE FROM wb WHERE k % 3 = 0;
INSERT INTO wb VALUES (9, 90, 'n'), (3, NULL, 'back');
UPDATE wb SET s = NULL WHERE k IN (1, 9);
DELETE FROM wb WHERE k = 2;
COMMIT;
SELECT _snapshot_id, _change_kind, k, v, s FROM wb_changes WHERE _snapshot_id = 2
  ORDER BY k, _change_kind DESC;
SELECT * FROM wb ORDER BY k;
CREATE FOREIGN TABLE wa (k int NOT NULL, v bigint) SERVER lake_cl
  OPTIONS (table '.cl/wa', primary_key 'k', buckets '1', merge_engine 'aggregation',
          changelog 'lookup', auto_compaction 'false', auto_maintenance 'false');
ALTER FOREIGN TABLE wa ALTER COLUMN v OPTIONS (aggregate 'sum');
CREATE FOREIGN TABLE wa_changes (k int, v bigint, _change_kind text, _snapshot_id bigint)
  SERVER lake_cl OPTIONS (table '.cl/wa', scan 'changelog');
INSERT INTO wa SELECT g, g FROM generate_series(1, 6) g;
BEGIN;
INSERT INTO wa SELECT g, 100 FROM generate_series(1, 6) g;                -- sums
DELETE FROM wa WHERE k = 2;
INSERT INTO wa VALUES (2, 7), (7, 70);                                    -- after a delete: from absent
COMMIT;
SELECT _change_kind, k, v FROM wa_changes
  WHERE _snapshot_id = (SELECT max(snapshot_id) FROM lake_snapshots('wa')) ORDER BY k, _change_kind DESC;
SELECT * FROM wa ORDER BY k;
-- a changelog scan reading a subset of the columns gives the same rows
SELECT count(*), sum(v) FROM wb_changes;
SELECT count(*), sum(v) FROM (SELECT * FROM wb_changes) c;

-- the files each snapshot added are kept per backend: a second scan of the
-- same range finds them; lake_metadata_cache_reset() empties the cache
SELECT lake_metadata_cache_reset();
SELECT count(*) FROM wb_changes \gset first_
SELECT count(*) = :first_count AS same FROM wb_changes;
SELECT entries > 0 AS kept, hits > 0 AS reused, bytes > 0 AS sized
  FROM lake_metadata_cache() WHERE cache = 'snapshot deltas';
SELECT lake_metadata_cache_reset();
SELECT entries, bytes FROM lake_metadata_cache() WHERE cache = 'snapshot deltas';

RESET search_path;
DROP SCHEMA lake_cl CASCADE;
DROP SERVER lake_cl CASCADE;
