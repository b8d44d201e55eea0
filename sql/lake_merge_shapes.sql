-- Primary-key merges for every shape of integer key the merge builds its
-- normalised keys for (one or two int/bigint/date columns, three columns,
-- and 128 bits: normalised but not packed), against heap tables with a real
-- PRIMARY KEY.  Each table: a base run of three batches, eight newer runs
-- spread over it (some keys every newer run holds, keys before and after
-- the base), a run of one row, a run hiding a whole range of the base,
-- several versions of keys inside one run, tombstones, NULLs in non-key
-- columns, negative keys.  Read by aggregate pushdown (unordered merge),
-- plain scans, a non-key filter (rows not all visible) and ordered reads;
-- last, a base written in several files, and bases wholly hidden in turn.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER lake_ms FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE TABLE shape_results (t text, check_name text, ok bool);


-- s1: (a int)
CREATE FOREIGN TABLE l_s1 (a int, g text, c bigint, PRIMARY KEY (a)) SERVER lake_ms
  OPTIONS (table '.ms/s1', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_s1 (a int, g text, c bigint, PRIMARY KEY (a));
INSERT INTO l_s1 SELECT i - 12000, 'g' || (i % 3), i FROM generate_series(0, 23999) i;
INSERT INTO h_s1 AS t SELECT i - 12000, 'g' || (i % 3), i FROM generate_series(0, 23999) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s1 AS t SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s1 AS t SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s1 AS t SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s1 AS t SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s1 AS t SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s1 AS t SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s1 AS t SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s1 AS t SELECT i - 12000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, 'one', -7 FROM generate_series(11111, 11111) i;
INSERT INTO h_s1 AS t SELECT i - 12000, 'one', -7 FROM generate_series(11111, 11111) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, 'hide', i FROM generate_series(3000, 3999) i;
INSERT INTO h_s1 AS t SELECT i - 12000, 'hide', i FROM generate_series(3000, 3999) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s1 SELECT i - 12000, NULL, -i FROM generate_series(-60, -1) i;
INSERT INTO h_s1 AS t SELECT i - 12000, NULL, -i FROM generate_series(-60, -1) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM l_s1 WHERE c % 11 = 0;
DELETE FROM h_s1 WHERE c % 11 = 0;
BEGIN;
INSERT INTO l_s1 AS t SELECT i - 12000, 'v1', 1 FROM generate_series(8180, 8200) i;
INSERT INTO l_s1 AS t SELECT i - 12000, NULL, 2 FROM generate_series(8185, 8195) i;
DELETE FROM l_s1 WHERE c = 2 AND g IS NULL AND (a) = (SELECT i - 12000 FROM (SELECT 8190 AS i) s);
COMMIT;
BEGIN;
INSERT INTO h_s1 AS t SELECT i - 12000, 'v1', 1 FROM generate_series(8180, 8200) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO h_s1 AS t SELECT i - 12000, NULL, 2 FROM generate_series(8185, 8195) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM h_s1 WHERE c = 2 AND g IS NULL AND (a) = (SELECT i - 12000 FROM (SELECT 8190 AS i) s);
COMMIT;
INSERT INTO shape_results SELECT 's1', 'runs', count(*) > 10 FROM lake_files('l_s1');
INSERT INTO shape_results SELECT 's1', 'agg', count(*) = 0 FROM ((SELECT g, count(*), sum(c), min(c), max(c) FROM l_s1 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM h_s1 GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(c), max(c) FROM h_s1 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM l_s1 GROUP BY g)) d;
INSERT INTO shape_results SELECT 's1', 'rows', count(*) = 0 FROM ((SELECT * FROM l_s1 EXCEPT ALL SELECT * FROM h_s1)
  UNION ALL (SELECT * FROM h_s1 EXCEPT ALL SELECT * FROM l_s1)) d;
INSERT INTO shape_results SELECT 's1', 'filter',
  (SELECT row(count(*), sum(c)) FROM l_s1 WHERE c >= 0 AND g IS NOT NULL) = (SELECT row(count(*), sum(c)) FROM h_s1 WHERE c >= 0 AND g IS NOT NULL);
INSERT INTO shape_results SELECT 's1', 'ordered',
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, g, c)::text AS x, row_number() OVER (ORDER BY a) AS n FROM l_s1) s WHERE n % 97 = 1) =
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, g, c)::text AS x, row_number() OVER (ORDER BY a) AS n FROM h_s1) s WHERE n % 97 = 1);

-- s2: (a bigint)
CREATE FOREIGN TABLE l_s2 (a bigint, g text, c bigint, PRIMARY KEY (a)) SERVER lake_ms
  OPTIONS (table '.ms/s2', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_s2 (a bigint, g text, c bigint, PRIMARY KEY (a));
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, 'g' || (i % 3), i FROM generate_series(0, 23999) i;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, 'g' || (i % 3), i FROM generate_series(0, 23999) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, 'one', -7 FROM generate_series(11111, 11111) i;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, 'one', -7 FROM generate_series(11111, 11111) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, 'hide', i FROM generate_series(3000, 3999) i;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, 'hide', i FROM generate_series(3000, 3999) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s2 SELECT (i - 12000)::bigint * 5000000000, NULL, -i FROM generate_series(-60, -1) i;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, NULL, -i FROM generate_series(-60, -1) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM l_s2 WHERE c % 11 = 0;
DELETE FROM h_s2 WHERE c % 11 = 0;
BEGIN;
INSERT INTO l_s2 AS t SELECT (i - 12000)::bigint * 5000000000, 'v1', 1 FROM generate_series(8180, 8200) i;
INSERT INTO l_s2 AS t SELECT (i - 12000)::bigint * 5000000000, NULL, 2 FROM generate_series(8185, 8195) i;
DELETE FROM l_s2 WHERE c = 2 AND g IS NULL AND (a) = (SELECT (i - 12000)::bigint * 5000000000 FROM (SELECT 8190 AS i) s);
COMMIT;
BEGIN;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, 'v1', 1 FROM generate_series(8180, 8200) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO h_s2 AS t SELECT (i - 12000)::bigint * 5000000000, NULL, 2 FROM generate_series(8185, 8195) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM h_s2 WHERE c = 2 AND g IS NULL AND (a) = (SELECT (i - 12000)::bigint * 5000000000 FROM (SELECT 8190 AS i) s);
COMMIT;
INSERT INTO shape_results SELECT 's2', 'runs', count(*) > 10 FROM lake_files('l_s2');
INSERT INTO shape_results SELECT 's2', 'agg', count(*) = 0 FROM ((SELECT g, count(*), sum(c), min(c), max(c) FROM l_s2 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM h_s2 GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(c), max(c) FROM h_s2 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM l_s2 GROUP BY g)) d;
INSERT INTO shape_results SELECT 's2', 'rows', count(*) = 0 FROM ((SELECT * FROM l_s2 EXCEPT ALL SELECT * FROM h_s2)
  UNION ALL (SELECT * FROM h_s2 EXCEPT ALL SELECT * FROM l_s2)) d;
INSERT INTO shape_results SELECT 's2', 'filter',
  (SELECT row(count(*), sum(c)) FROM l_s2 WHERE c >= 0 AND g IS NOT NULL) = (SELECT row(count(*), sum(c)) FROM h_s2 WHERE c >= 0 AND g IS NOT NULL);
INSERT INTO shape_results SELECT 's2', 'ordered',
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, g, c)::text AS x, row_number() OVER (ORDER BY a) AS n FROM l_s2) s WHERE n % 97 = 1) =
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, g, c)::text AS x, row_number() OVER (ORDER BY a) AS n FROM h_s2) s WHERE n % 97 = 1);

-- s3: (a int, b int)
CREATE FOREIGN TABLE l_s3 (a int, b int, g text, c bigint, PRIMARY KEY (a, b)) SERVER lake_ms
  OPTIONS (table '.ms/s3', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_s3 (a int, b int, g text, c bigint, PRIMARY KEY (a, b));
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, 'g' || (i % 3), i FROM generate_series(0, 23999) i;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, 'g' || (i % 3), i FROM generate_series(0, 23999) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, 'one', -7 FROM generate_series(11111, 11111) i;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, 'one', -7 FROM generate_series(11111, 11111) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, 'hide', i FROM generate_series(3000, 3999) i;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, 'hide', i FROM generate_series(3000, 3999) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s3 SELECT i / 4000 - 2, i % 4000 - 2000, NULL, -i FROM generate_series(-60, -1) i;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, NULL, -i FROM generate_series(-60, -1) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM l_s3 WHERE c % 11 = 0;
DELETE FROM h_s3 WHERE c % 11 = 0;
BEGIN;
INSERT INTO l_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, 'v1', 1 FROM generate_series(8180, 8200) i;
INSERT INTO l_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, NULL, 2 FROM generate_series(8185, 8195) i;
DELETE FROM l_s3 WHERE c = 2 AND g IS NULL AND (a, b) = (SELECT i / 4000 - 2, i % 4000 - 2000 FROM (SELECT 8190 AS i) s);
COMMIT;
BEGIN;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, 'v1', 1 FROM generate_series(8180, 8200) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO h_s3 AS t SELECT i / 4000 - 2, i % 4000 - 2000, NULL, 2 FROM generate_series(8185, 8195) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM h_s3 WHERE c = 2 AND g IS NULL AND (a, b) = (SELECT i / 4000 - 2, i % 4000 - 2000 FROM (SELECT 8190 AS i) s);
COMMIT;
INSERT INTO shape_results SELECT 's3', 'runs', count(*) > 10 FROM lake_files('l_s3');
INSERT INTO shape_results SELECT 's3', 'agg', count(*) = 0 FROM ((SELECT g, count(*), sum(c), min(c), max(c) FROM l_s3 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM h_s3 GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(c), max(c) FROM h_s3 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM l_s3 GROUP BY g)) d;
INSERT INTO shape_results SELECT 's3', 'rows', count(*) = 0 FROM ((SELECT * FROM l_s3 EXCEPT ALL SELECT * FROM h_s3)
  UNION ALL (SELECT * FROM h_s3 EXCEPT ALL SELECT * FROM l_s3)) d;
INSERT INTO shape_results SELECT 's3', 'filter',
  (SELECT row(count(*), sum(c)) FROM l_s3 WHERE c >= 0 AND g IS NOT NULL) = (SELECT row(count(*), sum(c)) FROM h_s3 WHERE c >= 0 AND g IS NOT NULL);
INSERT INTO shape_results SELECT 's3', 'ordered',
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, b, g, c)::text AS x, row_number() OVER (ORDER BY a, b) AS n FROM l_s3) s WHERE n % 97 = 1) =
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, b, g, c)::text AS x, row_number() OVER (ORDER BY a, b) AS n FROM h_s3) s WHERE n % 97 = 1);

-- s4: (a bigint, b int)
CREATE FOREIGN TABLE l_s4 (a bigint, b int, g text, c bigint, PRIMARY KEY (a, b)) SERVER lake_ms
  OPTIONS (table '.ms/s4', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_s4 (a bigint, b int, g text, c bigint, PRIMARY KEY (a, b));
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, 'g' || (i % 3), i FROM generate_series(0, 23999) i;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, 'g' || (i % 3), i FROM generate_series(0, 23999) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, 'one', -7 FROM generate_series(11111, 11111) i;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, 'one', -7 FROM generate_series(11111, 11111) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, 'hide', i FROM generate_series(3000, 3999) i;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, 'hide', i FROM generate_series(3000, 3999) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s4 SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, NULL, -i FROM generate_series(-60, -1) i;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, NULL, -i FROM generate_series(-60, -1) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM l_s4 WHERE c % 11 = 0;
DELETE FROM h_s4 WHERE c % 11 = 0;
BEGIN;
INSERT INTO l_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, 'v1', 1 FROM generate_series(8180, 8200) i;
INSERT INTO l_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, NULL, 2 FROM generate_series(8185, 8195) i;
DELETE FROM l_s4 WHERE c = 2 AND g IS NULL AND (a, b) = (SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000 FROM (SELECT 8190 AS i) s);
COMMIT;
BEGIN;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, 'v1', 1 FROM generate_series(8180, 8200) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO h_s4 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000, NULL, 2 FROM generate_series(8185, 8195) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM h_s4 WHERE c = 2 AND g IS NULL AND (a, b) = (SELECT (i / 4000 - 2)::bigint * 5000000000, i % 4000 - 2000 FROM (SELECT 8190 AS i) s);
COMMIT;
INSERT INTO shape_results SELECT 's4', 'runs', count(*) > 10 FROM lake_files('l_s4');
INSERT INTO shape_results SELECT 's4', 'agg', count(*) = 0 FROM ((SELECT g, count(*), sum(c), min(c), max(c) FROM l_s4 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM h_s4 GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(c), max(c) FROM h_s4 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM l_s4 GROUP BY g)) d;
INSERT INTO shape_results SELECT 's4', 'rows', count(*) = 0 FROM ((SELECT * FROM l_s4 EXCEPT ALL SELECT * FROM h_s4)
  UNION ALL (SELECT * FROM h_s4 EXCEPT ALL SELECT * FROM l_s4)) d;
INSERT INTO shape_results SELECT 's4', 'filter',
  (SELECT row(count(*), sum(c)) FROM l_s4 WHERE c >= 0 AND g IS NOT NULL) = (SELECT row(count(*), sum(c)) FROM h_s4 WHERE c >= 0 AND g IS NOT NULL);
INSERT INTO shape_results SELECT 's4', 'ordered',
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, b, g, c)::text AS x, row_number() OVER (ORDER BY a, b) AS n FROM l_s4) s WHERE n % 97 = 1) =
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, b, g, c)::text AS x, row_number() OVER (ORDER BY a, b) AS n FROM h_s4) s WHERE n % 97 = 1);

-- s5: (a bigint, b bigint)
CREATE FOREIGN TABLE l_s5 (a bigint, b bigint, g text, c bigint, PRIMARY KEY (a, b)) SERVER lake_ms
  OPTIONS (table '.ms/s5', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_s5 (a bigint, b bigint, g text, c bigint, PRIMARY KEY (a, b));
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, 'g' || (i % 3), i FROM generate_series(0, 23999) i;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, 'g' || (i % 3), i FROM generate_series(0, 23999) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, 'one', -7 FROM generate_series(11111, 11111) i;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, 'one', -7 FROM generate_series(11111, 11111) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, 'hide', i FROM generate_series(3000, 3999) i;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, 'hide', i FROM generate_series(3000, 3999) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s5 SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, NULL, -i FROM generate_series(-60, -1) i;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, NULL, -i FROM generate_series(-60, -1) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM l_s5 WHERE c % 11 = 0;
DELETE FROM h_s5 WHERE c % 11 = 0;
BEGIN;
INSERT INTO l_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, 'v1', 1 FROM generate_series(8180, 8200) i;
INSERT INTO l_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, NULL, 2 FROM generate_series(8185, 8195) i;
DELETE FROM l_s5 WHERE c = 2 AND g IS NULL AND (a, b) = (SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000 FROM (SELECT 8190 AS i) s);
COMMIT;
BEGIN;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, 'v1', 1 FROM generate_series(8180, 8200) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO h_s5 AS t SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000, NULL, 2 FROM generate_series(8185, 8195) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM h_s5 WHERE c = 2 AND g IS NULL AND (a, b) = (SELECT (i / 4000 - 2)::bigint * 5000000000, (i % 4000 - 2000)::bigint * 3000000000 FROM (SELECT 8190 AS i) s);
COMMIT;
INSERT INTO shape_results SELECT 's5', 'runs', count(*) > 10 FROM lake_files('l_s5');
INSERT INTO shape_results SELECT 's5', 'agg', count(*) = 0 FROM ((SELECT g, count(*), sum(c), min(c), max(c) FROM l_s5 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM h_s5 GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(c), max(c) FROM h_s5 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM l_s5 GROUP BY g)) d;
INSERT INTO shape_results SELECT 's5', 'rows', count(*) = 0 FROM ((SELECT * FROM l_s5 EXCEPT ALL SELECT * FROM h_s5)
  UNION ALL (SELECT * FROM h_s5 EXCEPT ALL SELECT * FROM l_s5)) d;
INSERT INTO shape_results SELECT 's5', 'filter',
  (SELECT row(count(*), sum(c)) FROM l_s5 WHERE c >= 0 AND g IS NOT NULL) = (SELECT row(count(*), sum(c)) FROM h_s5 WHERE c >= 0 AND g IS NOT NULL);
INSERT INTO shape_results SELECT 's5', 'ordered',
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, b, g, c)::text AS x, row_number() OVER (ORDER BY a, b) AS n FROM l_s5) s WHERE n % 97 = 1) =
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, b, g, c)::text AS x, row_number() OVER (ORDER BY a, b) AS n FROM h_s5) s WHERE n % 97 = 1);

-- s6: (a int, b int, e int)
CREATE FOREIGN TABLE l_s6 (a int, b int, e int, g text, c bigint, PRIMARY KEY (a, b, e)) SERVER lake_ms
  OPTIONS (table '.ms/s6', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_s6 (a int, b int, e int, g text, c bigint, PRIMARY KEY (a, b, e));
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, 'g' || (i % 3), i FROM generate_series(0, 23999) i;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, 'g' || (i % 3), i FROM generate_series(0, 23999) i ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, 'one', -7 FROM generate_series(11111, 11111) i;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, 'one', -7 FROM generate_series(11111, 11111) i ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, 'hide', i FROM generate_series(3000, 3999) i;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, 'hide', i FROM generate_series(3000, 3999) i ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s6 SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, NULL, -i FROM generate_series(-60, -1) i;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, NULL, -i FROM generate_series(-60, -1) i ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM l_s6 WHERE c % 11 = 0;
DELETE FROM h_s6 WHERE c % 11 = 0;
BEGIN;
INSERT INTO l_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, 'v1', 1 FROM generate_series(8180, 8200) i;
INSERT INTO l_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, NULL, 2 FROM generate_series(8185, 8195) i;
DELETE FROM l_s6 WHERE c = 2 AND g IS NULL AND (a, b, e) = (SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50 FROM (SELECT 8190 AS i) s);
COMMIT;
BEGIN;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, 'v1', 1 FROM generate_series(8180, 8200) i ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO h_s6 AS t SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50, NULL, 2 FROM generate_series(8185, 8195) i ON CONFLICT (a, b, e) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM h_s6 WHERE c = 2 AND g IS NULL AND (a, b, e) = (SELECT i / 8000 - 1, (i / 100) % 80 - 40, i % 100 - 50 FROM (SELECT 8190 AS i) s);
COMMIT;
INSERT INTO shape_results SELECT 's6', 'runs', count(*) > 10 FROM lake_files('l_s6');
INSERT INTO shape_results SELECT 's6', 'agg', count(*) = 0 FROM ((SELECT g, count(*), sum(c), min(c), max(c) FROM l_s6 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM h_s6 GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(c), max(c) FROM h_s6 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM l_s6 GROUP BY g)) d;
INSERT INTO shape_results SELECT 's6', 'rows', count(*) = 0 FROM ((SELECT * FROM l_s6 EXCEPT ALL SELECT * FROM h_s6)
  UNION ALL (SELECT * FROM h_s6 EXCEPT ALL SELECT * FROM l_s6)) d;
INSERT INTO shape_results SELECT 's6', 'filter',
  (SELECT row(count(*), sum(c)) FROM l_s6 WHERE c >= 0 AND g IS NOT NULL) = (SELECT row(count(*), sum(c)) FROM h_s6 WHERE c >= 0 AND g IS NOT NULL);
INSERT INTO shape_results SELECT 's6', 'ordered',
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, b, e, g, c)::text AS x, row_number() OVER (ORDER BY a, b, e) AS n FROM l_s6) s WHERE n % 97 = 1) =
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, b, e, g, c)::text AS x, row_number() OVER (ORDER BY a, b, e) AS n FROM h_s6) s WHERE n % 97 = 1);

-- s7: (a date, b bigint)
CREATE FOREIGN TABLE l_s7 (a date, b bigint, g text, c bigint, PRIMARY KEY (a, b)) SERVER lake_ms
  OPTIONS (table '.ms/s7', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_s7 (a date, b bigint, g text, c bigint, PRIMARY KEY (a, b));
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, 'g' || (i % 3), i FROM generate_series(0, 23999) i;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, 'g' || (i % 3), i FROM generate_series(0, 23999) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 37 + 3 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 37 + 6 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 37 + 9 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 37 + 12 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 37 + 15 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 37 + 18 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r7' END, i + 7000000 FROM (SELECT j * 37 + 21 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, CASE WHEN i % 5 = 0 THEN NULL ELSE 'r8' END, i + 8000000 FROM (SELECT j * 37 + 24 AS i FROM generate_series(0, 700) j UNION SELECT j * 1000 + 500 FROM generate_series(-2, 25) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, 'one', -7 FROM generate_series(11111, 11111) i;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, 'one', -7 FROM generate_series(11111, 11111) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, 'hide', i FROM generate_series(3000, 3999) i;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, 'hide', i FROM generate_series(3000, 3999) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_s7 SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, NULL, -i FROM generate_series(-60, -1) i;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, NULL, -i FROM generate_series(-60, -1) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM l_s7 WHERE c % 11 = 0;
DELETE FROM h_s7 WHERE c % 11 = 0;
BEGIN;
INSERT INTO l_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, 'v1', 1 FROM generate_series(8180, 8200) i;
INSERT INTO l_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, NULL, 2 FROM generate_series(8185, 8195) i;
DELETE FROM l_s7 WHERE c = 2 AND g IS NULL AND (a, b) = (SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500 FROM (SELECT 8190 AS i) s);
COMMIT;
BEGIN;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, 'v1', 1 FROM generate_series(8180, 8200) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO h_s7 AS t SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500, NULL, 2 FROM generate_series(8185, 8195) i ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM h_s7 WHERE c = 2 AND g IS NULL AND (a, b) = (SELECT date '2026-01-01' + i / 5000, (i % 5000)::bigint - 2500 FROM (SELECT 8190 AS i) s);
COMMIT;
INSERT INTO shape_results SELECT 's7', 'runs', count(*) > 10 FROM lake_files('l_s7');
INSERT INTO shape_results SELECT 's7', 'agg', count(*) = 0 FROM ((SELECT g, count(*), sum(c), min(c), max(c) FROM l_s7 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM h_s7 GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(c), max(c) FROM h_s7 GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM l_s7 GROUP BY g)) d;
INSERT INTO shape_results SELECT 's7', 'rows', count(*) = 0 FROM ((SELECT * FROM l_s7 EXCEPT ALL SELECT * FROM h_s7)
  UNION ALL (SELECT * FROM h_s7 EXCEPT ALL SELECT * FROM l_s7)) d;
INSERT INTO shape_results SELECT 's7', 'filter',
  (SELECT row(count(*), sum(c)) FROM l_s7 WHERE c >= 0 AND g IS NOT NULL) = (SELECT row(count(*), sum(c)) FROM h_s7 WHERE c >= 0 AND g IS NOT NULL);
INSERT INTO shape_results SELECT 's7', 'ordered',
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, b, g, c)::text AS x, row_number() OVER (ORDER BY a, b) AS n FROM l_s7) s WHERE n % 97 = 1) =
  (SELECT array_agg(x ORDER BY n) FROM (SELECT row(a, b, g, c)::text AS x, row_number() OVER (ORDER BY a, b) AS n FROM h_s7) s WHERE n % 97 = 1);

-- the base written in several files by one commit (a small write buffer):
-- when its first file is done the oldest run left becomes the base
CREATE FOREIGN TABLE l_mb (a int, b bigint, g text, c bigint, PRIMARY KEY (a, b)) SERVER lake_ms
  OPTIONS (table '.ms/mb', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_mb (a int, b bigint, g text, c bigint, PRIMARY KEY (a, b));
SET lake_fdw.write_buffer_mem = '1MB';
INSERT INTO l_mb SELECT i / 30000, i % 30000 - 15000, 'g' || (i % 3), i FROM generate_series(0, 89999) i;
RESET lake_fdw.write_buffer_mem;
INSERT INTO h_mb SELECT i / 30000, i % 30000 - 15000, 'g' || (i % 3), i FROM generate_series(0, 89999) i;
INSERT INTO l_mb SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 53 + 5 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s;
INSERT INTO h_mb AS t SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r1' END, i + 1000000 FROM (SELECT j * 53 + 5 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_mb SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 53 + 10 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s;
INSERT INTO h_mb AS t SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r2' END, i + 2000000 FROM (SELECT j * 53 + 10 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_mb SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 53 + 15 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s;
INSERT INTO h_mb AS t SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r3' END, i + 3000000 FROM (SELECT j * 53 + 15 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_mb SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 53 + 20 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s;
INSERT INTO h_mb AS t SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r4' END, i + 4000000 FROM (SELECT j * 53 + 20 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_mb SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 53 + 25 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s;
INSERT INTO h_mb AS t SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r5' END, i + 5000000 FROM (SELECT j * 53 + 25 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_mb SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 53 + 30 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s;
INSERT INTO h_mb AS t SELECT i / 30000, i % 30000 - 15000, CASE WHEN i % 4 = 0 THEN NULL ELSE 'r6' END, i + 6000000 FROM (SELECT j * 53 + 30 AS i FROM generate_series(0, 1800) j UNION SELECT j * 997 FROM generate_series(0, 95) j) s ON CONFLICT (a, b) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM l_mb WHERE c % 13 = 0;
DELETE FROM h_mb WHERE c % 13 = 0;
INSERT INTO shape_results SELECT 'mb', 'base_files', count(*) > 2 FROM lake_files('l_mb') WHERE added_snapshot_id = 1;
INSERT INTO shape_results SELECT 'mb', 'agg', count(*) = 0 FROM ((SELECT g, count(*), sum(c), min(c), max(c) FROM l_mb GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM h_mb GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(c), max(c) FROM h_mb GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM l_mb GROUP BY g)) d;
INSERT INTO shape_results SELECT 'mb', 'rows', count(*) = 0 FROM ((SELECT * FROM l_mb EXCEPT ALL SELECT * FROM h_mb)
  UNION ALL (SELECT * FROM h_mb EXCEPT ALL SELECT * FROM l_mb)) d;

-- bases wholly hidden in turn: each hands over to the next oldest run
CREATE FOREIGN TABLE l_hb (a bigint PRIMARY KEY, g text, c bigint) SERVER lake_ms
  OPTIONS (table '.ms/hb', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_hb (a bigint PRIMARY KEY, g text, c bigint);
INSERT INTO l_hb SELECT i, 'b', i FROM generate_series(1, 100) i;
INSERT INTO h_hb AS t SELECT i, 'b', i FROM generate_series(1, 100) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_hb SELECT i, 'r1', i * 10 FROM generate_series(1, 150) i;
INSERT INTO h_hb AS t SELECT i, 'r1', i * 10 FROM generate_series(1, 150) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_hb SELECT i, NULL, i * 100 FROM generate_series(1, 200) i;
INSERT INTO h_hb AS t SELECT i, NULL, i * 100 FROM generate_series(1, 200) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_hb SELECT i, 'r3', -i FROM generate_series(150, 160) i;
INSERT INTO h_hb AS t SELECT i, 'r3', -i FROM generate_series(150, 160) i ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_hb SELECT 300, 'r4', 1;
INSERT INTO h_hb AS t SELECT 300, 'r4', 1 ON CONFLICT (a) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO shape_results SELECT 'hb', 'agg', count(*) = 0 FROM ((SELECT g, count(*), sum(c), min(c), max(c) FROM l_hb GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM h_hb GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(c), max(c) FROM h_hb GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(c), max(c) FROM l_hb GROUP BY g)) d;
INSERT INTO shape_results SELECT 'hb', 'rows', count(*) = 0 FROM ((SELECT * FROM l_hb EXCEPT ALL SELECT * FROM h_hb)
  UNION ALL (SELECT * FROM h_hb EXCEPT ALL SELECT * FROM l_hb)) d;

SELECT t, check_name FROM shape_results WHERE ok IS NOT TRUE ORDER BY 1, 2;
SELECT count(*) AS checks, count(*) FILTER (WHERE ok) AS passed FROM shape_results;
