-- Top-N pushdown: ORDER BY ... LIMIT computed inside lake scans (the scan
-- keeps the best rows, skips row groups and pages that cannot beat them),
-- checked against the same queries on heap tables.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER lake_topn FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');

-- q over the lake table and over the heap table give the same rows in the
-- same order (for orders that are total: every query ends with the key id)
CREATE FUNCTION topn_same(q text, lake text, heap text) RETURNS bool
LANGUAGE plpgsql AS $$
DECLARE
  a text[];
  b text[];
BEGIN
  EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', replace(q, 'TBL', lake)) INTO a;
  EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', replace(q, 'TBL', heap)) INTO b;
  IF a IS DISTINCT FROM b THEN
    RAISE WARNING 'lake % heap %', a, b;
  END IF;
  RETURN a IS NOT DISTINCT FROM b;
END $$;
-- orders with ties: PostgreSQL returns any rows of the tied set, so the
-- multiset of sort keys (key: an expression over x) must match, and every
-- row returned must be a row of the table passing the query's WHERE
CREATE FUNCTION topn_keys_same(q text, key text, lake text, heap text) RETURNS bool
LANGUAGE plpgsql AS $$
DECLARE
  a text[];
  b text[];
BEGIN
  EXECUTE format('SELECT array_agg(k ORDER BY k) FROM (SELECT (%s)::text k FROM (%s) x) y',
                 key, replace(q, 'TBL', lake)) INTO a;
  EXECUTE format('SELECT array_agg(k ORDER BY k) FROM (SELECT (%s)::text k FROM (%s) x) y',
                 key, replace(q, 'TBL', heap)) INTO b;
  IF a IS DISTINCT FROM b THEN
    RAISE WARNING 'lake % heap %', a, b;
  END IF;
  RETURN a IS NOT DISTINCT FROM b;
END $$;
-- is q computed by a top-N lake scan?
CREATE FUNCTION topn_pushed(q text) RETURNS bool
LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    IF line LIKE '%Lake Top-N:%' THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END $$;

CREATE TABLE heap_n (
  id int, i int, i8 bigint, f8 float8, n numeric(12,3), t text COLLATE "C", tx text,
  d date, ts timestamptz, b bool, pad text);
CREATE FOREIGN TABLE lake_n (
  id int, i int, i8 bigint, f8 float8, n numeric(12,3), t text COLLATE "C", tx text,
  d date, ts timestamptz, b bool, pad text
) SERVER lake_topn OPTIONS (table '.topn/n');

-- small row groups: the bound has some to skip; several files
SET lake_fdw.row_group_rows = 1024;
INSERT INTO heap_n
SELECT x, CASE WHEN x % 23 = 0 THEN NULL ELSE (x * 7919) % 1000 END,
       x::bigint * 3,
       CASE WHEN x % 29 = 0 THEN NULL WHEN x % 31 = 0 THEN 'NaN'
            WHEN x % 37 = 0 THEN '-Infinity' ELSE ((x * 13) % 400) / 8.0 END,
       CASE WHEN x % 19 = 0 THEN NULL ELSE ((x * 17) % 5000) / 7.0 END,
       CASE WHEN x % 17 = 0 THEN NULL ELSE 'v' || (x * 31) % 311 END,
       'w' || (x % 97),
       date '2026-01-01' + (x % 300),
       timestamptz '2026-01-01 00:00+00' + x * interval '1 minute',
       CASE WHEN x % 11 = 0 THEN NULL ELSE x % 3 = 0 END,
       repeat('p', x % 50)
FROM generate_series(1, 6000) x;
INSERT INTO lake_n SELECT * FROM heap_n WHERE id <= 3000;
INSERT INTO lake_n SELECT * FROM heap_n WHERE id > 3000;

-- the plan: no Sort, no Limit
EXPLAIN (COSTS OFF) SELECT * FROM lake_n ORDER BY ts LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id, t FROM lake_n WHERE t LIKE 'v1%' ORDER BY i DESC NULLS LAST, id LIMIT 5 OFFSET 3;
-- the bound skips row groups of a column sorted in the files
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM lake_n ORDER BY ts LIMIT 10;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT id FROM lake_n ORDER BY id DESC LIMIT 3;

-- total orders: the same rows in the same order
SELECT q, topn_pushed(replace(q, 'TBL', 'lake_n')) AS pushed, topn_same(q, 'lake_n', 'heap_n') AS same
FROM (VALUES
  ('SELECT * FROM TBL ORDER BY ts LIMIT 10'),
  ('SELECT * FROM TBL ORDER BY ts DESC LIMIT 10'),
  ('SELECT id, i FROM TBL ORDER BY i, id LIMIT 25'),
  ('SELECT id, i FROM TBL ORDER BY i DESC, id LIMIT 25'),
  ('SELECT id, i FROM TBL ORDER BY i NULLS FIRST, id LIMIT 30'),
  ('SELECT id, i FROM TBL ORDER BY i DESC NULLS LAST, id DESC LIMIT 30'),
  ('SELECT id, f8 FROM TBL ORDER BY f8, id LIMIT 40'),
  ('SELECT id, f8 FROM TBL ORDER BY f8 DESC, id LIMIT 400'),
  ('SELECT id, f8 FROM TBL ORDER BY f8 DESC NULLS LAST, id LIMIT 300'),
  ('SELECT id, n FROM TBL ORDER BY n, id LIMIT 20'),
  ('SELECT id, n FROM TBL ORDER BY n DESC, id LIMIT 20'),
  ('SELECT id, t FROM TBL ORDER BY t, id LIMIT 20'),
  ('SELECT id, t FROM TBL ORDER BY t DESC NULLS LAST, id LIMIT 20'),
  ('SELECT id, tx FROM TBL ORDER BY tx DESC, id LIMIT 20'),
  ('SELECT id, d FROM TBL ORDER BY d, id LIMIT 20'),
  ('SELECT id, b FROM TBL ORDER BY b, id LIMIT 20'),
  ('SELECT id, b FROM TBL ORDER BY b DESC NULLS LAST, id DESC LIMIT 20'),
  ('SELECT id, i8 FROM TBL ORDER BY i8 DESC LIMIT 5'),
  -- OFFSET, LIMIT 0, LIMIT beyond the table, LIMIT NULL (ALL)
  ('SELECT id, i FROM TBL ORDER BY i, id LIMIT 10 OFFSET 990'),
  ('SELECT id FROM TBL ORDER BY id LIMIT 0'),
  ('SELECT id FROM TBL ORDER BY id LIMIT 0 OFFSET 5'),
  ('SELECT id, ts FROM TBL ORDER BY ts DESC LIMIT 100000'),
  ('SELECT id FROM TBL ORDER BY id DESC LIMIT 10 OFFSET 5995'),
  ('SELECT id FROM TBL ORDER BY id DESC LIMIT 10 OFFSET 7000'),
  ('SELECT id, i FROM TBL ORDER BY i, id LIMIT NULL OFFSET 5990'),
  -- with WHERE (evaluated in the scan, some pushed to statistics)
  ('SELECT id, ts FROM TBL WHERE i < 100 ORDER BY ts LIMIT 10'),
  ('SELECT id, t FROM TBL WHERE t LIKE ''%7%'' ORDER BY ts DESC LIMIT 10'),
  ('SELECT id, i, t FROM TBL WHERE id BETWEEN 2000 AND 4500 AND b ORDER BY i DESC, id LIMIT 15'),
  ('SELECT id FROM TBL WHERE tx = ''w5'' ORDER BY n NULLS FIRST, id LIMIT 7 OFFSET 2'),
  ('SELECT id FROM TBL WHERE i IS NULL ORDER BY i, id LIMIT 7'),
  ('SELECT id FROM TBL WHERE false ORDER BY id LIMIT 7'),
  -- fewer rows qualify than LIMIT asks, spread over both files, with columns
  -- beyond the sort and WHERE (a first pass runs): every one of them
  ('SELECT * FROM TBL WHERE id % 1000 = 7 ORDER BY id LIMIT 10'),
  ('SELECT id, pad FROM TBL WHERE id IN (5, 2999, 3001, 5999) ORDER BY id DESC LIMIT 5 OFFSET 1'),
  ('SELECT id, t, pad FROM TBL WHERE id % 1500 = 1 ORDER BY ts DESC LIMIT 4'),
  -- expressions in the output, the sort column not in it
  ('SELECT id * 2 AS x, upper(t) FROM TBL ORDER BY ts DESC LIMIT 10'),
  ('SELECT length(pad) FROM TBL ORDER BY i8 LIMIT 10'),
  -- LIMIT from an initplan
  ('SELECT id FROM TBL ORDER BY ts DESC LIMIT (SELECT 4) OFFSET (SELECT 1)')
) v(q);

-- ties: the multiset of sort keys
SELECT q, topn_pushed(replace(q, 'TBL', 'lake_n')) AS pushed,
       topn_keys_same(q, k, 'lake_n', 'heap_n') AS same
FROM (VALUES
  ('SELECT i FROM TBL ORDER BY i LIMIT 50', 'x.i'),
  ('SELECT i, b FROM TBL ORDER BY b, i DESC LIMIT 70', 'row(x.b, x.i)'),
  ('SELECT d FROM TBL ORDER BY d DESC LIMIT 33 OFFSET 20', 'x.d'),
  ('SELECT tx FROM TBL WHERE i > 500 ORDER BY tx LIMIT 100', 'x.tx'),
  ('SELECT f8 FROM TBL ORDER BY f8 DESC LIMIT 250', 'x.f8')
) v(q, k);

-- parameters: LIMIT, OFFSET and WHERE values, custom and generic plans
PREPARE p(int, int, int) AS SELECT id, i FROM lake_n WHERE i > $3 ORDER BY i, id LIMIT $1 OFFSET $2;
PREPARE ph(int, int, int) AS SELECT id, i FROM heap_n WHERE i > $3 ORDER BY i, id LIMIT $1 OFFSET $2;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE p(5, 0, 10);
CREATE TABLE params (l int, o int, w int);
INSERT INTO params VALUES (5, 0, 10), (0, 0, 0), (20, 100, 500), (3, 5000, -1), (NULL, 5900, 0), (1, NULL, 998);
-- (a warning names the parameters whose results differ)
DO $$
DECLARE
  p record;
  a text[];
  b text[];
BEGIN
  FOR p IN SELECT * FROM params LOOP
    EXECUTE 'SELECT array_agg(x::text) FROM (SELECT * FROM lake_n WHERE i > $3 ORDER BY i, id LIMIT $1 OFFSET $2) x'
      INTO a USING p.l, p.o, p.w;
    EXECUTE 'SELECT array_agg(x::text) FROM (SELECT * FROM heap_n WHERE i > $3 ORDER BY i, id LIMIT $1 OFFSET $2) x'
      INTO b USING p.l, p.o, p.w;
    IF a IS DISTINCT FROM b THEN
      RAISE WARNING 'params % differ', p;
    END IF;
  END LOOP;
END $$;
EXECUTE p(5, 0, 10);
EXECUTE ph(5, 0, 10);
EXECUTE p(3, 2, 990);
EXECUTE ph(3, 2, 990);
EXECUTE p(0, 0, 0);
EXECUTE p(NULL, 5990, 0);
EXECUTE ph(NULL, 5990, 0);
EXECUTE p(-1, 0, 0);
EXECUTE p(1, -1, 0);
RESET plan_cache_mode;
DEALLOCATE p;
DEALLOCATE ph;

-- rescans with a changing LIMIT and WHERE: a correlated subquery
SELECT g, (SELECT array_agg(id) FROM (SELECT id FROM lake_n WHERE i > g * 100 ORDER BY i, id LIMIT g) s)
       = (SELECT array_agg(id) FROM (SELECT id FROM heap_n WHERE i > g * 100 ORDER BY i, id LIMIT g) s) AS same
FROM generate_series(1, 4) g;

-- not pushed: ORDER BY an expression, a volatile WHERE, a join, no LIMIT,
-- WITH TIES, aggregates, DISTINCT, locking, the switch off
SELECT q, topn_pushed(q) AS pushed
FROM (VALUES
  ('SELECT * FROM lake_n ORDER BY i + 1 LIMIT 5'),
  ('SELECT * FROM lake_n WHERE random() < 2 ORDER BY i LIMIT 5'),
  ('SELECT * FROM lake_n n JOIN heap_n h USING (id) ORDER BY n.i LIMIT 5'),
  ('SELECT * FROM lake_n ORDER BY i'),
  ('SELECT * FROM lake_n ORDER BY i FETCH FIRST 5 ROWS WITH TIES'),
  ('SELECT i, count(*) FROM lake_n GROUP BY i ORDER BY i LIMIT 5'),
  ('SELECT DISTINCT i FROM lake_n ORDER BY i LIMIT 5'),
  ('SELECT lake_n FROM lake_n ORDER BY i LIMIT 5'),
  ('SELECT id FROM lake_n ORDER BY id LIMIT 5')
) v(q);
SET lake_fdw.enable_topn_pushdown = off;
SELECT topn_pushed('SELECT id FROM lake_n ORDER BY id LIMIT 5') AS pushed_when_off;
RESET lake_fdw.enable_topn_pushdown;
-- an aggregate is no top-N; a subquery with ORDER BY ... LIMIT is
SELECT topn_pushed('SELECT max(i) FROM lake_n') AS topn,
       (SELECT count(*) FROM (SELECT 1 FROM lake_n ORDER BY i LIMIT 5) s) AS five;

-- a primary-key table: versions and deletes, before and after compaction
CREATE TABLE heap_pk (k int PRIMARY KEY, g int, v int, s text COLLATE "C");
CREATE FOREIGN TABLE lake_pk (k int, g int, v int, s text COLLATE "C", PRIMARY KEY (k))
  SERVER lake_topn OPTIONS (table '.topn/pk', buckets '2');
INSERT INTO heap_pk SELECT x, x % 10, x, 's' || x FROM generate_series(1, 3000) x;
INSERT INTO lake_pk SELECT x, x % 10, x, 's' || x FROM generate_series(1, 3000) x;
-- newer versions: small values become large and large ones small
UPDATE heap_pk SET v = 100000 + k WHERE k <= 50;
UPDATE lake_pk SET v = 100000 + k WHERE k <= 50;
UPDATE heap_pk SET v = -k WHERE k > 2980;
UPDATE lake_pk SET v = -k WHERE k > 2980;
DELETE FROM heap_pk WHERE k % 100 = 60 OR k IN (51, 52, 2999);
DELETE FROM lake_pk WHERE k % 100 = 60 OR k IN (51, 52, 2999);
INSERT INTO heap_pk VALUES (5000, 1, 60, 'late') ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
INSERT INTO lake_pk VALUES (5000, 1, 60, 'late') ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
CREATE FUNCTION pk_checks() RETURNS TABLE (q text, pushed bool, same bool)
LANGUAGE sql AS $$
SELECT q, topn_pushed(replace(q, 'TBL', 'lake_pk')), topn_same(q, 'lake_pk', 'heap_pk')
FROM (VALUES
  ('SELECT * FROM TBL ORDER BY v LIMIT 10'),
  ('SELECT * FROM TBL ORDER BY v DESC LIMIT 10'),
  ('SELECT * FROM TBL ORDER BY k LIMIT 10'),
  ('SELECT * FROM TBL ORDER BY k DESC LIMIT 10 OFFSET 3'),
  ('SELECT k, v FROM TBL WHERE g = 3 ORDER BY v, k LIMIT 10'),
  ('SELECT k, v FROM TBL WHERE v > 2900 ORDER BY v LIMIT 10'),
  ('SELECT k, s FROM TBL WHERE v >= 100000 ORDER BY s DESC, k LIMIT 10'),
  ('SELECT k FROM TBL WHERE k > 2950 ORDER BY v, k LIMIT 10')
) v(q) $$;
SELECT * FROM pk_checks();
-- in the transaction that writes them, own rows count
BEGIN;
UPDATE lake_pk SET v = -100 WHERE k = 1000;
UPDATE heap_pk SET v = -100 WHERE k = 1000;
SELECT * FROM pk_checks() WHERE q LIKE '%ORDER BY v LIMIT%';
ROLLBACK;
SELECT lake_compact('lake_pk', true) >= 0 AS compacted;
SELECT * FROM pk_checks();

DROP FUNCTION pk_checks();
DROP FOREIGN TABLE lake_n, lake_pk;
DROP TABLE heap_n, heap_pk, params;
DROP FUNCTION topn_same(text, text, text), topn_keys_same(text, text, text, text),
  topn_pushed(text);
DROP SERVER lake_topn;
