-- Aggregate pushdown: GROUP BY with count, sum, avg, min and max computed
-- inside lake scans, checked against the same queries on heap tables.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
-- a server of its own, and tables under a hidden directory, which IMPORT
-- FOREIGN SCHEMA skips: lake_create, running later, imports the whole root
CREATE SERVER lake_agg FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');

-- rows of q over the lake table and over the heap table that the other
-- lacks, compared as text (so display scales count), both ways
CREATE FUNCTION agg_diff(q text, lake text, heap text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  ql text := replace(q, 'TBL', lake);
  qh text := replace(q, 'TBL', heap);
  n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM ((SELECT (x.*)::text FROM (%s) x EXCEPT ALL '
                 'SELECT (y.*)::text FROM (%s) y) UNION ALL (SELECT (y.*)::text FROM (%s) y '
                 'EXCEPT ALL SELECT (x.*)::text FROM (%s) x)) d', ql, qh, qh, ql) INTO n;
  RETURN n;
END $$;
-- is the aggregation of q pushed into the lake scan?
CREATE FUNCTION agg_pushed(q text) RETURNS bool
LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    IF line LIKE '%Lake Aggregate:%' THEN
      RETURN true;
    END IF;
  END LOOP;
  RETURN false;
END $$;

CREATE TABLE heap_a (
  g text, g2 int, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
  n1 numeric(9,2), n2 numeric(18,4), n3 numeric(38,10), t text COLLATE "C",
  vc varchar(10), d date, ts timestamp, tstz timestamptz, u uuid);
CREATE FOREIGN TABLE lake_a (
  g text, g2 int, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
  n1 numeric(9,2), n2 numeric(18,4), n3 numeric(38,10), t text COLLATE "C",
  vc varchar(10), d date, ts timestamp, tstz timestamptz, u uuid
) SERVER lake_agg OPTIONS (table '.agg/a');

-- float values are multiples of 1/8: their sums are exact in any order
INSERT INTO heap_a
SELECT (array['x', 'y', 'z', NULL])[1 + x % 4],
       CASE WHEN x % 7 = 0 THEN NULL ELSE x % 3 END,
       CASE WHEN x % 5 = 0 THEN NULL ELSE x % 2 = 0 END,
       CASE WHEN x % 11 = 0 THEN NULL ELSE (x % 100 - 50)::int2 END,
       x * 1000 - 700000, x::int8 * 1000000000,
       CASE WHEN x % 13 = 0 THEN NULL ELSE ((x % 50) - 20) / 4.0 END,
       x / 8.0 - 100,
       CASE WHEN x % 17 = 0 THEN NULL ELSE x / 4.0 - 200 END,
       x * 1.0001, x * 1.5 - 10,
       CASE WHEN x % 19 = 0 THEN NULL ELSE 'v' || x % 13 END,
       'w' || x % 5, date '2026-01-01' + x % 40,
       timestamp '2026-01-01 00:00' + x * interval '1 hour 1 second',
       timestamptz '2026-01-01 00:00+00' + x * interval '1 minute',
       md5((x % 9)::text)::uuid
  FROM generate_series(1, 2000) x;
-- integers beyond the int8 range when summed, int4 sums beyond int4
INSERT INTO heap_a (g, g2, i4, i8, f8) VALUES
  ('big', 1, 2147483647, 9223372036854775807, 1099511627776),
  ('big', 1, 2147483647, 9223372036854775807, 1099511627776),
  ('big', 2, -2147483648, -9223372036854775808, -1099511627776);
-- a row of NULLs
INSERT INTO heap_a (g) VALUES (NULL);
-- three commits: three files
INSERT INTO lake_a SELECT * FROM heap_a WHERE i4 < 0;
INSERT INTO lake_a SELECT * FROM heap_a WHERE i4 >= 0;
INSERT INTO lake_a SELECT * FROM heap_a WHERE i4 IS NULL;
SELECT count(*) FROM lake_a;

-- every aggregate and type, pushed down and equal to the heap's results
\set q1 'SELECT g, count(*), count(i2), count(t), sum(i2), sum(i4), sum(i8), sum(f4), sum(f8), sum(n1), sum(n2) FROM TBL GROUP BY g'
\set q2 'SELECT g2, avg(i2), avg(i4), avg(i8), avg(f4), avg(f8), avg(n1), avg(n2) FROM TBL GROUP BY g2'
\set q3 'SELECT g, g2, min(i2), max(i2), min(i4), max(i4), min(i8), max(i8), min(f4), max(f4), min(f8), max(f8), min(n1), max(n1), min(n2), max(n2), min(n3), max(n3) FROM TBL GROUP BY g, g2'
\set q4 'SELECT b, min(d), max(d), min(ts), max(ts), min(tstz), max(tstz), min(t), max(t) FROM TBL GROUP BY b'
\set q5 'SELECT count(*), count(g), sum(i8), avg(i4), avg(f8), min(t), max(d), max(n3) FROM TBL'
\set q6 'SELECT vc, n1, count(*), sum(i2) FROM TBL GROUP BY vc, n1'
\set q7 'SELECT u, ts, tstz, d, i2, i8, n3, count(*) FROM TBL GROUP BY u, ts, tstz, d, i2, i8, n3'
\set q8 'SELECT sum(i4) + 1 AS s, count(*) * 2 AS c, g2 FROM TBL GROUP BY g, g2'
\set q9 'SELECT g || ''!'' AS g, sum(i2), max(f4) FROM TBL GROUP BY g ORDER BY sum(i2) DESC'
\set q10 'SELECT t, b, count(*) FROM TBL GROUP BY b, t'
\set q11 'SELECT g, min(g COLLATE "POSIX"), max(g COLLATE "C") FROM TBL GROUP BY g'
SELECT agg_pushed(replace(q, 'TBL', 'lake_a')) AS pushed, agg_diff(q, 'lake_a', 'heap_a') AS diff
  FROM unnest(array[:'q1', :'q2', :'q3', :'q4', :'q5', :'q6', :'q7', :'q8', :'q9', :'q10', :'q11']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;

-- the results themselves (display scales of sums and averages)
SELECT g, count(*), count(i2), count(t), sum(i2), sum(i4), sum(i8), sum(f4), sum(f8), sum(n1), sum(n2)
  FROM lake_a GROUP BY g ORDER BY g;
SELECT g2, avg(i2), avg(i4), avg(i8), avg(f4), avg(f8), avg(n1), avg(n2)
  FROM lake_a GROUP BY g2 ORDER BY g2;
SELECT count(*), count(g), sum(i8), avg(i4), avg(f8), min(t), max(d), max(n3) FROM lake_a;
SELECT g, min(i2), max(i4), min(f8), max(n2), min(d), max(ts), min(tstz), max(t), min(n3)
  FROM lake_a GROUP BY g ORDER BY g;

EXPLAIN (COSTS OFF)
SELECT g, sum(i4), sum(i8) FROM lake_a GROUP BY g ORDER BY g;
EXPLAIN (COSTS OFF, VERBOSE)
SELECT g2, count(*), avg(f8) + 1 FROM lake_a GROUP BY g2;
EXPLAIN (COSTS OFF, FORMAT JSON)
SELECT count(*), min(t) FROM lake_a;

-- not pushed down, still right
\set n1 'SELECT g, count(*), sum(i4) FROM TBL WHERE g2 = 1 GROUP BY g'
\set n2 'SELECT g, count(*) FROM TBL GROUP BY g HAVING count(*) > 400'
\set n3 'SELECT g, count(DISTINCT i2) FROM TBL GROUP BY g'
\set n4 'SELECT g2 % 2 AS k, sum(i4) FROM TBL GROUP BY g2 % 2'
\set n5 'SELECT g, string_agg(t, '','' ORDER BY t, i4) FROM TBL GROUP BY g'
\set n6 'SELECT g, count(*) FILTER (WHERE i2 > 5) FROM TBL GROUP BY g'
\set n7 'SELECT g, sum(n3), avg(n3) FROM TBL GROUP BY g'
\set n8 'SELECT f8, count(*) FROM TBL GROUP BY f8'
\set n9 'SELECT g, sum(i2 + 1), max(upper(t)) FROM TBL GROUP BY g'
\set n11 'SELECT g2, count(*) FROM TBL GROUP BY ROLLUP (g2)'
\set n12 'SELECT g, max(vc), bit_or(i4) FROM TBL GROUP BY g'
SELECT agg_pushed(replace(q, 'TBL', 'lake_a')) AS pushed, agg_diff(q, 'lake_a', 'heap_a') AS diff
  FROM unnest(array[:'n1', :'n2', :'n3', :'n4', :'n5', :'n6', :'n7', :'n8', :'n9', :'n11', :'n12']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
EXPLAIN (COSTS OFF)
SELECT g, count(*), sum(i4) FROM lake_a WHERE g2 = 1 GROUP BY g;
SET lake_fdw.enable_aggregate_pushdown = off;
EXPLAIN (COSTS OFF)
SELECT g, sum(i4) FROM lake_a GROUP BY g;
SELECT agg_diff(:'q1', 'lake_a', 'heap_a') AS diff;
RESET lake_fdw.enable_aggregate_pushdown;

-- rescans: the aggregate below a correlated subquery
EXPLAIN (COSTS OFF)
SELECT v.k, (SELECT s.c FROM (SELECT g, count(*) c FROM lake_a GROUP BY g OFFSET 0) s
              WHERE s.g = v.k) AS c
  FROM (VALUES ('x'), ('y'), ('q')) v(k);
SELECT v.k, (SELECT s.c FROM (SELECT g, count(*) c FROM lake_a GROUP BY g OFFSET 0) s
              WHERE s.g = v.k) AS c
  FROM (VALUES ('x'), ('y'), ('q')) v(k);

-- an empty table: one row without GROUP BY, none with it
CREATE FOREIGN TABLE lake_e (g text, i int4, f float8, n numeric(9,2))
  SERVER lake_agg OPTIONS (table '.agg/e');
SELECT count(*), count(i), sum(i), avg(i), min(i), max(n), sum(f), avg(n) FROM lake_e;
SELECT g, count(*) FROM lake_e GROUP BY g;
EXPLAIN (COSTS OFF) SELECT count(*), sum(i) FROM lake_e;

-- float overflow is an error, as in PostgreSQL
CREATE FOREIGN TABLE lake_o (f float8, r float4) SERVER lake_agg OPTIONS (table '.agg/o');
INSERT INTO lake_o VALUES (1.5e308, 3e38), (1.5e308, 3e38);
SELECT sum(f) FROM lake_o;
SELECT avg(f) FROM lake_o;
SELECT sum(r) FROM lake_o;
SELECT avg(r), min(f), max(r) FROM lake_o;
CREATE TABLE heap_o AS SELECT * FROM lake_o;
SELECT agg_diff('SELECT avg(r), min(f), max(r), count(*) FROM TBL', 'lake_o', 'heap_o') AS diff;
SELECT sum(f) FROM heap_o;
SELECT avg(f) FROM heap_o;
SELECT sum(r) FROM heap_o;

-- the transaction's own writes, savepoints, spilled writes
BEGIN;
INSERT INTO lake_e VALUES ('a', 1, 0.5, 1.25), ('a', NULL, NULL, NULL), (NULL, 3, 1.5, 2);
SELECT g, count(*), count(i), sum(i), avg(f), sum(n) FROM lake_e GROUP BY g ORDER BY g;
SAVEPOINT s;
INSERT INTO lake_e VALUES ('b', 10, 10, 10);
SELECT g, count(*), sum(i) FROM lake_e GROUP BY g ORDER BY g;
ROLLBACK TO SAVEPOINT s;
SELECT g, count(*), sum(i) FROM lake_e GROUP BY g ORDER BY g;
COMMIT;
SELECT g, count(*), sum(i), avg(n) FROM lake_e GROUP BY g ORDER BY g;

CREATE TABLE heap_s (g text, i int4, pad text);
CREATE FOREIGN TABLE lake_s (g text, i int4, pad text) SERVER lake_agg OPTIONS (table '.agg/s');
SET lake_fdw.write_buffer_mem = '1MB';
BEGIN;
INSERT INTO heap_s SELECT 'g' || x % 3, x, repeat('x', 100) FROM generate_series(1, 30000) x;
INSERT INTO lake_s SELECT * FROM heap_s;
SAVEPOINT big;
INSERT INTO lake_s SELECT 'g' || x % 4, x, repeat('y', 100) FROM generate_series(1, 30000) x;
ROLLBACK TO SAVEPOINT big;
INSERT INTO heap_s SELECT 'g9', x, 'w' FROM generate_series(1, 5) x;
INSERT INTO lake_s SELECT 'g9', x, 'w' FROM generate_series(1, 5) x;
SELECT agg_pushed('SELECT g, count(*), sum(i) FROM lake_s GROUP BY g') AS pushed,
       agg_diff('SELECT g, count(*), sum(i), min(i), max(pad) FROM TBL GROUP BY g', 'lake_s', 'heap_s') AS diff;
SELECT g, count(*), sum(i) FROM lake_s GROUP BY g ORDER BY g;
COMMIT;
RESET lake_fdw.write_buffer_mem;
SELECT agg_diff('SELECT g, count(*), sum(i), min(i), max(pad) FROM TBL GROUP BY g', 'lake_s', 'heap_s') AS diff;

-- time travel
SELECT count(*) AS c0, sum(i4) AS s0 FROM lake_a \gset
SELECT now() AS before_more \gset
SELECT pg_sleep(0.01);
INSERT INTO lake_a (g, i4) VALUES ('late', 5), ('x', 7);
SELECT count(*) = :c0 + 2 AS grown, sum(i4) = :s0 + 12 AS summed FROM lake_a;
SET lake_fdw.as_of = :'before_more';
SELECT count(*) = :c0 AS same_count, sum(i4) = :s0 AS same_sum FROM lake_a;
SELECT g, count(*) FROM lake_a WHERE g IS NOT NULL GROUP BY g ORDER BY g;
SELECT agg_pushed('SELECT g, count(*) FROM lake_a GROUP BY g') AS pushed,
       agg_diff('SELECT g, count(*), sum(i4) FROM TBL GROUP BY g', 'lake_a', 'heap_a') AS diff;
RESET lake_fdw.as_of;

-- a primary-key table: only the newest version of each key is aggregated
CREATE TABLE heap_pk (id int PRIMARY KEY, g text, v int8, f float8, n numeric(10,2), d date);
CREATE FOREIGN TABLE lake_pk (id int, g text, v int8, f float8, n numeric(10,2), d date,
  PRIMARY KEY (id)) SERVER lake_agg OPTIONS (table '.agg/pk', buckets '2');
INSERT INTO heap_pk
SELECT x, (array['p', 'q', NULL])[1 + x % 3], x * 10, x / 4.0, x / 8.0, date '2026-03-01' + x % 30
  FROM generate_series(1, 3000) x;
INSERT INTO lake_pk SELECT * FROM heap_pk;
-- overwrite half of the keys, moving them between groups
UPDATE heap_pk SET g = 'r', v = -v, f = -f, n = NULL WHERE id % 2 = 0;
INSERT INTO lake_pk SELECT * FROM heap_pk WHERE id % 2 = 0;
\set p1 'SELECT g, count(*), count(n), sum(v), avg(v), sum(f), avg(f), sum(n), avg(n), min(v), max(f), min(n), max(d) FROM TBL GROUP BY g'
\set p2 'SELECT d, count(*), sum(id) FROM TBL GROUP BY d'
\set p3 'SELECT count(*), sum(v), min(id), max(id) FROM TBL'
SELECT agg_pushed(replace(q, 'TBL', 'lake_pk')) AS pushed, agg_diff(q, 'lake_pk', 'heap_pk') AS diff
  FROM unnest(array[:'p1', :'p2', :'p3']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
SELECT g, count(*), sum(v), avg(n) FROM lake_pk GROUP BY g ORDER BY g;
EXPLAIN (COSTS OFF) SELECT g, count(*), sum(v) FROM lake_pk GROUP BY g;
-- own writes to a primary-key table, with a rolled-back savepoint
BEGIN;
INSERT INTO lake_pk VALUES (1, 'r', 0, 0, 0, '2026-01-01'), (5000, 'new', 1, 1, 1, '2026-01-01');
UPDATE heap_pk SET g = 'r', v = 0, f = 0, n = 0, d = '2026-01-01' WHERE id = 1;
INSERT INTO heap_pk VALUES (5000, 'new', 1, 1, 1, '2026-01-01');
SAVEPOINT s;
INSERT INTO lake_pk VALUES (2, 'gone', 0, 0, 0, '2026-01-01');
ROLLBACK TO SAVEPOINT s;
SELECT agg_diff(:'p1', 'lake_pk', 'heap_pk') AS diff;
SELECT g, count(*), sum(v) FROM lake_pk GROUP BY g ORDER BY g;
COMMIT;
SELECT agg_diff(:'p1', 'lake_pk', 'heap_pk') AS diff;

-- versions of a key inside one file, across its batches (8192 rows), and
-- spilled own writes rolled back to a savepoint
CREATE TABLE heap_pkd (k int PRIMARY KEY, g int, v int8, s text);
CREATE FOREIGN TABLE lake_pkd (k int, g int, v int8, s text, PRIMARY KEY (k))
  SERVER lake_agg OPTIONS (table '.agg/pkd');
BEGIN;
INSERT INTO lake_pkd SELECT x, x % 7, x, 'a' || x % 5 FROM generate_series(1, 10000) x;
INSERT INTO lake_pkd SELECT x, x % 5, -x, 'b' || x % 3 FROM generate_series(1, 10000, 2) x;
INSERT INTO lake_pkd SELECT x, x % 3, 2 * x, NULL FROM generate_series(1, 10000, 3) x;
COMMIT;
INSERT INTO heap_pkd SELECT x, x % 7, x, 'a' || x % 5 FROM generate_series(1, 10000) x;
UPDATE heap_pkd SET g = k % 5, v = -k, s = 'b' || k % 3 WHERE k % 2 = 1;
UPDATE heap_pkd SET g = k % 3, v = 2 * k, s = NULL WHERE k % 3 = 1;
SELECT count(*) AS files FROM lake_files('lake_pkd');
\set d1 'SELECT g, count(*), sum(v), min(s COLLATE "C"), max(k) FROM TBL GROUP BY g'
\set d2 'SELECT s, count(*), sum(k), avg(v) FROM TBL GROUP BY s'
SELECT agg_pushed(replace(q, 'TBL', 'lake_pkd')) AS pushed, agg_diff(q, 'lake_pkd', 'heap_pkd') AS diff
  FROM unnest(array[:'d1', :'d2']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
SET lake_fdw.write_buffer_mem = '1MB';
BEGIN;
INSERT INTO lake_pkd SELECT x, 100, x, repeat('c', 100) FROM generate_series(1, 30000) x;
INSERT INTO heap_pkd SELECT x, 100, x, repeat('c', 100) FROM generate_series(1, 30000) x
  ON CONFLICT (k) DO UPDATE SET g = excluded.g, v = excluded.v, s = excluded.s;
SAVEPOINT s;
INSERT INTO lake_pkd SELECT x, 200, x, repeat('d', 100) FROM generate_series(1, 30000, 2) x;
ROLLBACK TO SAVEPOINT s;
INSERT INTO lake_pkd VALUES (7, 300, 7, 'e');
UPDATE heap_pkd SET g = 300, v = 7, s = 'e' WHERE k = 7;
SELECT agg_pushed(replace(q, 'TBL', 'lake_pkd')) AS pushed, agg_diff(q, 'lake_pkd', 'heap_pkd') AS diff
  FROM unnest(array[:'d1', :'d2']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
COMMIT;
RESET lake_fdw.write_buffer_mem;
SELECT agg_diff(q, 'lake_pkd', 'heap_pkd') AS diff
  FROM unnest(array[:'d1', :'d2']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
SELECT g, count(*), sum(v) FROM lake_pkd GROUP BY g ORDER BY g;
-- two runs meeting at one key: slices of each run, the shared key merged
CREATE TABLE heap_pkr (k int PRIMARY KEY, g int, v int8);
CREATE FOREIGN TABLE lake_pkr (k int, g int, v int8, PRIMARY KEY (k))
  SERVER lake_agg OPTIONS (table '.agg/pkr');
BEGIN;
INSERT INTO lake_pkr SELECT x, x % 3, x FROM generate_series(1, 20000) x;
INSERT INTO lake_pkr SELECT x, 5, -x FROM generate_series(8190, 8194) x;
COMMIT;
INSERT INTO lake_pkr SELECT x, x % 4, 2 * x FROM generate_series(20000, 40000) x;
INSERT INTO heap_pkr SELECT x, x % 3, x FROM generate_series(1, 19999) x;
UPDATE heap_pkr SET g = 5, v = -k WHERE k BETWEEN 8190 AND 8194;
INSERT INTO heap_pkr SELECT x, x % 4, 2 * x FROM generate_series(20000, 40000) x;
SELECT agg_pushed('SELECT g, sum(v) FROM lake_pkr GROUP BY g') AS pushed,
       agg_diff('SELECT g, count(*), sum(v), min(k), max(k) FROM TBL GROUP BY g', 'lake_pkr', 'heap_pkr') AS diff;

-- a spilled file holding rows of a rolled-back savepoint, alone in its bucket
CREATE FOREIGN TABLE lake_pkf (k int, g int, pad text, PRIMARY KEY (k))
  SERVER lake_agg OPTIONS (table '.agg/pkf');
SET lake_fdw.write_buffer_mem = '1MB';
BEGIN;
INSERT INTO lake_pkf SELECT x, x % 4, 'p' FROM generate_series(1, 5000) x;
SAVEPOINT s;
INSERT INTO lake_pkf SELECT x, 9, repeat('q', 100) FROM generate_series(1, 30000) x;
ROLLBACK TO SAVEPOINT s;
SELECT agg_pushed('SELECT g, count(*) FROM lake_pkf GROUP BY g') AS pushed;
SELECT g, count(*), sum(k), max(pad COLLATE "C") FROM lake_pkf GROUP BY g ORDER BY g;
COMMIT;
RESET lake_fdw.write_buffer_mem;
SELECT g, count(*), sum(k), max(pad COLLATE "C") FROM lake_pkf GROUP BY g ORDER BY g;

-- WHERE conditions evaluated inside the aggregating scan: an append table
-- partitioned by d, two commits, checked against a heap copy
CREATE TABLE heap_w AS SELECT g, g2, i2, i4, i8, f8, n1, t, d, tstz FROM heap_a;
CREATE FOREIGN TABLE lake_w (g text, g2 int, i2 int2, i4 int4, i8 int8, f8 float8,
  n1 numeric(9,2), t text COLLATE "C", d date, tstz timestamptz)
  SERVER lake_agg OPTIONS (table '.agg/w', partition_by 'd');
INSERT INTO lake_w SELECT * FROM heap_w WHERE i4 < 0 OR i4 IS NULL;
INSERT INTO lake_w SELECT * FROM heap_w WHERE i4 >= 0;
\set w1 'SELECT g, count(*), sum(i4), avg(f8), min(t), max(n1) FROM TBL WHERE d BETWEEN ''2026-01-05'' AND ''2026-01-12'' GROUP BY g'
\set w2 'SELECT d, count(*), sum(i8), min(t), max(n1) FROM TBL WHERE g2 = 1 GROUP BY d'
\set w3 'SELECT g, g2, count(*), sum(i2) FROM TBL WHERE t IN (''v1'', ''v3'', ''v7'') GROUP BY g, g2'
\set w4 'SELECT g, count(*), count(i2), sum(f8) FROM TBL WHERE i2 IS NULL GROUP BY g'
\set w5 'SELECT g2, count(*), avg(i2) FROM TBL WHERE g IS NOT NULL AND t IS NULL GROUP BY g2'
\set w6 'SELECT g, count(*), sum(i4) FROM TBL WHERE (g = ''x'' OR i4 > 1000000) AND t LIKE ''v1%'' GROUP BY g'
\set w7 'SELECT g, count(*), sum(i8) FROM TBL WHERE i4 % 3 = 0 AND lower(g) <> ''y'' GROUP BY g'
\set w8 'SELECT count(*), sum(i4), min(d), max(d), avg(n1) FROM TBL WHERE d >= ''2026-01-30'''
\set w9 'SELECT count(*), count(g), sum(i4), avg(f8), min(t), max(d) FROM TBL WHERE i2 > 1000'
\set w10 'SELECT g, count(*), sum(i4) FROM TBL WHERE i2 > 1000 GROUP BY g'
\set w15 'SELECT g, count(*), sum(i4), max(i8) FROM TBL WHERE i4 > 1000000000 GROUP BY g'
\set w11 'SELECT count(*), sum(i8) FROM TBL WHERE d > ''2030-01-01'''
\set w12 'SELECT g, count(*), sum(i2) FROM TBL WHERE i2 <> 0 AND 100 / i2 > 3 AND i2 > 1::int8 AND n1 < 300 GROUP BY g'
\set w13 'SELECT g2, count(*), max(d) FROM TBL WHERE tstz < now() AND d <> ''2026-01-07'' AND g2 IN (0, 2) GROUP BY g2'
\set w14 'SELECT d, g, count(*), sum(i4) FROM TBL WHERE d IN (''2026-01-02'', ''2026-01-09'') AND g = ANY (ARRAY[''x'', ''z'']) GROUP BY d, g'
SELECT agg_pushed(replace(q, 'TBL', 'lake_w')) AS pushed, agg_diff(q, 'lake_w', 'heap_w') AS diff
  FROM unnest(array[:'w1', :'w2', :'w3', :'w4', :'w5', :'w6', :'w7', :'w8', :'w9', :'w10', :'w11', :'w12', :'w13', :'w14', :'w15']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
-- without late materialisation, and without pruning
SET lake_fdw.enable_late_materialize = off;
SELECT agg_pushed(replace(q, 'TBL', 'lake_w')) AS pushed, agg_diff(q, 'lake_w', 'heap_w') AS diff
  FROM unnest(array[:'w1', :'w3', :'w6', :'w9']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
RESET lake_fdw.enable_late_materialize;
SET lake_fdw.enable_pruning = off;
SELECT agg_pushed(replace(q, 'TBL', 'lake_w')) AS pushed, agg_diff(q, 'lake_w', 'heap_w') AS diff
  FROM unnest(array[:'w1', :'w2', :'w11']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
RESET lake_fdw.enable_pruning;
-- the results themselves: a filter that removes everything gives one row
-- without GROUP BY, none with it
SELECT count(*), count(g), sum(i4), avg(f8), min(t), max(d) FROM lake_w WHERE i2 > 1000;
SELECT g, count(*) FROM lake_w WHERE i2 > 1000 GROUP BY g;
SELECT count(*), sum(i4), avg(f8) FROM lake_w WHERE i4 > 1000000000;
SELECT g, count(*), sum(i4), avg(f8) FROM lake_w
 WHERE d BETWEEN '2026-01-05' AND '2026-01-12' AND g2 = 2 GROUP BY g ORDER BY g;
EXPLAIN (COSTS OFF)
SELECT g, count(*), sum(i4) FROM lake_w WHERE d BETWEEN '2026-01-05' AND '2026-01-12' AND g2 = 2 GROUP BY g;
EXPLAIN (COSTS OFF, VERBOSE)
SELECT count(*), sum(i4) FROM lake_w WHERE t = 'v3' AND i4 % 2 = 0;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT g, count(*), sum(i4) FROM lake_w WHERE d BETWEEN '2026-01-05' AND '2026-01-12' AND g2 = 2 GROUP BY g;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*), sum(i8) FROM lake_w WHERE d = '2026-01-05' AND i4 % 3 = 0;
SELECT count(*), sum(i8) FROM lake_w WHERE d = '2026-01-05' AND i4 % 3 = 0;
SELECT count(*), sum(i8) FROM heap_w WHERE d = '2026-01-05' AND i4 % 3 = 0;
-- conditions the scan cannot evaluate: PostgreSQL aggregates, still right
\set x1 'SELECT g, count(*), sum(i4) FROM TBL WHERE random() > 2 GROUP BY g'
\set x2 'SELECT g, count(*) FROM TBL WHERE i4 > (SELECT max(h.i4) - 100000 FROM heap_w h WHERE h.g = TBL.g) GROUP BY g'
\set x3 'SELECT g, count(*) FROM TBL WHERE TBL IS NOT NULL GROUP BY g'
\set x4 'SELECT g, count(*) FROM TBL WHERE tableoid > 0 GROUP BY g'
\set x5 'SELECT g, count(*) FROM TBL WHERE d > ''2026-01-20'' AND i4 > random() GROUP BY g'
\set x6 'SELECT g, count(*) FROM TBL WHERE now() > ''2000-01-01'' AND g2 = 1 GROUP BY g'
SELECT agg_pushed(replace(q, 'TBL', 'lake_w')) AS pushed, agg_diff(q, 'lake_w', 'heap_w') AS diff
  FROM unnest(array[:'x1', :'x2', :'x3', :'x4', :'x5', :'x6']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
EXPLAIN (COSTS OFF) SELECT g, count(*) FROM lake_w WHERE d > '2026-01-20' AND i4 > random() GROUP BY g;
SET lake_fdw.enable_scan_filter = off;
SELECT agg_pushed(replace(:'w1', 'TBL', 'lake_w')) AS pushed, agg_diff(:'w1', 'lake_w', 'heap_w') AS diff;
RESET lake_fdw.enable_scan_filter;
-- an uncorrelated subquery's value is a parameter of the scan
SELECT agg_pushed(replace(q, 'TBL', 'lake_w')) AS pushed, agg_diff(q, 'lake_w', 'heap_w') AS diff
  FROM (VALUES ('SELECT g, count(*), sum(i4) FROM TBL WHERE i4 > (SELECT avg(i4) FROM heap_w) GROUP BY g')) v(q);

-- parameters: a prepared statement, generic plans ($1 in the conditions)
PREPARE wl(date, int) AS
  SELECT coalesce(string_agg(format('%s:%s:%s:%s', g, c, s, m), ',' ORDER BY g), '-') AS r
    FROM (SELECT g, count(*) c, sum(i4) s, max(t) m FROM lake_w
           WHERE d >= $1 AND g2 = $2 GROUP BY g) x;
PREPARE wh(date, int) AS
  SELECT coalesce(string_agg(format('%s:%s:%s:%s', g, c, s, m), ',' ORDER BY g), '-') AS r
    FROM (SELECT g, count(*) c, sum(i4) s, max(t) m FROM heap_w
           WHERE d >= $1 AND g2 = $2 GROUP BY g) x;
EXECUTE wl('2026-01-10', 1) \gset l_
EXECUTE wh('2026-01-10', 1) \gset h_
SELECT 1 AS execution, :'l_r' = :'h_r' AS same, length(:'l_r') > 1 AS rows;
EXECUTE wl('2026-01-01', 0) \gset l_
EXECUTE wh('2026-01-01', 0) \gset h_
SELECT 2 AS execution, :'l_r' = :'h_r' AS same, length(:'l_r') > 1 AS rows;
EXECUTE wl('2026-01-30', 2) \gset l_
EXECUTE wh('2026-01-30', 2) \gset h_
SELECT 3 AS execution, :'l_r' = :'h_r' AS same, length(:'l_r') > 1 AS rows;
EXECUTE wl('2026-01-20', 1) \gset l_
EXECUTE wh('2026-01-20', 1) \gset h_
SELECT 4 AS execution, :'l_r' = :'h_r' AS same, length(:'l_r') > 1 AS rows;
EXECUTE wl('2026-02-01', 1) \gset l_
EXECUTE wh('2026-02-01', 1) \gset h_
SELECT 5 AS execution, :'l_r' = :'h_r' AS same, length(:'l_r') > 1 AS rows;
EXECUTE wl('2026-01-15', 2) \gset l_
EXECUTE wh('2026-01-15', 2) \gset h_
SELECT 6 AS execution, :'l_r' = :'h_r' AS same, length(:'l_r') > 1 AS rows;
EXECUTE wl('2026-01-03', 0) \gset l_
EXECUTE wh('2026-01-03', 0) \gset h_
SELECT 7 AS execution, :'l_r' = :'h_r' AS same, length(:'l_r') > 1 AS rows;
EXECUTE wl('2026-01-25', 1) \gset l_
EXECUTE wh('2026-01-25', 1) \gset h_
SELECT 8 AS execution, :'l_r' = :'h_r' AS same, length(:'l_r') > 1 AS rows;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE wl('2026-01-20', 1);
EXECUTE wl('2026-01-20', 1) \gset l_
EXECUTE wh('2026-01-20', 1) \gset h_
SELECT :'l_r' = :'h_r' AS same;
EXECUTE wl('2026-03-01', 1) \gset l_
SELECT :'l_r' AS none;
RESET plan_cache_mode;
DEALLOCATE wl;
DEALLOCATE wh;
-- a PL/pgSQL function: its query's plan is cached, generic after five calls
CREATE FUNCTION w_lake(since date, k int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT coalesce(string_agg(format('%s:%s:%s', g, c, s), ',' ORDER BY g), '-')
            FROM (SELECT g, count(*) c, sum(i8) s FROM lake_w
                   WHERE d >= since AND i2 > k GROUP BY g) x);
END $$;
CREATE FUNCTION w_heap(since date, k int) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN (SELECT coalesce(string_agg(format('%s:%s:%s', g, c, s), ',' ORDER BY g), '-')
            FROM (SELECT g, count(*) c, sum(i8) s FROM heap_w
                   WHERE d >= since AND i2 > k GROUP BY g) x);
END $$;
SELECT count(*) FILTER (WHERE w_lake(date '2026-01-01' + x, x - 20) = w_heap(date '2026-01-01' + x, x - 20)) AS same,
       count(*) AS calls
  FROM generate_series(0, 44, 4) x;
-- rescans: a correlated subquery's value changes per outer row
SELECT v.k, (SELECT count(*) FROM lake_w WHERE lake_w.d = v.k AND i2 < 0) AS lake,
            (SELECT count(*) FROM heap_w WHERE heap_w.d = v.k AND i2 < 0) AS heap
  FROM (VALUES (date '2026-01-02'), ('2026-01-03'), ('2026-03-01'), ('2026-01-02')) v(k);
EXPLAIN (COSTS OFF)
SELECT v.k, (SELECT count(*) FROM lake_w WHERE lake_w.d = v.k AND i2 < 0)
  FROM (VALUES (date '2026-01-02'), ('2026-01-03')) v(k);

-- a primary-key table: the newest version of each key is chosen before the
-- WHERE (a stale version that would pass must not count), deletes hide keys,
-- the transaction's own writes count
CREATE TABLE heap_pw (d date, k int, g text, v int8, f float8, PRIMARY KEY (d, k));
CREATE FOREIGN TABLE lake_pw (d date, k int, g text, v int8, f float8, PRIMARY KEY (d, k))
  SERVER lake_agg OPTIONS (table '.agg/pw', partition_by 'd', buckets '2',
                           auto_compaction 'false');
INSERT INTO heap_pw SELECT date '2026-05-01' + x % 6, x, (array['p', 'q', NULL])[1 + x % 3],
  x % 200, x / 4.0 FROM generate_series(1, 6000) x;
INSERT INTO lake_pw SELECT * FROM heap_pw;
-- clicks 100 -> 10: a row passing v >= 100 before no longer does, and back
INSERT INTO lake_pw SELECT d, k, 'r', CASE WHEN v >= 100 THEN v - 90 ELSE v + 100 END, -f
  FROM heap_pw WHERE k % 3 = 0
  ON CONFLICT (d, k) DO UPDATE SET g = excluded.g, v = excluded.v, f = excluded.f;
UPDATE heap_pw SET g = 'r', v = CASE WHEN v >= 100 THEN v - 90 ELSE v + 100 END, f = -f WHERE k % 3 = 0;
DELETE FROM lake_pw WHERE k % 7 = 0;
DELETE FROM heap_pw WHERE k % 7 = 0;
\set p1 'SELECT g, count(*), sum(v), avg(f), max(k) FROM TBL WHERE v >= 100 GROUP BY g'
\set p2 'SELECT d, count(*), sum(v) FROM TBL WHERE d BETWEEN ''2026-05-02'' AND ''2026-05-04'' AND g IS NOT NULL GROUP BY d'
\set p3 'SELECT g, count(*), min(v), max(f) FROM TBL WHERE k BETWEEN 1000 AND 2500 AND v < 50 GROUP BY g'
\set p4 'SELECT count(*), sum(v), avg(f) FROM TBL WHERE g = ''r'' AND d = ''2026-05-03'''
\set p5 'SELECT g, count(*) FROM TBL WHERE k = 21 OR k = 22 GROUP BY g'
\set p6 'SELECT count(*), sum(v) FROM TBL WHERE v > 1000'
SELECT agg_pushed(replace(q, 'TBL', 'lake_pw')) AS pushed, agg_diff(q, 'lake_pw', 'heap_pw') AS diff
  FROM unnest(array[:'p1', :'p2', :'p3', :'p4', :'p5', :'p6']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
SELECT count(*) > 12 AS several_runs FROM lake_files('lake_pw');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT g, count(*), sum(v) FROM lake_pw WHERE v >= 100 AND d = '2026-05-02' GROUP BY g;
-- own writes: new versions, new keys, a delete, a rolled-back savepoint
BEGIN;
INSERT INTO lake_pw SELECT d, k, 'own', v + 150, f FROM heap_pw WHERE k % 5 = 0
  ON CONFLICT (d, k) DO UPDATE SET g = excluded.g, v = excluded.v, f = excluded.f;
UPDATE heap_pw SET g = 'own', v = v + 150 WHERE k % 5 = 0;
INSERT INTO lake_pw VALUES ('2026-05-02', 90001, 'own', 500, 1), ('2026-05-09', 90002, NULL, 5, 2);
INSERT INTO heap_pw VALUES ('2026-05-02', 90001, 'own', 500, 1), ('2026-05-09', 90002, NULL, 5, 2);
DELETE FROM lake_pw WHERE k % 11 = 0;
DELETE FROM heap_pw WHERE k % 11 = 0;
SAVEPOINT s;
INSERT INTO lake_pw SELECT d, k, 'gone', 1000, 0 FROM heap_pw WHERE k % 2 = 0
  ON CONFLICT (d, k) DO UPDATE SET g = excluded.g, v = excluded.v;
ROLLBACK TO SAVEPOINT s;
SELECT agg_pushed(replace(q, 'TBL', 'lake_pw')) AS pushed, agg_diff(q, 'lake_pw', 'heap_pw') AS diff
  FROM unnest(array[:'p1', :'p2', :'p3', :'p4', :'p5', :'p6']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
COMMIT;
SELECT agg_diff(q, 'lake_pw', 'heap_pw') AS diff
  FROM unnest(array[:'p1', :'p2', :'p3', :'p4', :'p5', :'p6']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
-- after compaction every file holds one version of its keys: conditions on
-- non-key columns prune too
SELECT lake_compact('lake_pw', true) > 0 AS compacted;
SELECT agg_pushed(replace(q, 'TBL', 'lake_pw')) AS pushed, agg_diff(q, 'lake_pw', 'heap_pw') AS diff
  FROM unnest(array[:'p1', :'p2', :'p3', :'p4', :'p5', :'p6']) WITH ORDINALITY AS u(q, n)
 ORDER BY n;
SELECT g, count(*), sum(v) FROM lake_pw WHERE v >= 100 GROUP BY g ORDER BY g;
DROP FOREIGN TABLE lake_w, lake_pw;
DROP TABLE heap_w, heap_pw;
DROP FUNCTION w_lake(date, int), w_heap(date, int);

DROP FOREIGN TABLE lake_a, lake_e, lake_o, lake_s, lake_pk, lake_pkd, lake_pkr, lake_pkf;
DROP TABLE heap_a, heap_o, heap_s, heap_pk, heap_pkd, heap_pkr;
DROP FUNCTION agg_diff(text, text, text);
DROP FUNCTION agg_pushed(text);
DROP SERVER lake_agg;
