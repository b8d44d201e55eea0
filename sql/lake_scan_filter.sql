-- The scan's own filter: the leading WHERE clauses without volatile functions
-- are evaluated per batch inside the lake scan (EXPLAIN: Lake Filter), before
-- the other columns are built.  Every answer is compared with a heap table
-- holding the same rows; errors and side effects must match too.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER IF NOT EXISTS lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
SET lake_fdw.row_group_rows = 1024;

-- an append table: NULLs in every column, b = 0 on every 7th row
CREATE TABLE sf_heap (id int, a int, b int, t text, d date);
INSERT INTO sf_heap SELECT i,
  CASE WHEN i % 13 = 0 THEN NULL ELSE i % 100 END,
  CASE WHEN i % 17 = 0 THEN NULL ELSE i % 7 END,
  CASE WHEN i % 11 = 0 THEN NULL
       ELSE (ARRAY['apple', 'Banana', 'cherry', 'Date', 'eclair'])[i % 5 + 1] || i END,
  date '2026-01-01' + i % 30
FROM generate_series(1, 5000) i;
CREATE FOREIGN TABLE sf (id int, a int, b int, t text, d date)
  SERVER lake OPTIONS (table 'scanfilter/sf');
INSERT INTO sf SELECT * FROM sf_heap WHERE id <= 2500;
INSERT INTO sf SELECT * FROM sf_heap WHERE id > 2500;

-- same(q): the lake's ids equal the heap's, and how many there are
CREATE FUNCTION same(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l int[]; h int[];
BEGIN
  EXECUTE format('SELECT array_agg(id ORDER BY id) FROM sf WHERE %s', q) INTO l;
  EXECUTE format('SELECT array_agg(id ORDER BY id) FROM sf_heap WHERE %s', q) INTO h;
  RETURN CASE WHEN l IS NOT DISTINCT FROM h THEN 'same' ELSE 'DIFFERENT' END
    || ', ' || coalesce(cardinality(l), 0) || ' rows';
END $$;

-- the plan: the filter moves into the scan
EXPLAIN (COSTS OFF) SELECT * FROM sf WHERE a > 90;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM sf WHERE a > 90;
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, t FROM sf WHERE a > 90 AND d = '2026-01-05';

-- NULLs
SELECT same('a IS NULL');
SELECT same('a IS NOT NULL AND t IS NULL');
SELECT same('a <> 5');
SELECT same('NOT (a > 50)');
SELECT same('a IS DISTINCT FROM 5');
SELECT same('coalesce(a, -1) < 0');
SELECT same('(a > 90) IS NOT TRUE');
SELECT same('b = ANY (ARRAY[1, NULL])');

-- collations: the column's, and explicit ones
SELECT same('t < ''b''');
SELECT same('t COLLATE "C" < ''b''');
SELECT same('t > ''Banana'' COLLATE "C" AND t < ''cherry'' COLLATE "C"');
SELECT same('t < ''b'' COLLATE "und-x-icu"');
SELECT same('t COLLATE "und-x-icu" BETWEEN ''apple3'' AND ''Banana4''');
SELECT same('lower(t) LIKE ''banana1%''');
SELECT same('t ILIKE ''%ECLAIR4%''');

-- several columns in one qual, and several quals
SELECT same('a + b > 100');
SELECT same('a > 50 AND b < 3 AND d < ''2026-01-10''');
SELECT same('a > 95 OR t LIKE ''%777%''');
SELECT same('(a, b) > (50, 3) AND length(t) > 6');

-- a volatile function is never evaluated early: the quals before it are the
-- scan's, it and the ones after it PostgreSQL's, and it runs on as many rows
CREATE SEQUENCE ticks;
CREATE FUNCTION tick(int) RETURNS boolean LANGUAGE plpgsql VOLATILE COST 1000
  AS $$ BEGIN PERFORM nextval('ticks'); RETURN $1 % 2 = 0; END $$;
EXPLAIN (COSTS OFF) SELECT count(*) FROM sf WHERE a > 90 AND tick(id);
SELECT setval('ticks', 1, false);
SELECT count(*) FROM sf WHERE a > 90 AND tick(id);
SELECT nextval('ticks') - 1 AS lake_calls;
SELECT setval('ticks', 1, false);
SELECT count(*) FROM sf_heap WHERE a > 90 AND tick(id);
SELECT nextval('ticks') - 1 AS heap_calls;
-- a cheap volatile function first: nothing is the scan's
CREATE FUNCTION tick_cheap(int) RETURNS boolean LANGUAGE plpgsql VOLATILE COST 0.001
  AS $$ BEGIN PERFORM nextval('ticks'); RETURN $1 % 2 = 0; END $$;
EXPLAIN (COSTS OFF) SELECT count(*) FROM sf WHERE tick_cheap(id) AND a > 90;
SELECT setval('ticks', 1, false);
SELECT count(*) FROM sf WHERE tick_cheap(id) AND a > 90;
SELECT nextval('ticks') - 1 AS lake_calls;
EXPLAIN (COSTS OFF) SELECT count(*) FROM sf WHERE random() < 2 AND a > 90;
SELECT same('random() < 2 AND a > 90');

-- errors: a qual that fails on a row, where an earlier qual drops the row or not
SELECT count(*) FROM sf_heap WHERE a / b > 2;
SELECT count(*) FROM sf WHERE a / b > 2;
SELECT same('b <> 0 AND a / b > 2');
SELECT same('id < 7 AND a / b > 2');
SELECT count(*) FROM sf_heap WHERE id < 8 AND a / b > 2;
SELECT count(*) FROM sf WHERE id < 8 AND a / b > 2;

-- whole-row and system columns stay PostgreSQL's
EXPLAIN (COSTS OFF) SELECT id FROM sf WHERE sf IS NOT NULL AND a > 90;
EXPLAIN (COSTS OFF) SELECT id FROM sf WHERE a > 90 AND tableoid <> 0;

-- parameters: a generic plan, and a nested loop's outer values
PREPARE p(int) AS SELECT count(*) FROM sf WHERE a > $1 AND t LIKE '%3%';
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE p(90);
EXECUTE p(90);
EXECUTE p(10);
RESET plan_cache_mode;
SELECT count(*) FROM sf_heap WHERE a > 10 AND t LIKE '%3%';
CREATE TABLE lim (x int);
INSERT INTO lim VALUES (90), (95);
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT x, (SELECT count(*) FROM sf WHERE sf.a > lim.x) AS lake,
  (SELECT count(*) FROM sf_heap WHERE sf_heap.a > lim.x) AS heap FROM lim ORDER BY x;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- the transaction's own rows, in memory and in the files
BEGIN;
INSERT INTO sf VALUES (9001, 99, 0, 'own', '2026-02-01'), (9002, 1, 1, 'own', '2026-02-01');
INSERT INTO sf_heap VALUES (9001, 99, 0, 'own', '2026-02-01'), (9002, 1, 1, 'own', '2026-02-01');
SELECT same('a > 98');
SELECT same('t = ''own''');
ROLLBACK;
DELETE FROM sf_heap WHERE id > 9000;

-- the filter is off: PostgreSQL filters, same answers
SET lake_fdw.enable_scan_filter = off;
EXPLAIN (COSTS OFF) SELECT * FROM sf WHERE a > 90;
SELECT same('a > 50 AND b < 3 AND d < ''2026-01-10''');
RESET lake_fdw.enable_scan_filter;

-- a primary-key table: the filter sees only the versions the merge keeps
CREATE FOREIGN TABLE sfk (id int NOT NULL, a int, b int, PRIMARY KEY (id))
  SERVER lake OPTIONS (table 'scanfilter/sfk', primary_key 'id', buckets '2');
CREATE TABLE sfk_heap (id int PRIMARY KEY, a int, b int);
INSERT INTO sfk SELECT i, i % 100, CASE WHEN i <= 10 THEN 0 ELSE 1 END
  FROM generate_series(1, 2000) i;
INSERT INTO sfk_heap SELECT i, i % 100, CASE WHEN i <= 10 THEN 0 ELSE 1 END
  FROM generate_series(1, 2000) i;
-- older versions divide by zero, the newest do not; clicks 100 -> 10 style trap
INSERT INTO sfk SELECT i, 200, 2 FROM generate_series(1, 10) i
  ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a, b = EXCLUDED.b;
INSERT INTO sfk_heap SELECT i, 200, 2 FROM generate_series(1, 10) i
  ON CONFLICT (id) DO UPDATE SET a = EXCLUDED.a, b = EXCLUDED.b;
UPDATE sfk SET a = 5 WHERE id BETWEEN 1500 AND 1510;
UPDATE sfk_heap SET a = 5 WHERE id BETWEEN 1500 AND 1510;
DELETE FROM sfk WHERE id BETWEEN 20 AND 40;
DELETE FROM sfk_heap WHERE id BETWEEN 20 AND 40;
SELECT count(*), sum(id) FROM sfk WHERE a / b >= 50;
SELECT count(*), sum(id) FROM sfk_heap WHERE a / b >= 50;
SELECT count(*), sum(id) FROM sfk WHERE a >= 99;
SELECT count(*), sum(id) FROM sfk_heap WHERE a >= 99;
SELECT count(*), sum(id) FROM sfk WHERE a = 5 AND id > 1000;
SELECT count(*), sum(id) FROM sfk_heap WHERE a = 5 AND id > 1000;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM sfk WHERE a / b >= 99;

-- columns that do not line up with the lake's: another foreign table on the
-- same lake table, some columns in another order
CREATE FOREIGN TABLE sf2 (t text, d date, id int)
  SERVER lake OPTIONS (table 'scanfilter/sf');
EXPLAIN (COSTS OFF) SELECT * FROM sf2 WHERE id > 4990 AND t LIKE '%9%';
SELECT * FROM sf2 WHERE id > 4990 AND t LIKE '%9%' ORDER BY id;
SELECT t, d, id FROM sf_heap WHERE id > 4990 AND t LIKE '%9%' ORDER BY id;
SELECT count(*), sum(id), min(t), max(d) FROM sf2 WHERE d > '2026-01-20' AND t > 'a';
SELECT count(*), sum(id), min(t), max(d) FROM sf_heap WHERE d > '2026-01-20' AND t > 'a';

DROP FOREIGN TABLE sf, sf2, sfk;
DROP TABLE sf_heap, sfk_heap, lim;
DROP FUNCTION same(text), tick(int), tick_cheap(int);
DROP SEQUENCE ticks;
