-- Adversarial cases for the top-N pushdown, aggregate pushdown with WHERE
-- and the partition index / file-list deltas, each compared with the same
-- statements on a heap table (PostgreSQL is the oracle): ties across files
-- with OFFSET, NULLs in some files only, ICU collations against byte-order
-- statistics, NaN and infinities, long values whose statistics are
-- truncated, extreme LIMIT/OFFSET, generic-plan parameters, rescans,
-- cursors, versions whose newest sort key is worse than an older one's,
-- deletes, the transaction's own uncommitted rows, REPEATABLE READ, added
-- columns, NULL and look-alike partition values, a partition dropped and
-- recreated in one transaction, other sessions' commits, compaction and
-- time travel to before a partition existed.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
CREATE SERVER lake_review7 FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');

-- q (TBL replaced) gives the same rows in the same order on both tables
CREATE FUNCTION r7_same(q text, lake text, heap text) RETURNS bool
LANGUAGE plpgsql AS $$
DECLARE a text[]; b text[];
BEGIN
  EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', replace(q, 'TBL', lake)) INTO a;
  EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', replace(q, 'TBL', heap)) INTO b;
  IF a IS DISTINCT FROM b THEN RAISE WARNING 'lake % heap %', a, b; END IF;
  RETURN a IS NOT DISTINCT FROM b;
END $$;
-- rows one side has and the other lacks (order ignored)
CREATE FUNCTION r7_diff(q text, lake text, heap text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE ql text := replace(q, 'TBL', lake); qh text := replace(q, 'TBL', heap); n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM ((SELECT (x.*)::text FROM (%s) x EXCEPT ALL '
                 'SELECT (y.*)::text FROM (%s) y) UNION ALL (SELECT (y.*)::text FROM (%s) y '
                 'EXCEPT ALL SELECT (x.*)::text FROM (%s) x)) d', ql, qh, qh, ql) INTO n;
  RETURN n;
END $$;
-- does EXPLAIN of q show line?
CREATE FUNCTION r7_plan_has(q text, line text) RETURNS bool
LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    IF l LIKE '%' || line || '%' THEN RETURN true; END IF;
  END LOOP;
  RETURN false;
END $$;

SET lake_fdw.row_group_rows = 1024;

-- 1. Top-N over an append table of three files: NULLs, NaN and infinities
-- only in some files, ICU text, ties broken by id
CREATE TABLE r7h_n (id int, a int, n numeric(10,2), t text COLLATE "en-x-icu", f float4, d date);
CREATE FOREIGN TABLE r7l_n (id int, a int, n numeric(10,2), t text COLLATE "en-x-icu", f float4, d date)
  SERVER lake_review7 OPTIONS (table '.review7/n');
INSERT INTO r7h_n SELECT x, x % 7, (x % 13) - 6,
  (ARRAY['B', 'a', 'b', 'A', 'é'])[1 + x % 5] || x, (x % 11) / 3.0, date '2020-01-01' + x
  FROM generate_series(1, 5000) x;
INSERT INTO r7h_n SELECT x, NULL, NULL, NULL, 'NaN', NULL FROM generate_series(5001, 6000) x;
INSERT INTO r7h_n SELECT x, x % 3, CASE WHEN x % 2 = 0 THEN 99999 ELSE -99999 END, 'zz' || x,
  CASE WHEN x % 2 = 0 THEN 'Infinity'::float4 ELSE '-Infinity' END, 'infinity'
  FROM generate_series(6001, 7000) x;
INSERT INTO r7l_n SELECT * FROM r7h_n WHERE id <= 5000;
INSERT INTO r7l_n SELECT * FROM r7h_n WHERE id BETWEEN 5001 AND 6000;
INSERT INTO r7l_n SELECT * FROM r7h_n WHERE id > 6000;
SELECT q, r7_plan_has(replace(q, 'TBL', 'r7l_n'), 'Lake Top-N:') AS pushed, r7_same(q, 'r7l_n', 'r7h_n') AS same
FROM (VALUES
  ('SELECT id, a FROM TBL ORDER BY a, id LIMIT 10 OFFSET 995'),
  ('SELECT id, a FROM TBL ORDER BY a DESC NULLS FIRST, id LIMIT 10 OFFSET 995'),
  ('SELECT id, a FROM TBL ORDER BY a DESC NULLS LAST, id LIMIT 10 OFFSET 5995'),
  ('SELECT id, a FROM TBL ORDER BY a NULLS FIRST, id DESC LIMIT 20 OFFSET 990'),
  ('SELECT id, a FROM TBL ORDER BY a ASC NULLS LAST, id LIMIT 30 OFFSET 5990'),
  ('SELECT id, n FROM TBL ORDER BY n DESC, id LIMIT 1520'),
  ('SELECT id, n FROM TBL ORDER BY n DESC NULLS LAST, id LIMIT 10 OFFSET 1490'),
  ('SELECT id, n FROM TBL WHERE n > 5 ORDER BY n DESC, id LIMIT 200'),
  ('SELECT id, f FROM TBL ORDER BY f DESC, id LIMIT 1600'),
  ('SELECT id, f FROM TBL ORDER BY f, id LIMIT 60'),
  ('SELECT id, t FROM TBL ORDER BY t, id LIMIT 40'),
  ('SELECT id, t FROM TBL ORDER BY t DESC, id LIMIT 40'),
  ('SELECT id, t FROM TBL ORDER BY t COLLATE "C", id LIMIT 40'),
  ('SELECT id, t FROM TBL WHERE t > ''b'' ORDER BY t, id LIMIT 40'),
  ('SELECT id, d FROM TBL ORDER BY d DESC NULLS LAST, id LIMIT 40'),
  ('SELECT id FROM TBL ORDER BY a, t DESC, n LIMIT 15'),
  ('SELECT t FROM TBL ORDER BY d, id LIMIT 15 OFFSET 5000'),
  -- extreme LIMIT / OFFSET: LIMIT + OFFSET beyond int8
  ('SELECT id FROM TBL ORDER BY id LIMIT 9223372036854775807 OFFSET 6990'),
  ('SELECT id FROM TBL ORDER BY id LIMIT 3 OFFSET 9223372036854775807'),
  ('SELECT id FROM TBL ORDER BY id LIMIT 9223372036854775807 OFFSET 9223372036854775806'),
  ('SELECT id FROM TBL ORDER BY id LIMIT 4611686018427387904 OFFSET 4611686018427387904'),
  ('SELECT id, a FROM TBL ORDER BY a DESC, id LIMIT 2147483648 OFFSET 6995'),
  ('SELECT id FROM TBL ORDER BY id LIMIT ALL OFFSET 6995'),
  ('SELECT id FROM TBL ORDER BY id LIMIT 1.5')
) v(q);
-- generic plan, parameters changing between executions
SET plan_cache_mode = force_generic_plan;
PREPARE r7_p(bigint, bigint) AS SELECT id FROM r7l_n ORDER BY a DESC NULLS LAST, id LIMIT $1 OFFSET $2;
SELECT r7_plan_has('EXECUTE r7_p(1, 1)', 'Lake Top-N:') AS generic_pushed;
DO $$
DECLARE l bigint; o bigint; a text; b text;
BEGIN
  FOR l, o IN SELECT * FROM (VALUES (5::bigint, 0::bigint), (0, 0), (NULL, 6990), (3, NULL),
      (9223372036854775807, 6998), (2, 9223372036854775807),
      (9223372036854775807, 9223372036854775807), (100, 5950), (1, 0)) v LOOP
    EXECUTE 'SELECT string_agg(id::text, '','') FROM (SELECT id FROM r7l_n ORDER BY a DESC NULLS LAST, id LIMIT $1 OFFSET $2) x'
      INTO a USING l, o;
    EXECUTE 'SELECT string_agg(id::text, '','') FROM (SELECT id FROM r7h_n ORDER BY a DESC NULLS LAST, id LIMIT $1 OFFSET $2) x'
      INTO b USING l, o;
    IF a IS DISTINCT FROM b THEN RAISE WARNING 'limit % offset %: % vs %', l, o, a, b; END IF;
  END LOOP;
END $$;
EXECUTE r7_p(9223372036854775807, 6998);
EXECUTE r7_p(-1, 0);
DEALLOCATE r7_p;
RESET plan_cache_mode;

-- 2. text whose byte order is not the collation's order, one kind per file
CREATE TABLE r7h_c (id int, t text COLLATE "en-x-icu", u text COLLATE "C");
CREATE FOREIGN TABLE r7l_c (id int, t text COLLATE "en-x-icu", u text COLLATE "C")
  SERVER lake_review7 OPTIONS (table '.review7/c');
INSERT INTO r7h_c SELECT x, p || lpad(x::text, 5, '0'), p || lpad(x::text, 5, '0')
  FROM generate_series(1, 6000) x, LATERAL (SELECT (ARRAY['Z', 'a', 'É'])[1 + (x - 1) / 2000] p) s;
INSERT INTO r7l_c SELECT * FROM r7h_c WHERE id <= 2000;
INSERT INTO r7l_c SELECT * FROM r7h_c WHERE id BETWEEN 2001 AND 4000;
INSERT INTO r7l_c SELECT * FROM r7h_c WHERE id > 4000;
SELECT q, r7_same(q, 'r7l_c', 'r7h_c') AS same
FROM (VALUES
  ('SELECT id, t FROM TBL ORDER BY t LIMIT 5'),
  ('SELECT id, t FROM TBL ORDER BY t DESC LIMIT 5'),
  ('SELECT id, t FROM TBL ORDER BY t LIMIT 5 OFFSET 1998'),
  ('SELECT id, t FROM TBL ORDER BY t DESC LIMIT 5 OFFSET 1998'),
  ('SELECT id, u FROM TBL ORDER BY u DESC LIMIT 5'),
  ('SELECT id, u FROM TBL ORDER BY u COLLATE "en-x-icu" LIMIT 5'),
  ('SELECT id, t FROM TBL ORDER BY t COLLATE "C" DESC LIMIT 5'),
  ('SELECT id, t FROM TBL WHERE t < ''b'' ORDER BY t DESC LIMIT 5'),
  ('SELECT id, t FROM TBL WHERE t > ''Z'' ORDER BY t LIMIT 5'),
  ('SELECT min(t), max(t), count(*) FILTER (WHERE t > ''b'') FROM TBL'),
  ('SELECT min(t), max(t), count(*) FROM TBL WHERE id > 100'),
  ('SELECT min(u), max(u), count(*) FROM TBL WHERE t > ''a''')
) v(q);

-- 3. long values: statistics truncated, the order decided past the prefix
CREATE TABLE r7h_l (id int, t text COLLATE "C", b bytea);
CREATE FOREIGN TABLE r7l_l (id int, t text COLLATE "C", b bytea)
  SERVER lake_review7 OPTIONS (table '.review7/l');
INSERT INTO r7h_l SELECT x, repeat('x', 300) || lpad(((x * 7919) % 5000)::text, 5, '0')
    || CASE WHEN x % 3 = 0 THEN repeat('y', 100) ELSE '' END,
  decode(repeat('ff', 200) || lpad(to_hex((x * 31) % 4096), 4, '0'), 'hex')
  FROM generate_series(1, 3000) x;
INSERT INTO r7h_l VALUES (5001, repeat('x', 300) || '~', NULL),
  (5002, repeat('x', 299) || 'w', decode(repeat('ff', 201), 'hex')),
  (5003, repeat('x', 300) || '99999' || repeat(U&'\00ff', 3), decode(repeat('ff', 300), 'hex'));
INSERT INTO r7l_l SELECT * FROM r7h_l WHERE id <= 1500;
INSERT INTO r7l_l SELECT * FROM r7h_l WHERE id > 1500 AND id <= 3000;
INSERT INTO r7l_l SELECT * FROM r7h_l WHERE id > 5000;
SELECT q, r7_same(q, 'r7l_l', 'r7h_l') AS same
FROM (VALUES
  ('SELECT id FROM TBL ORDER BY t DESC, id LIMIT 5'),
  ('SELECT id FROM TBL ORDER BY t, id LIMIT 5'),
  ('SELECT id FROM TBL ORDER BY t DESC, id LIMIT 5 OFFSET 1000'),
  ('SELECT id FROM TBL ORDER BY b DESC NULLS LAST, id LIMIT 5'),
  ('SELECT id FROM TBL ORDER BY b, id LIMIT 5'),
  ('SELECT id FROM TBL WHERE t > repeat(''x'', 300) || ''04990'' ORDER BY t, id LIMIT 50'),
  ('SELECT id FROM TBL WHERE b > decode(repeat(''ff'', 200) || ''0ff0'', ''hex'') ORDER BY b, id LIMIT 50'),
  ('SELECT md5(min(t)), md5(max(t)), count(*) FROM TBL'),
  ('SELECT md5(min(t)), md5(max(t)), count(*) FROM TBL WHERE id > 100'),
  ('SELECT count(*) FROM TBL WHERE t >= repeat(''x'', 300) || ''~'''),
  ('SELECT count(*) FROM TBL WHERE b >= decode(repeat(''ff'', 201), ''hex'')')
) v(q);

-- 4. a primary-key table: newest versions worse than older ones, deletes
CREATE TABLE r7h_pk (k int PRIMARY KEY, v int, w text);
CREATE FOREIGN TABLE r7l_pk (k int, v int, w text, PRIMARY KEY (k))
  SERVER lake_review7 OPTIONS (table '.review7/pk', buckets '2');
INSERT INTO r7h_pk SELECT x, x, 'w' || x FROM generate_series(1, 4000) x;
INSERT INTO r7l_pk SELECT x, x, 'w' || x FROM generate_series(1, 4000) x;
UPDATE r7h_pk SET v = 10000 + k WHERE k <= 20;
UPDATE r7l_pk SET v = 10000 + k WHERE k <= 20;
UPDATE r7h_pk SET v = -k WHERE k BETWEEN 3990 AND 3995;
UPDATE r7l_pk SET v = -k WHERE k BETWEEN 3990 AND 3995;
DELETE FROM r7h_pk WHERE k BETWEEN 21 AND 25 OR k = 3991;
DELETE FROM r7l_pk WHERE k BETWEEN 21 AND 25 OR k = 3991;
UPDATE r7h_pk SET v = 5 WHERE k = 3000;
UPDATE r7l_pk SET v = 5 WHERE k = 3000;
CREATE FUNCTION r7_pk_checks() RETURNS TABLE (q text, pushed bool, same bool)
LANGUAGE sql AS $$
SELECT q, r7_plan_has(replace(q, 'TBL', 'r7l_pk'), 'Lake Top-N:'), r7_same(q, 'r7l_pk', 'r7h_pk')
FROM (VALUES
  ('SELECT * FROM TBL ORDER BY v, k LIMIT 10'),
  ('SELECT * FROM TBL ORDER BY v DESC, k LIMIT 25'),
  ('SELECT k FROM TBL ORDER BY v, k LIMIT 10 OFFSET 3'),
  ('SELECT k FROM TBL WHERE v < 30 ORDER BY v DESC, k LIMIT 10'),
  ('SELECT w FROM TBL WHERE v > 3980 ORDER BY v, k LIMIT 30'),
  ('SELECT * FROM TBL ORDER BY w DESC, k LIMIT 10')
) v(q)
$$;
SELECT * FROM r7_pk_checks();
-- the transaction's own uncommitted inserts, updates and deletes
BEGIN;
INSERT INTO r7h_pk VALUES (9001, -100, 'x'), (9002, 99999, 'y');
INSERT INTO r7l_pk VALUES (9001, -100, 'x'), (9002, 99999, 'y');
UPDATE r7h_pk SET v = -50 WHERE k = 100;
UPDATE r7l_pk SET v = -50 WHERE k = 100;
UPDATE r7h_pk SET v = 999999 WHERE k = 3992;
UPDATE r7l_pk SET v = 999999 WHERE k = 3992;
DELETE FROM r7h_pk WHERE k = 3993;
DELETE FROM r7l_pk WHERE k = 3993;
SELECT * FROM r7_pk_checks();
-- a scrollable cursor over a top-N plan, both ways
DECLARE r7_c1 SCROLL CURSOR FOR SELECT k, v FROM r7l_pk ORDER BY v, k LIMIT 6;
FETCH 4 FROM r7_c1;
FETCH BACKWARD 3 FROM r7_c1;
FETCH LAST FROM r7_c1;
FETCH ABSOLUTE 2 FROM r7_c1;
FETCH ALL FROM r7_c1;
MOVE ABSOLUTE 0 IN r7_c1;
FETCH 2 FROM r7_c1;
ROLLBACK;
-- REPEATABLE READ: another session's commit stays invisible to top-N and aggregates
SELECT dblink_connect('r7other', format('dbname=%s port=%s host=%s', current_database(),
       current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1)));
SELECT dblink_exec('r7other', 'SET client_min_messages = warning');
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT k, v FROM r7l_pk ORDER BY v, k LIMIT 3;
SELECT dblink_exec('r7other', 'UPDATE r7l_pk SET v = -7777 WHERE k = 500');
SELECT k, v FROM r7l_pk ORDER BY v, k LIMIT 3;
SELECT count(*), sum(v) FROM r7l_pk WHERE v < 100;
COMMIT;
UPDATE r7h_pk SET v = -7777 WHERE k = 500;
SELECT * FROM r7_pk_checks();
SELECT r7_diff('SELECT count(*), sum(v) FROM TBL WHERE v < 100', 'r7l_pk', 'r7h_pk') AS agg_diff;
-- rescans: a nested loop's inner side, LIMIT and WHERE from the outer row
CREATE TABLE r7_outer AS SELECT g FROM generate_series(0, 4) g;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT r7_plan_has('SELECT o.g, s.k FROM r7_outer o, LATERAL (SELECT k FROM r7l_pk WHERE k > o.g ORDER BY w, k LIMIT o.g + 1) s',
                   'Lake Top-N:') AS lateral_pushed;
SELECT r7_diff('SELECT o.g, s.k FROM r7_outer o, LATERAL (SELECT k FROM TBL WHERE k > o.g ORDER BY w, k LIMIT o.g + 1) s',
               'r7l_pk', 'r7h_pk') AS lateral_diff;
SELECT r7_diff('SELECT o.g, (SELECT array_agg(k) FROM (SELECT k FROM TBL WHERE v > o.g * 1000 ORDER BY v DESC, k LIMIT o.g OFFSET o.g) s) FROM r7_outer o',
               'r7l_pk', 'r7h_pk') AS correlated_diff;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- 5. aggregates with WHERE over versions, deletes, an added column, NULL groups
CREATE TABLE r7h_a (k int PRIMARY KEY, g int, v int, f float8, s text COLLATE "C");
CREATE FOREIGN TABLE r7l_a (k int, g int, v int, f float8, s text COLLATE "C", PRIMARY KEY (k))
  SERVER lake_review7 OPTIONS (table '.review7/a', buckets '2');
INSERT INTO r7h_a SELECT x, x % 5, x, CASE WHEN x % 97 = 0 THEN 'NaN' ELSE x / 3.0 END, 's' || (x % 7)
  FROM generate_series(1, 5000) x;
INSERT INTO r7l_a SELECT * FROM r7h_a;
UPDATE r7h_a SET g = 9, v = -v WHERE k % 10 = 3;
UPDATE r7l_a SET g = 9, v = -v WHERE k % 10 = 3;
UPDATE r7h_a SET v = v + 100000 WHERE k <= 100;
UPDATE r7l_a SET v = v + 100000 WHERE k <= 100;
DELETE FROM r7h_a WHERE k % 50 = 7;
DELETE FROM r7l_a WHERE k % 50 = 7;
UPDATE r7h_a SET g = NULL, v = NULL WHERE k BETWEEN 4000 AND 4010;
UPDATE r7l_a SET g = NULL, v = NULL WHERE k BETWEEN 4000 AND 4010;
ALTER TABLE r7h_a ADD COLUMN z int;
ALTER FOREIGN TABLE r7l_a ADD COLUMN z int;
INSERT INTO r7h_a VALUES (6001, 1, 1, 1, 'n', 5), (6002, 77, NULL, NULL, NULL, NULL), (6003, 77, NULL, NULL, NULL, 7);
INSERT INTO r7l_a VALUES (6001, 1, 1, 1, 'n', 5), (6002, 77, NULL, NULL, NULL, NULL), (6003, 77, NULL, NULL, NULL, 7);
UPDATE r7h_a SET z = k WHERE k BETWEEN 10 AND 30;
UPDATE r7l_a SET z = k WHERE k BETWEEN 10 AND 30;
CREATE FUNCTION r7_agg_checks() RETURNS TABLE (q text, pushed bool, diff bigint)
LANGUAGE sql AS $$
SELECT q, r7_plan_has(replace(q, 'TBL', 'r7l_a'), 'Lake Aggregate:'), r7_diff(q, 'r7l_a', 'r7h_a')
FROM (VALUES
  ('SELECT g, count(*), sum(v), min(v), max(v), avg(v) FROM TBL GROUP BY g'),
  ('SELECT g, count(*), sum(v), min(v), max(v) FROM TBL WHERE v > 0 GROUP BY g'),
  ('SELECT g, count(*), count(v), sum(v) FROM TBL WHERE v IS NULL GROUP BY g'),
  ('SELECT count(*), sum(v), min(s), max(z) FROM TBL WHERE k > 99999'),
  ('SELECT g, count(*) FROM TBL WHERE k > 99999 GROUP BY g'),
  ('SELECT count(*), sum(z), min(z), max(z), count(z) FROM TBL'),
  ('SELECT count(*), sum(v) FROM TBL WHERE z IS NULL'),
  ('SELECT count(*), sum(v) FROM TBL WHERE z > 15'),
  ('SELECT g, count(*), sum(z) FROM TBL WHERE z IS NOT NULL GROUP BY g'),
  ('SELECT z, count(*) FROM TBL GROUP BY z'),
  ('SELECT s, count(*), min(f), max(f), sum(f) FROM TBL GROUP BY s'),
  ('SELECT s, count(*), max(f) FROM TBL WHERE f = ''NaN'' GROUP BY s'),
  ('SELECT g, max(s), min(s) FROM TBL WHERE s >= ''s3'' AND g IS NOT NULL GROUP BY g'),
  ('SELECT g, count(*) FROM TBL WHERE g IN (1, 1, NULL, 9) GROUP BY g'),
  ('SELECT g, count(*) FROM TBL WHERE g NOT IN (1, 2) GROUP BY g'),
  ('SELECT count(*) FROM TBL WHERE v BETWEEN -100 AND 100 OR s = ''n''')
) v(q)
$$;
SELECT * FROM r7_agg_checks();
-- parameters of a generic plan and of a correlated subquery
SET plan_cache_mode = force_generic_plan;
DO $$
DECLARE p int; a text[]; b text[];
BEGIN
  FOREACH p IN ARRAY ARRAY[0, -1000000, 1000000, NULL, 4000, 0, 2500] LOOP
    EXECUTE 'SELECT array_agg(x::text ORDER BY x::text) FROM (SELECT g, count(*), sum(v) FROM r7l_a WHERE v > $1 GROUP BY g) x'
      INTO a USING p;
    EXECUTE 'SELECT array_agg(x::text ORDER BY x::text) FROM (SELECT g, count(*), sum(v) FROM r7h_a WHERE v > $1 GROUP BY g) x'
      INTO b USING p;
    IF a IS DISTINCT FROM b THEN RAISE WARNING 'parameter %: % vs %', p, a, b; END IF;
  END LOOP;
END $$;
RESET plan_cache_mode;
SELECT r7_diff('SELECT o.g, (SELECT sum(v) FROM TBL WHERE v > o.g * 1000 AND g = o.g) FROM r7_outer o',
               'r7l_a', 'r7h_a') AS correlated_agg_diff;
-- the transaction's own changes
BEGIN;
UPDATE r7h_a SET v = 1 WHERE k < 200;
UPDATE r7l_a SET v = 1 WHERE k < 200;
DELETE FROM r7h_a WHERE g = 2 AND k > 4500;
DELETE FROM r7l_a WHERE g = 2 AND k > 4500;
INSERT INTO r7h_a VALUES (7000, 2, 5, 0, 'x', 1);
INSERT INTO r7l_a VALUES (7000, 2, 5, 0, 'x', 1);
SELECT * FROM r7_agg_checks() WHERE diff <> 0 OR NOT pushed;
ROLLBACK;

-- 6. partition index: ICU text and int partition values, NULL partitions,
-- look-alike values ('9', '10', '010', ' a'), conditions of every shape
CREATE TABLE r7h_p (p text COLLATE "en-x-icu", i int, k int, v int);
CREATE FOREIGN TABLE r7l_p (p text COLLATE "en-x-icu", i int, k int, v int)
  SERVER lake_review7 OPTIONS (table '.review7/p', partition_by 'p,i');
INSERT INTO r7h_p SELECT (ARRAY['a', 'B', 'b', 'Z', 'é', 'E', '10', '9', '010', ' a', 'A', NULL])[1 + g % 12],
  (ARRAY[-5, 0, 3, NULL, 10, -10])[1 + g % 6], g, g FROM generate_series(0, 719) g;
INSERT INTO r7l_p SELECT * FROM r7h_p WHERE k < 360;
INSERT INTO r7l_p SELECT * FROM r7h_p WHERE k >= 360;
SELECT w, r7_diff('SELECT * FROM TBL WHERE ' || w, 'r7l_p', 'r7h_p') AS diff
FROM unnest(ARRAY[
  $$p = 'a'$$, $$p > 'a'$$, $$p < 'b'$$, $$p >= 'B'$$, $$p <= 'Z'$$, $$p > 'Z'$$, $$p < 'E'$$, $$p > '9'$$,
  $$p BETWEEN 'a' AND 'c'$$, $$p BETWEEN '0' AND 'A'$$, $$p IN ('a', 'é', 'a', NULL)$$,
  $$p = ANY(ARRAY['10', '9', NULL])$$, $$p IS NULL$$, $$p IS NOT NULL$$, $$p <> 'a'$$,
  $$p NOT IN ('a', 'b')$$, $$p LIKE 'a%'$$, $$lower(p) = 'a'$$, $$p = 'a' OR k = 5$$,
  $$p IS DISTINCT FROM 'a'$$, $$p COLLATE "C" > 'Z'$$, $$p COLLATE "C" < 'a'$$, $$p > 'é'$$,
  $$i = -5$$, $$i < 0$$, $$i > -6$$, $$i IN (3, 3, NULL)$$, $$i IS NULL$$, $$i BETWEEN -5 AND 3$$,
  $$i <> 0$$, $$i = 3 AND p = 'b'$$, $$i > 0 AND p < 'b'$$, $$i::text = '10'$$, $$i = 3.0$$,
  $$i = 2.5$$, $$i < 2.5$$, $$i > -5.5$$, $$i > 2147483647::bigint$$, $$i < -3000000000::bigint$$
]) w;
SELECT r7_diff('SELECT p, i, count(*), sum(v) FROM TBL WHERE p > ''a'' GROUP BY p, i', 'r7l_p', 'r7h_p') AS agg_diff,
       r7_same('SELECT * FROM TBL WHERE i < 3 ORDER BY p DESC, k LIMIT 20', 'r7l_p', 'r7h_p') AS topn_same,
       r7_same('SELECT * FROM TBL ORDER BY p NULLS FIRST, k LIMIT 100', 'r7l_p', 'r7h_p') AS topn_nulls_same;

-- 7. date partitions across a year boundary: a partition dropped and
-- recreated in one transaction, other sessions' commits (cached file list
-- followed by deltas), compaction, time travel to before a partition existed
CREATE FOREIGN TABLE r7l_d (d date, k int, v text, PRIMARY KEY (d, k))
  SERVER lake_review7 OPTIONS (table '.review7/d', partition_by 'd', buckets '2', auto_compaction 'false');
CREATE TABLE r7h_d (d date, k int, v text, PRIMARY KEY (d, k));
INSERT INTO r7l_d SELECT date '2026-12-30' + g % 5, g, 'a' || g FROM generate_series(0, 99) g;
INSERT INTO r7h_d SELECT date '2026-12-30' + g % 5, g, 'a' || g FROM generate_series(0, 99) g;
-- per condition: counts that differ, rows that differ (0:0 when right)
CREATE FUNCTION r7_dates() RETURNS text LANGUAGE sql AS $$
SELECT string_agg(r7_diff('SELECT count(*) FROM TBL WHERE ' || w, 'r7l_d', 'r7h_d') || ':' ||
                  r7_diff('SELECT * FROM TBL WHERE ' || w, 'r7l_d', 'r7h_d'), ' ')
FROM unnest(ARRAY[
  $q$d = '2026-12-31'$q$, $q$d = '2027-01-01'$q$, $q$d > '2026-12-31'$q$, $q$d >= '2027-01-01'$q$,
  $q$d < '2027-01-01'$q$, $q$d IN ('2026-12-31', '2027-01-01', '2026-12-31')$q$, $q$d = '2027-01-05'$q$,
  $q$d BETWEEN '2026-12-31' AND '2027-01-02'$q$, $q$true$q$, $q$d = '2027-01-01' AND k = 2$q$,
  $q$d = 'infinity'$q$, $q$d < '-infinity'$q$]) w
$$;
SELECT r7_dates() AS loaded;
PREPARE r7_g(date) AS SELECT count(*), string_agg(v, ',' ORDER BY k) FROM r7l_d WHERE d = $1;
SET plan_cache_mode = force_generic_plan;
SELECT now() AS r7_t0 \gset
SELECT pg_sleep(0.01);
BEGIN;
DELETE FROM r7l_d WHERE d = '2027-01-01';
DELETE FROM r7h_d WHERE d = '2027-01-01';
SELECT r7_dates() AS dropped;
INSERT INTO r7l_d VALUES ('2027-01-01', 1, 'new1'), ('2027-01-01', 500, 'new500');
INSERT INTO r7h_d VALUES ('2027-01-01', 1, 'new1'), ('2027-01-01', 500, 'new500');
SELECT r7_dates() AS recreated;
EXECUTE r7_g('2027-01-01');
INSERT INTO r7l_d VALUES ('2027-01-01', 1, 'upd1'), ('2027-01-01', 2, 'ins2') ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v;
INSERT INTO r7h_d VALUES ('2027-01-01', 1, 'upd1'), ('2027-01-01', 2, 'ins2') ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v;
SELECT r7_dates() AS upserted;
COMMIT;
SELECT r7_dates() AS committed;
EXECUTE r7_g('2027-01-01');
SELECT now() AS r7_t1 \gset
SELECT pg_sleep(0.01);
SELECT dblink_exec('r7other', $$INSERT INTO r7l_d VALUES ('2027-01-05', 1, 'o1'), ('2026-12-31', 1, 'o2')
                                ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v$$);
INSERT INTO r7h_d VALUES ('2027-01-05', 1, 'o1'), ('2026-12-31', 1, 'o2') ON CONFLICT (d, k) DO UPDATE SET v = EXCLUDED.v;
SELECT r7_dates() AS other_new_partition;
EXECUTE r7_g('2027-01-05');
SELECT dblink_exec('r7other', $$DELETE FROM r7l_d WHERE d = '2026-12-31'$$) IS NOT NULL AS other_dropped;
DELETE FROM r7h_d WHERE d = '2026-12-31';
SELECT dblink_exec('r7other', 'BEGIN');
SELECT dblink_exec('r7other', $$DELETE FROM r7l_d WHERE d = '2027-01-02'$$);
SELECT dblink_exec('r7other', $$INSERT INTO r7l_d VALUES ('2027-01-02', 7, 'again')$$);
SELECT dblink_exec('r7other', 'COMMIT');
DELETE FROM r7h_d WHERE d = '2027-01-02';
INSERT INTO r7h_d VALUES ('2027-01-02', 7, 'again');
SELECT r7_dates() AS other_recreated;
SELECT * FROM dblink('r7other', $$SELECT lake_compact('r7l_d', true)$$) AS t(n int);
SELECT r7_dates() AS compacted;
EXECUTE r7_g('2027-01-02');
SET lake_fdw.as_of = :'r7_t0';
SELECT count(*), count(*) FILTER (WHERE d = '2027-01-05') AS d5 FROM r7l_d WHERE d >= '2027-01-01';
EXECUTE r7_g('2027-01-05');
EXECUTE r7_g('2027-01-01');
SET lake_fdw.as_of = :'r7_t1';
EXECUTE r7_g('2027-01-05');
EXECUTE r7_g('2027-01-01');
RESET lake_fdw.as_of;
EXECUTE r7_g('2027-01-05');
SELECT r7_dates() AS present;
RESET plan_cache_mode;
DEALLOCATE r7_g;
SELECT dblink_disconnect('r7other');
