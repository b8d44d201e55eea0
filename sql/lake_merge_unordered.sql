-- The unordered merge of deduplicate tables (whole batches with skip
-- vectors: aggregate pushdown and plain scans) with three runs or more,
-- where the oldest run stays beside the heap of the newer ones, against
-- heap tables with a real PRIMARY KEY: newer runs overlapping the oldest
-- one only partly (inside, before, after it, across its batch boundaries),
-- tombstones in newer runs, several versions of a key inside one run,
-- NULLs in non-key columns, an oldest run wholly hidden, an oldest run
-- smaller than the newer ones, a two-column key like ad_metrics' and a
-- text key (not normalised: no split).
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER lake_mu FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');

-- two-column integer key, 20 newer runs each overlapping a slice
CREATE FOREIGN TABLE l_mu (d int, k bigint, g text, c bigint, PRIMARY KEY (d, k)) SERVER lake_mu
  OPTIONS (table '.mu/a', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_mu (d int, k bigint, g text, c bigint, PRIMARY KEY (d, k));
INSERT INTO l_mu SELECT 1, i, 'g' || (i % 4), i FROM generate_series(0, 29999) i;
INSERT INTO h_mu SELECT 1, i, 'g' || (i % 4), i FROM generate_series(0, 29999) i;
-- run r (its own commit): keys = r mod 100, spread over the whole base,
-- and a block of its own (some before and after the base's keys), NULL g
-- on some rows
SELECT format('INSERT INTO l_mu SELECT 1, k, CASE WHEN k %% 7 = 0 THEN NULL ELSE %L END, k + %s FROM
  (SELECT i * 100 + %s AS k FROM generate_series(0, 299) i UNION
   SELECT %s * 2000 - 5000 + j FROM generate_series(0, 40) j) s', 'r' || r, r * 1000000, r, r),
       format('INSERT INTO h_mu AS t SELECT 1, k, CASE WHEN k %% 7 = 0 THEN NULL ELSE %L END, k + %s FROM
  (SELECT i * 100 + %s AS k FROM generate_series(0, 299) i UNION
   SELECT %s * 2000 - 5000 + j FROM generate_series(0, 40) j) s
  ON CONFLICT (d, k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c', 'r' || r, r * 1000000, r, r)
FROM generate_series(1, 20) r \gexec
-- tombstones in a newer run, some of keys only the base holds
DELETE FROM l_mu WHERE k % 100 = 3 OR k % 997 = 0;
DELETE FROM h_mu WHERE k % 100 = 3 OR k % 997 = 0;
-- several versions of a key inside one run, across a batch boundary of the base
BEGIN;
INSERT INTO l_mu SELECT 1, i, 'x', -1 FROM generate_series(8180, 8200) i;
INSERT INTO l_mu SELECT 1, i, NULL, -2 FROM generate_series(8185, 8195) i;
DELETE FROM l_mu WHERE k = 8190;
COMMIT;
BEGIN;
INSERT INTO h_mu AS t SELECT 1, i, 'x', -1 FROM generate_series(8180, 8200) i ON CONFLICT (d, k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO h_mu AS t SELECT 1, i, NULL, -2 FROM generate_series(8185, 8195) i ON CONFLICT (d, k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM h_mu WHERE k = 8190;
COMMIT;
SELECT count(*) > 20 AS many_runs FROM lake_files('l_mu');
EXPLAIN (COSTS OFF) SELECT g, count(*), sum(c) FROM l_mu GROUP BY g;
SELECT count(*) AS mu_agg_diff FROM ((SELECT g, count(*), sum(c), min(k), max(k) FROM l_mu GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(k), max(k) FROM h_mu GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(k), max(k) FROM h_mu GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(k), max(k) FROM l_mu GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c), sum(k), count(g)) FROM l_mu) = (SELECT row(count(*), sum(c), sum(k), count(g)) FROM h_mu) AS mu_totals_same,
       (SELECT count(*) FROM h_mu) AS heap_rows;
SELECT count(*) AS mu_rows_diff FROM ((SELECT * FROM l_mu EXCEPT ALL SELECT * FROM h_mu) UNION ALL (SELECT * FROM h_mu EXCEPT ALL SELECT * FROM l_mu)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_mu WHERE c >= 0) = (SELECT row(count(*), sum(c)) FROM h_mu WHERE c >= 0) AS mu_filter_same,
       (SELECT row(count(*), sum(c)) FROM l_mu WHERE k BETWEEN 8000 AND 9000) = (SELECT row(count(*), sum(c)) FROM h_mu WHERE k BETWEEN 8000 AND 9000) AS mu_key_range_same;

-- the oldest run wholly hidden by newer ones, then smaller than them
CREATE FOREIGN TABLE l_mh (k int PRIMARY KEY, g text, c int) SERVER lake_mu
  OPTIONS (table '.mu/h', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_mh (k int PRIMARY KEY, g text, c int);
INSERT INTO l_mh SELECT i, 'base', i FROM generate_series(10000, 10999) i;
INSERT INTO h_mh SELECT i, 'base', i FROM generate_series(10000, 10999) i;
INSERT INTO l_mh SELECT i, NULL, -i FROM generate_series(0, 19999) i;
INSERT INTO h_mh AS t SELECT i, NULL, -i FROM generate_series(0, 19999) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
INSERT INTO l_mh SELECT i, 'n', i * 2 FROM generate_series(5, 19999, 10) i;
INSERT INTO h_mh AS t SELECT i, 'n', i * 2 FROM generate_series(5, 19999, 10) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM l_mh WHERE k % 10 = 5 AND k % 3 = 0;
DELETE FROM h_mh WHERE k % 10 = 5 AND k % 3 = 0;
SELECT count(*) AS mh_agg_diff FROM ((SELECT g, count(*), sum(c), min(k), max(k) FROM l_mh GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(k), max(k) FROM h_mh GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(k), max(k) FROM h_mh GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(k), max(k) FROM l_mh GROUP BY g)) d;
SELECT count(*) AS mh_rows_diff FROM ((SELECT * FROM l_mh EXCEPT ALL SELECT * FROM h_mh) UNION ALL (SELECT * FROM h_mh EXCEPT ALL SELECT * FROM l_mh)) d;
-- newer runs beside a small oldest one that ends first
INSERT INTO l_mh SELECT i, 'late', 1 FROM generate_series(19990, 25000) i;
INSERT INTO h_mh AS t SELECT i, 'late', 1 FROM generate_series(19990, 25000) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
SELECT count(*) AS mh2_agg_diff FROM ((SELECT g, count(*), sum(c), min(k), max(k) FROM l_mh GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(k), max(k) FROM h_mh GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(k), max(k) FROM h_mh GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(k), max(k) FROM l_mh GROUP BY g)) d;
SELECT count(*) AS mh2_rows_diff FROM ((SELECT * FROM l_mh EXCEPT ALL SELECT * FROM h_mh) UNION ALL (SELECT * FROM h_mh EXCEPT ALL SELECT * FROM l_mh)) d;

-- a text key: the same runs, merged without normalised keys
CREATE FOREIGN TABLE l_mt (k text PRIMARY KEY, g text, c int) SERVER lake_mu
  OPTIONS (table '.mu/t', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_mt (k text PRIMARY KEY, g text, c int);
INSERT INTO l_mt SELECT 'k' || lpad(i::text, 6, '0'), 'base', i FROM generate_series(0, 19999) i;
INSERT INTO h_mt SELECT 'k' || lpad(i::text, 6, '0'), 'base', i FROM generate_series(0, 19999) i;
SELECT format('INSERT INTO l_mt SELECT ''k'' || lpad(i::text, 6, ''0''), CASE WHEN i %% 3 = 0 THEN NULL ELSE %L END, %s FROM generate_series(%s, 24999, 50) i', 'r' || r, r, r),
       format('INSERT INTO h_mt AS t SELECT ''k'' || lpad(i::text, 6, ''0''), CASE WHEN i %% 3 = 0 THEN NULL ELSE %L END, %s FROM generate_series(%s, 24999, 50) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c', 'r' || r, r, r)
FROM generate_series(1, 5) r \gexec
DELETE FROM l_mt WHERE k LIKE '%2';
DELETE FROM h_mt WHERE k LIKE '%2';
SELECT count(*) > 5 AS several_runs FROM lake_files('l_mt');
SELECT count(*) AS mt_agg_diff FROM ((SELECT g, count(*), sum(c), min(k), max(k) FROM l_mt GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(k), max(k) FROM h_mt GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(k), max(k) FROM h_mt GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(k), max(k) FROM l_mt GROUP BY g)) d;
SELECT count(*) AS mt_rows_diff FROM ((SELECT * FROM l_mt EXCEPT ALL SELECT * FROM h_mt) UNION ALL (SELECT * FROM h_mt EXCEPT ALL SELECT * FROM l_mt)) d;
