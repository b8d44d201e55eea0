-- Data skipping: predicates from WHERE clauses and join keys prune partitions,
-- buckets, files, row groups, pages and bloom-filtered row groups.  Results
-- never change: every query is compared with a heap table or with pruning off.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER IF NOT EXISTS lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
SET lake_fdw.row_group_rows = 1024;
-- the count(*) queries below show the row scan's counters (rows produced):
-- aggregates pushed into the scan with a WHERE are lake_aggregate's
SET lake_fdw.enable_aggregate_pushdown = off;

-- a primary-key table: 4 days x 2 buckets, ~2,500 rows per file, 3 row groups each
CREATE FOREIGN TABLE pm (
  dt date NOT NULL, ad_id bigint NOT NULL, campaign_id bigint, region text,
  clicks bigint, cost numeric(12,2), PRIMARY KEY (dt, ad_id)
) SERVER lake OPTIONS (table 'prune/pm', partition_by 'dt', buckets '2');
CREATE TABLE pm_heap (
  dt date, ad_id bigint, campaign_id bigint, region text, clicks bigint,
  cost numeric(12,2), PRIMARY KEY (dt, ad_id));
INSERT INTO pm_heap SELECT date '2026-11-01' + (i % 4), i, i / 100, 'r' || (i % 7),
  i % 1000, (i % 500) / 4.0 FROM generate_series(1, 20000) i;
INSERT INTO pm SELECT * FROM pm_heap;

-- the pushed predicate (EXPLAIN VERBOSE)
EXPLAIN (VERBOSE, COSTS OFF)
SELECT ad_id FROM pm WHERE dt = '2026-11-02' AND ad_id BETWEEN 1000 AND 1100;

-- a key range in one partition: 1 of 4 partitions, 2 of 8 files, one row group each
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT ad_id FROM pm WHERE dt = '2026-11-02' AND ad_id BETWEEN 1000 AND 1100;
SELECT count(*), sum(ad_id) FROM pm WHERE dt = '2026-11-02' AND ad_id BETWEEN 1000 AND 1100;
SELECT count(*), sum(ad_id) FROM pm_heap WHERE dt = '2026-11-02' AND ad_id BETWEEN 1000 AND 1100;

-- equality on the whole key: its bucket only
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM pm WHERE dt = '2026-11-04' AND ad_id = 7;
SELECT * FROM pm WHERE dt = '2026-11-04' AND ad_id = 7;
SELECT * FROM pm WHERE dt = '2026-11-03' AND ad_id = 7;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT * FROM pm WHERE dt IN ('2026-11-04', '2026-11-01') AND ad_id IN (7, 8, 9);
SELECT * FROM pm WHERE dt IN ('2026-11-04', '2026-11-01') AND ad_id IN (7, 8, 9) ORDER BY ad_id;

-- a non-key column of a primary-key table: level-0 files may hold older
-- versions of a key, so only the key part of the predicate prunes
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM pm WHERE campaign_id = 3;

-- the trap: clicks updated from 100 to 10; WHERE clicks >= 100 finds nothing
INSERT INTO pm VALUES ('2026-11-01', 100000, 1, 'r1', 100, 1);
INSERT INTO pm VALUES ('2026-11-01', 100000, 1, 'r1', 10, 1);
INSERT INTO pm_heap VALUES ('2026-11-01', 100000, 1, 'r1', 10, 1);
SELECT * FROM pm WHERE clicks >= 100 AND ad_id = 100000;
SELECT * FROM pm WHERE clicks < 100 AND ad_id = 100000;
-- the same inside the writing transaction (pending files)
BEGIN;
INSERT INTO pm VALUES ('2026-11-01', 100001, 1, 'r1', 500, 1);
INSERT INTO pm VALUES ('2026-11-01', 100001, 1, 'r1', 5, 1);
SELECT * FROM pm WHERE clicks >= 100 AND ad_id = 100001;
SELECT * FROM pm WHERE dt = '2026-11-01' AND ad_id = 100001;
COMMIT;
INSERT INTO pm_heap VALUES ('2026-11-01', 100001, 1, 'r1', 5, 1);
SELECT * FROM pm WHERE clicks >= 100 AND ad_id >= 100000;

-- a parameterized probe: a small heap table joined on the primary key
CREATE TABLE wanted (dt date, ad_id bigint);
INSERT INTO wanted VALUES ('2026-11-02', 5), ('2026-11-03', 2003), ('2026-11-04', 4004),
  ('2026-11-01', 100000), ('2026-11-02', 99999999);
ANALYZE wanted;
EXPLAIN (COSTS OFF) SELECT w.ad_id, p.clicks FROM wanted w JOIN pm p USING (dt, ad_id);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT w.ad_id, p.clicks FROM wanted w JOIN pm p USING (dt, ad_id);
SELECT w.ad_id, p.clicks FROM wanted w JOIN pm p USING (dt, ad_id) ORDER BY 1;
SELECT w.ad_id, p.clicks FROM wanted w JOIN pm_heap p USING (dt, ad_id) ORDER BY 1;

-- a prepared statement through its generic plan: PARAM_EXTERN
SET plan_cache_mode = force_generic_plan;
PREPARE probe(date, bigint, bigint) AS
  SELECT count(*) FROM pm WHERE dt = $1 AND ad_id BETWEEN $2 AND $3;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE probe('2026-11-02', 1000, 1100);
EXECUTE probe('2026-11-02', 1000, 1100);
EXECUTE probe('2026-11-04', 0, 400);
SELECT count(*) FROM pm_heap WHERE dt = '2026-11-04' AND ad_id BETWEEN 0 AND 400;
DEALLOCATE probe;
RESET plan_cache_mode;

-- an append table: every column prunes; bloom filter on an unclustered column
CREATE FOREIGN TABLE ev (
  id bigint, campaign_id int, tag text, score float8, note text COLLATE "C",
  seen date, at timestamptz, flag bool, u uuid, amount numeric(10,2)
) SERVER lake OPTIONS (table 'prune/ev', bloom_filter_columns 'tag');
CREATE TABLE ev_heap (
  id bigint, campaign_id int, tag text, score float8, note text COLLATE "C",
  seen date, at timestamptz, flag bool, u uuid, amount numeric(10,2));
INSERT INTO ev_heap SELECT i, i / 1000, md5(i::text), i * 0.5,
  CASE WHEN i % 10 = 0 THEN NULL ELSE 'n' || lpad((i / 100)::text, 5, '0') END,
  date '2026-01-01' + i / 1000, timestamptz '2026-01-01 00:00+00' + i * interval '1 minute',
  i < 5000, ('00000000-0000-0000-0000-' || lpad(to_hex(i), 12, '0'))::uuid, i / 100.0
  FROM generate_series(1, 10000) i;
INSERT INTO ev SELECT * FROM ev_heap;

EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ev WHERE campaign_id = 3;
-- bloom filter: one row group of 10 can hold the value, another value none
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM ev WHERE tag = md5('4321');
SELECT id FROM ev WHERE tag = md5('4321');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM ev WHERE tag IN (md5('10'), md5('9999'));
-- IS NULL, LIKE 'prefix%', C-collation ranges, OR, dates, stable expressions
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ev WHERE note LIKE 'n0004%';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ev WHERE note >= 'n00095';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ev WHERE id < 100 OR id > 9900;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ev WHERE seen = date '2026-01-05';
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM ev WHERE at > now() - interval '1 hour';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ev WHERE at > now() - interval '1 hour';
-- not pushed: text ranges under a non-C collation, float >, json
EXPLAIN (VERBOSE, COSTS OFF) SELECT count(*) FROM ev WHERE tag > 'f' AND score > 10;

-- pages: one row group of 60,000 rows in pages of 20,000 rows; the page
-- index narrows a range to the pages that can hold it
SET lake_fdw.row_group_rows = 65536;
CREATE FOREIGN TABLE pg (id bigint, v text) SERVER lake OPTIONS (table 'prune/pg');
INSERT INTO pg SELECT i, 'v' || i FROM generate_series(1, 60000) i;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM pg WHERE id BETWEEN 25000 AND 25100;
SELECT count(*), min(v), max(v) FROM pg WHERE id BETWEEN 25000 AND 25100;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM pg WHERE id < 10 OR id > 59990;
SELECT count(*) FROM pg WHERE id < 10 OR id > 59990;
DROP FOREIGN TABLE pg;
SET lake_fdw.row_group_rows = 1024;

-- results equal the heap table's for every kind of predicate
CREATE TEMP TABLE preds (p text);
INSERT INTO preds VALUES
  ('id = 77'), ('id <> 77'), ('id BETWEEN 1500 AND 1600'), ('id IN (1, 5000, 9999, 123456)'),
  ('id = ANY (ARRAY[3, 7, NULL])'), ('campaign_id = 3 OR campaign_id > 8'), ('campaign_id::bigint = 4'),
  ('campaign_id = 3000000000'), ('campaign_id < 3000000000'), ('id > 2.5'),
  ('tag = md5(''500'')'), ('tag LIKE ''ab%'''), ('note IS NULL'), ('note IS NOT NULL AND id < 50'),
  ('note LIKE ''n0001%'''), ('note < ''n00010'''), ('note BETWEEN ''n00050'' AND ''n00051'''),
  ('score < 100'), ('score <= 100.5'), ('score = 4999.5'), ('score > 4000'),
  ('seen >= ''2026-01-09'''), ('seen < ''2026-01-02'''),
  ('at < ''2026-01-01 10:00+00'''), ('at >= now() - interval ''100 years'''),
  ('flag'), ('NOT flag'), ('flag IS NULL'),
  ('u = ''00000000-0000-0000-0000-000000000abc'''), ('u > ''00000000-0000-0000-0000-000000002700'''),
  ('amount = 12.34'), ('amount = 12.345'), ('amount < 1.005'), ('amount > 99.99'),
  ('amount > 1e20'), ('amount = ''NaN'''), ('id = NULL::bigint');
CREATE TEMP TABLE outcome (p text, lake bigint, heap bigint, extra bigint, missing bigint);
DO $$
DECLARE r record; a bigint; b bigint; c bigint; h bigint;
BEGIN
  FOR r IN SELECT p FROM preds LOOP
    EXECUTE format('SELECT count(*) FROM (SELECT * FROM ev WHERE %s EXCEPT ALL SELECT * FROM ev_heap WHERE %s) x', r.p, r.p) INTO a;
    EXECUTE format('SELECT count(*) FROM (SELECT * FROM ev_heap WHERE %s EXCEPT ALL SELECT * FROM ev WHERE %s) x', r.p, r.p) INTO b;
    EXECUTE format('SELECT count(*) FROM ev WHERE %s', r.p) INTO c;
    EXECUTE format('SELECT count(*) FROM ev_heap WHERE %s', r.p) INTO h;
    INSERT INTO outcome VALUES (r.p, c, h, a, b);
  END LOOP;
END $$ LANGUAGE plpgsql;
SELECT * FROM outcome;

-- lake_fdw.enable_pruning = off reads everything, with the same results
SET lake_fdw.enable_pruning = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ev WHERE campaign_id = 3;
SELECT count(*) FROM ev WHERE campaign_id = 3;
RESET lake_fdw.enable_pruning;
SELECT count(*) FROM ev WHERE campaign_id = 3;

DROP FOREIGN TABLE pm, ev;
DROP TABLE pm_heap, ev_heap, wanted;
