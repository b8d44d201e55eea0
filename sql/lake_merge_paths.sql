-- The k-way merge of primary-key scans against a heap table with a real
-- PRIMARY KEY: 20,000-row base runs (batches of 8192 rows, so keys at batch
-- boundaries) under level-0 runs that overlap them sparsely, densely and
-- not at all, with duplicate keys inside one run, tombstones at stretch
-- edges, blind OPS records, every merge engine and a sequence_column.
-- Each table is read row by row (plain, key and non-key predicates) and
-- by aggregate pushdown, before and after a full compaction.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER lake_mp FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');


-- dd: merge_engine 'deduplicate'
CREATE FOREIGN TABLE l_dd (k int, g text, c bigint, ts int, PRIMARY KEY (k)) SERVER lake_mp
  OPTIONS (table '.mp/dd', merge_engine 'deduplicate', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_dd (k int PRIMARY KEY, g text, c bigint, ts int);
INSERT INTO l_dd SELECT i * 2, 'g' || (i % 5), i, 1 FROM generate_series(0, 19999) i;
INSERT INTO h_dd AS t SELECT i * 2, 'g' || (i % 5), i, 1 FROM generate_series(0, 19999) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts;
INSERT INTO l_dd SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'u' END, 1000, 2 FROM generate_series(0, 39999) i WHERE (i % 14 = 0) OR (i % 2 = 1 AND i < 1000);
INSERT INTO h_dd AS t SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'u' END, 1000, 2 FROM generate_series(0, 39999) i WHERE (i % 14 = 0) OR (i % 2 = 1 AND i < 1000) ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts;
DELETE FROM l_dd WHERE k % 11 = 0;
DELETE FROM h_dd WHERE k % 11 = 0;
BEGIN;
INSERT INTO l_dd SELECT i, 'a', 7, 3 FROM generate_series(0, 39999, 13) i;
INSERT INTO h_dd AS t SELECT i, 'a', 7, 3 FROM generate_series(0, 39999, 13) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts;
INSERT INTO l_dd SELECT i, NULL, 9, 2 FROM generate_series(0, 39999, 13) i;
INSERT INTO h_dd AS t SELECT i, NULL, 9, 2 FROM generate_series(0, 39999, 13) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts;
DELETE FROM l_dd WHERE k % 17 = 0;
DELETE FROM h_dd WHERE k % 17 = 0;
INSERT INTO l_dd SELECT i, 'b', 5, 4 FROM generate_series(0, 39999, 34) i;
INSERT INTO h_dd AS t SELECT i, 'b', 5, 4 FROM generate_series(0, 39999, 34) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts;
COMMIT;
INSERT INTO l_dd SELECT i, 'd', 3, 5 FROM generate_series(5000, 5200) i;
INSERT INTO h_dd AS t SELECT i, 'd', 3, 5 FROM generate_series(5000, 5200) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts;
INSERT INTO l_dd SELECT i, 'e', 11, 6 FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'e', 11, 6 FROM generate_series(32760, 32800) i;
INSERT INTO h_dd AS t SELECT i, 'e', 11, 6 FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'e', 11, 6 FROM generate_series(32760, 32800) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts;
DELETE FROM l_dd WHERE k BETWEEN 16380 AND 16390 OR k = 5200;
DELETE FROM h_dd WHERE k BETWEEN 16380 AND 16390 OR k = 5200;
INSERT INTO l_dd SELECT i, 'f', 13, 1 FROM generate_series(16384, 16386) i;
INSERT INTO h_dd AS t SELECT i, 'f', 13, 1 FROM generate_series(16384, 16386) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts;
INSERT INTO l_dd AS t SELECT i, 'o', 100, 7 FROM generate_series(0, 39999, 5) i ON CONFLICT (k) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO h_dd AS t SELECT i, 'o', 100, 7 FROM generate_series(0, 39999, 5) i ON CONFLICT (k) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_dd AS t SELECT i, 'p', 1, 8 FROM generate_series(0, 39999, 15) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = GREATEST(t.c, EXCLUDED.c);
INSERT INTO h_dd AS t SELECT i, 'p', 1, 8 FROM generate_series(0, 39999, 15) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = GREATEST(t.c, EXCLUDED.c);
SELECT count(*) > 5 AS several_runs FROM lake_files('l_dd');
-- dd, runs: rows that differ (row by row), then aggregates compared
SELECT count(*) AS dd_runs_diff FROM ((SELECT * FROM l_dd EXCEPT ALL SELECT * FROM h_dd) UNION ALL (SELECT * FROM h_dd EXCEPT ALL SELECT * FROM l_dd)) d;
SELECT (SELECT count(*) FROM l_dd WHERE c >= 0) = (SELECT count(*) FROM h_dd WHERE c >= 0) AS filter_same,
       (SELECT count(*) FROM l_dd WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_dd WHERE k BETWEEN 16000 AND 17000) AS key_range_same,
       (SELECT count(*) FROM h_dd) AS heap_rows;
SELECT count(*) AS dd_runs_agg_diff FROM ((SELECT g, count(*), sum(c), max(ts) FROM l_dd GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM h_dd GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), max(ts) FROM h_dd GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM l_dd GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_dd) = (SELECT row(count(*), sum(c)) FROM h_dd) AS totals_same;
SELECT lake_compact('l_dd', true) IS NOT NULL AS compacted;
-- dd, compacted: rows that differ (row by row), then aggregates compared
SELECT count(*) AS dd_compacted_diff FROM ((SELECT * FROM l_dd EXCEPT ALL SELECT * FROM h_dd) UNION ALL (SELECT * FROM h_dd EXCEPT ALL SELECT * FROM l_dd)) d;
SELECT (SELECT count(*) FROM l_dd WHERE c >= 0) = (SELECT count(*) FROM h_dd WHERE c >= 0) AS filter_same,
       (SELECT count(*) FROM l_dd WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_dd WHERE k BETWEEN 16000 AND 17000) AS key_range_same,
       (SELECT count(*) FROM h_dd) AS heap_rows;
SELECT count(*) AS dd_compacted_agg_diff FROM ((SELECT g, count(*), sum(c), max(ts) FROM l_dd GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM h_dd GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), max(ts) FROM h_dd GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM l_dd GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_dd) = (SELECT row(count(*), sum(c)) FROM h_dd) AS totals_same;

-- pu: merge_engine 'partial_update'
CREATE FOREIGN TABLE l_pu (k int, g text, c bigint, ts int, PRIMARY KEY (k)) SERVER lake_mp
  OPTIONS (table '.mp/pu', merge_engine 'partial_update', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_pu (k int PRIMARY KEY, g text, c bigint, ts int);
INSERT INTO l_pu SELECT i * 2, 'g' || (i % 5), i, 1 FROM generate_series(0, 19999) i;
INSERT INTO h_pu AS t SELECT i * 2, 'g' || (i % 5), i, 1 FROM generate_series(0, 19999) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = COALESCE(EXCLUDED.c, t.c), ts = COALESCE(EXCLUDED.ts, t.ts);
INSERT INTO l_pu SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'u' END, 1000, 2 FROM generate_series(0, 39999) i WHERE (i % 14 = 0) OR (i % 2 = 1 AND i < 1000);
INSERT INTO h_pu AS t SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'u' END, 1000, 2 FROM generate_series(0, 39999) i WHERE (i % 14 = 0) OR (i % 2 = 1 AND i < 1000) ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = COALESCE(EXCLUDED.c, t.c), ts = COALESCE(EXCLUDED.ts, t.ts);
DELETE FROM l_pu WHERE k % 11 = 0;
DELETE FROM h_pu WHERE k % 11 = 0;
BEGIN;
INSERT INTO l_pu SELECT i, 'a', 7, 3 FROM generate_series(0, 39999, 13) i;
INSERT INTO h_pu AS t SELECT i, 'a', 7, 3 FROM generate_series(0, 39999, 13) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = COALESCE(EXCLUDED.c, t.c), ts = COALESCE(EXCLUDED.ts, t.ts);
INSERT INTO l_pu SELECT i, NULL, 9, 2 FROM generate_series(0, 39999, 13) i;
INSERT INTO h_pu AS t SELECT i, NULL, 9, 2 FROM generate_series(0, 39999, 13) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = COALESCE(EXCLUDED.c, t.c), ts = COALESCE(EXCLUDED.ts, t.ts);
DELETE FROM l_pu WHERE k % 17 = 0;
DELETE FROM h_pu WHERE k % 17 = 0;
INSERT INTO l_pu SELECT i, 'b', 5, 4 FROM generate_series(0, 39999, 34) i;
INSERT INTO h_pu AS t SELECT i, 'b', 5, 4 FROM generate_series(0, 39999, 34) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = COALESCE(EXCLUDED.c, t.c), ts = COALESCE(EXCLUDED.ts, t.ts);
COMMIT;
INSERT INTO l_pu SELECT i, 'd', 3, 5 FROM generate_series(5000, 5200) i;
INSERT INTO h_pu AS t SELECT i, 'd', 3, 5 FROM generate_series(5000, 5200) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = COALESCE(EXCLUDED.c, t.c), ts = COALESCE(EXCLUDED.ts, t.ts);
INSERT INTO l_pu SELECT i, 'e', 11, 6 FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'e', 11, 6 FROM generate_series(32760, 32800) i;
INSERT INTO h_pu AS t SELECT i, 'e', 11, 6 FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'e', 11, 6 FROM generate_series(32760, 32800) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = COALESCE(EXCLUDED.c, t.c), ts = COALESCE(EXCLUDED.ts, t.ts);
DELETE FROM l_pu WHERE k BETWEEN 16380 AND 16390 OR k = 5200;
DELETE FROM h_pu WHERE k BETWEEN 16380 AND 16390 OR k = 5200;
INSERT INTO l_pu SELECT i, 'f', 13, 1 FROM generate_series(16384, 16386) i;
INSERT INTO h_pu AS t SELECT i, 'f', 13, 1 FROM generate_series(16384, 16386) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = COALESCE(EXCLUDED.c, t.c), ts = COALESCE(EXCLUDED.ts, t.ts);
SELECT count(*) > 5 AS several_runs FROM lake_files('l_pu');
-- pu, runs: rows that differ (row by row), then aggregates compared
SELECT count(*) AS pu_runs_diff FROM ((SELECT * FROM l_pu EXCEPT ALL SELECT * FROM h_pu) UNION ALL (SELECT * FROM h_pu EXCEPT ALL SELECT * FROM l_pu)) d;
SELECT (SELECT count(*) FROM l_pu WHERE c >= 0) = (SELECT count(*) FROM h_pu WHERE c >= 0) AS filter_same,
       (SELECT count(*) FROM l_pu WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_pu WHERE k BETWEEN 16000 AND 17000) AS key_range_same,
       (SELECT count(*) FROM h_pu) AS heap_rows;
SELECT count(*) AS pu_runs_agg_diff FROM ((SELECT g, count(*), sum(c), max(ts) FROM l_pu GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM h_pu GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), max(ts) FROM h_pu GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM l_pu GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_pu) = (SELECT row(count(*), sum(c)) FROM h_pu) AS totals_same;
SELECT lake_compact('l_pu', true) IS NOT NULL AS compacted;
-- pu, compacted: rows that differ (row by row), then aggregates compared
SELECT count(*) AS pu_compacted_diff FROM ((SELECT * FROM l_pu EXCEPT ALL SELECT * FROM h_pu) UNION ALL (SELECT * FROM h_pu EXCEPT ALL SELECT * FROM l_pu)) d;
SELECT (SELECT count(*) FROM l_pu WHERE c >= 0) = (SELECT count(*) FROM h_pu WHERE c >= 0) AS filter_same,
       (SELECT count(*) FROM l_pu WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_pu WHERE k BETWEEN 16000 AND 17000) AS key_range_same,
       (SELECT count(*) FROM h_pu) AS heap_rows;
SELECT count(*) AS pu_compacted_agg_diff FROM ((SELECT g, count(*), sum(c), max(ts) FROM l_pu GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM h_pu GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), max(ts) FROM h_pu GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM l_pu GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_pu) = (SELECT row(count(*), sum(c)) FROM h_pu) AS totals_same;

-- ag: merge_engine 'aggregation'
CREATE FOREIGN TABLE l_ag (k int, g text, c bigint, ts int, PRIMARY KEY (k)) SERVER lake_mp
  OPTIONS (table '.mp/ag', merge_engine 'aggregation', auto_compaction 'false', compaction_stop_trigger '100000');
ALTER FOREIGN TABLE l_ag ALTER COLUMN c OPTIONS (aggregate 'sum');
CREATE TABLE h_ag (k int PRIMARY KEY, g text, c bigint, ts int);
INSERT INTO l_ag SELECT i * 2, 'g' || (i % 5), i, 1 FROM generate_series(0, 19999) i;
INSERT INTO h_ag AS t SELECT i * 2, 'g' || (i % 5), i, 1 FROM generate_series(0, 19999) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = t.c + EXCLUDED.c, ts = COALESCE(EXCLUDED.ts, t.ts);
INSERT INTO l_ag SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'u' END, 1000, 2 FROM generate_series(0, 39999) i WHERE (i % 14 = 0) OR (i % 2 = 1 AND i < 1000);
INSERT INTO h_ag AS t SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'u' END, 1000, 2 FROM generate_series(0, 39999) i WHERE (i % 14 = 0) OR (i % 2 = 1 AND i < 1000) ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = t.c + EXCLUDED.c, ts = COALESCE(EXCLUDED.ts, t.ts);
DELETE FROM l_ag WHERE k % 11 = 0;
DELETE FROM h_ag WHERE k % 11 = 0;
BEGIN;
INSERT INTO l_ag SELECT i, 'a', 7, 3 FROM generate_series(0, 39999, 13) i;
INSERT INTO h_ag AS t SELECT i, 'a', 7, 3 FROM generate_series(0, 39999, 13) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = t.c + EXCLUDED.c, ts = COALESCE(EXCLUDED.ts, t.ts);
INSERT INTO l_ag SELECT i, NULL, 9, 2 FROM generate_series(0, 39999, 13) i;
INSERT INTO h_ag AS t SELECT i, NULL, 9, 2 FROM generate_series(0, 39999, 13) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = t.c + EXCLUDED.c, ts = COALESCE(EXCLUDED.ts, t.ts);
DELETE FROM l_ag WHERE k % 17 = 0;
DELETE FROM h_ag WHERE k % 17 = 0;
INSERT INTO l_ag SELECT i, 'b', 5, 4 FROM generate_series(0, 39999, 34) i;
INSERT INTO h_ag AS t SELECT i, 'b', 5, 4 FROM generate_series(0, 39999, 34) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = t.c + EXCLUDED.c, ts = COALESCE(EXCLUDED.ts, t.ts);
COMMIT;
INSERT INTO l_ag SELECT i, 'd', 3, 5 FROM generate_series(5000, 5200) i;
INSERT INTO h_ag AS t SELECT i, 'd', 3, 5 FROM generate_series(5000, 5200) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = t.c + EXCLUDED.c, ts = COALESCE(EXCLUDED.ts, t.ts);
INSERT INTO l_ag SELECT i, 'e', 11, 6 FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'e', 11, 6 FROM generate_series(32760, 32800) i;
INSERT INTO h_ag AS t SELECT i, 'e', 11, 6 FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'e', 11, 6 FROM generate_series(32760, 32800) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = t.c + EXCLUDED.c, ts = COALESCE(EXCLUDED.ts, t.ts);
DELETE FROM l_ag WHERE k BETWEEN 16380 AND 16390 OR k = 5200;
DELETE FROM h_ag WHERE k BETWEEN 16380 AND 16390 OR k = 5200;
INSERT INTO l_ag SELECT i, 'f', 13, 1 FROM generate_series(16384, 16386) i;
INSERT INTO h_ag AS t SELECT i, 'f', 13, 1 FROM generate_series(16384, 16386) i ON CONFLICT (k) DO UPDATE SET g = COALESCE(EXCLUDED.g, t.g), c = t.c + EXCLUDED.c, ts = COALESCE(EXCLUDED.ts, t.ts);
SELECT count(*) > 5 AS several_runs FROM lake_files('l_ag');
-- ag, runs: rows that differ (row by row), then aggregates compared
SELECT count(*) AS ag_runs_diff FROM ((SELECT * FROM l_ag EXCEPT ALL SELECT * FROM h_ag) UNION ALL (SELECT * FROM h_ag EXCEPT ALL SELECT * FROM l_ag)) d;
SELECT (SELECT count(*) FROM l_ag WHERE c >= 0) = (SELECT count(*) FROM h_ag WHERE c >= 0) AS filter_same,
       (SELECT count(*) FROM l_ag WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_ag WHERE k BETWEEN 16000 AND 17000) AS key_range_same,
       (SELECT count(*) FROM h_ag) AS heap_rows;
SELECT count(*) AS ag_runs_agg_diff FROM ((SELECT g, count(*), sum(c), max(ts) FROM l_ag GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM h_ag GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), max(ts) FROM h_ag GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM l_ag GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_ag) = (SELECT row(count(*), sum(c)) FROM h_ag) AS totals_same;
SELECT lake_compact('l_ag', true) IS NOT NULL AS compacted;
-- ag, compacted: rows that differ (row by row), then aggregates compared
SELECT count(*) AS ag_compacted_diff FROM ((SELECT * FROM l_ag EXCEPT ALL SELECT * FROM h_ag) UNION ALL (SELECT * FROM h_ag EXCEPT ALL SELECT * FROM l_ag)) d;
SELECT (SELECT count(*) FROM l_ag WHERE c >= 0) = (SELECT count(*) FROM h_ag WHERE c >= 0) AS filter_same,
       (SELECT count(*) FROM l_ag WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_ag WHERE k BETWEEN 16000 AND 17000) AS key_range_same,
       (SELECT count(*) FROM h_ag) AS heap_rows;
SELECT count(*) AS ag_compacted_agg_diff FROM ((SELECT g, count(*), sum(c), max(ts) FROM l_ag GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM h_ag GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), max(ts) FROM h_ag GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM l_ag GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_ag) = (SELECT row(count(*), sum(c)) FROM h_ag) AS totals_same;

-- fr: merge_engine 'first_row'
CREATE FOREIGN TABLE l_fr (k int, g text, c bigint, ts int, PRIMARY KEY (k)) SERVER lake_mp
  OPTIONS (table '.mp/fr', merge_engine 'first_row', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_fr (k int PRIMARY KEY, g text, c bigint, ts int);
INSERT INTO l_fr SELECT i * 2, 'g' || (i % 5), i, 1 FROM generate_series(0, 19999) i;
INSERT INTO h_fr AS t SELECT i * 2, 'g' || (i % 5), i, 1 FROM generate_series(0, 19999) i ON CONFLICT (k) DO NOTHING;
INSERT INTO l_fr SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'u' END, 1000, 2 FROM generate_series(0, 39999) i WHERE (i % 14 = 0) OR (i % 2 = 1 AND i < 1000);
INSERT INTO h_fr AS t SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'u' END, 1000, 2 FROM generate_series(0, 39999) i WHERE (i % 14 = 0) OR (i % 2 = 1 AND i < 1000) ON CONFLICT (k) DO NOTHING;
DELETE FROM l_fr WHERE k % 11 = 0;
DELETE FROM h_fr WHERE k % 11 = 0;
BEGIN;
INSERT INTO l_fr SELECT i, 'a', 7, 3 FROM generate_series(0, 39999, 13) i;
INSERT INTO h_fr AS t SELECT i, 'a', 7, 3 FROM generate_series(0, 39999, 13) i ON CONFLICT (k) DO NOTHING;
INSERT INTO l_fr SELECT i, NULL, 9, 2 FROM generate_series(0, 39999, 13) i;
INSERT INTO h_fr AS t SELECT i, NULL, 9, 2 FROM generate_series(0, 39999, 13) i ON CONFLICT (k) DO NOTHING;
DELETE FROM l_fr WHERE k % 17 = 0;
DELETE FROM h_fr WHERE k % 17 = 0;
INSERT INTO l_fr SELECT i, 'b', 5, 4 FROM generate_series(0, 39999, 34) i;
INSERT INTO h_fr AS t SELECT i, 'b', 5, 4 FROM generate_series(0, 39999, 34) i ON CONFLICT (k) DO NOTHING;
COMMIT;
INSERT INTO l_fr SELECT i, 'd', 3, 5 FROM generate_series(5000, 5200) i;
INSERT INTO h_fr AS t SELECT i, 'd', 3, 5 FROM generate_series(5000, 5200) i ON CONFLICT (k) DO NOTHING;
INSERT INTO l_fr SELECT i, 'e', 11, 6 FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'e', 11, 6 FROM generate_series(32760, 32800) i;
INSERT INTO h_fr AS t SELECT i, 'e', 11, 6 FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'e', 11, 6 FROM generate_series(32760, 32800) i ON CONFLICT (k) DO NOTHING;
DELETE FROM l_fr WHERE k BETWEEN 16380 AND 16390 OR k = 5200;
DELETE FROM h_fr WHERE k BETWEEN 16380 AND 16390 OR k = 5200;
INSERT INTO l_fr SELECT i, 'f', 13, 1 FROM generate_series(16384, 16386) i;
INSERT INTO h_fr AS t SELECT i, 'f', 13, 1 FROM generate_series(16384, 16386) i ON CONFLICT (k) DO NOTHING;
SELECT count(*) > 5 AS several_runs FROM lake_files('l_fr');
-- fr, runs: rows that differ (row by row), then aggregates compared
SELECT count(*) AS fr_runs_diff FROM ((SELECT * FROM l_fr EXCEPT ALL SELECT * FROM h_fr) UNION ALL (SELECT * FROM h_fr EXCEPT ALL SELECT * FROM l_fr)) d;
SELECT (SELECT count(*) FROM l_fr WHERE c >= 0) = (SELECT count(*) FROM h_fr WHERE c >= 0) AS filter_same,
       (SELECT count(*) FROM l_fr WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_fr WHERE k BETWEEN 16000 AND 17000) AS key_range_same,
       (SELECT count(*) FROM h_fr) AS heap_rows;
SELECT count(*) AS fr_runs_agg_diff FROM ((SELECT g, count(*), sum(c), max(ts) FROM l_fr GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM h_fr GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), max(ts) FROM h_fr GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM l_fr GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_fr) = (SELECT row(count(*), sum(c)) FROM h_fr) AS totals_same;
SELECT lake_compact('l_fr', true) IS NOT NULL AS compacted;
-- fr, compacted: rows that differ (row by row), then aggregates compared
SELECT count(*) AS fr_compacted_diff FROM ((SELECT * FROM l_fr EXCEPT ALL SELECT * FROM h_fr) UNION ALL (SELECT * FROM h_fr EXCEPT ALL SELECT * FROM l_fr)) d;
SELECT (SELECT count(*) FROM l_fr WHERE c >= 0) = (SELECT count(*) FROM h_fr WHERE c >= 0) AS filter_same,
       (SELECT count(*) FROM l_fr WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_fr WHERE k BETWEEN 16000 AND 17000) AS key_range_same,
       (SELECT count(*) FROM h_fr) AS heap_rows;
SELECT count(*) AS fr_compacted_agg_diff FROM ((SELECT g, count(*), sum(c), max(ts) FROM l_fr GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM h_fr GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), max(ts) FROM h_fr GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM l_fr GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_fr) = (SELECT row(count(*), sum(c)) FROM h_fr) AS totals_same;

-- sq: sequence_column 'ts'
CREATE FOREIGN TABLE l_sq (k int, g text, c bigint, ts int, PRIMARY KEY (k)) SERVER lake_mp
  OPTIONS (table '.mp/sq', sequence_column 'ts', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_sq (k int PRIMARY KEY, g text, c bigint, ts int);
INSERT INTO l_sq SELECT i * 2, 'g' || (i % 5), i, 1 FROM generate_series(0, 19999) i;
INSERT INTO h_sq AS t SELECT i * 2, 'g' || (i % 5), i, 1 FROM generate_series(0, 19999) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts WHERE t.ts <= EXCLUDED.ts;
INSERT INTO l_sq SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'u' END, 1000, 2 FROM generate_series(0, 39999) i WHERE (i % 14 = 0) OR (i % 2 = 1 AND i < 1000);
INSERT INTO h_sq AS t SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'u' END, 1000, 2 FROM generate_series(0, 39999) i WHERE (i % 14 = 0) OR (i % 2 = 1 AND i < 1000) ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts WHERE t.ts <= EXCLUDED.ts;
DELETE FROM l_sq WHERE k % 11 = 0;
DELETE FROM h_sq WHERE k % 11 = 0;
BEGIN;
INSERT INTO l_sq SELECT i, 'a', 7, 3 FROM generate_series(0, 39999, 13) i;
INSERT INTO h_sq AS t SELECT i, 'a', 7, 3 FROM generate_series(0, 39999, 13) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts WHERE t.ts <= EXCLUDED.ts;
INSERT INTO l_sq SELECT i, NULL, 9, 2 FROM generate_series(0, 39999, 13) i;
INSERT INTO h_sq AS t SELECT i, NULL, 9, 2 FROM generate_series(0, 39999, 13) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts WHERE t.ts <= EXCLUDED.ts;
DELETE FROM l_sq WHERE k % 17 = 0;
DELETE FROM h_sq WHERE k % 17 = 0;
INSERT INTO l_sq SELECT i, 'b', 5, 4 FROM generate_series(0, 39999, 34) i;
INSERT INTO h_sq AS t SELECT i, 'b', 5, 4 FROM generate_series(0, 39999, 34) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts WHERE t.ts <= EXCLUDED.ts;
COMMIT;
INSERT INTO l_sq SELECT i, 'd', 3, 5 FROM generate_series(5000, 5200) i;
INSERT INTO h_sq AS t SELECT i, 'd', 3, 5 FROM generate_series(5000, 5200) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts WHERE t.ts <= EXCLUDED.ts;
INSERT INTO l_sq SELECT i, 'e', 11, 6 FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'e', 11, 6 FROM generate_series(32760, 32800) i;
INSERT INTO h_sq AS t SELECT i, 'e', 11, 6 FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'e', 11, 6 FROM generate_series(32760, 32800) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts WHERE t.ts <= EXCLUDED.ts;
DELETE FROM l_sq WHERE k BETWEEN 16380 AND 16390 OR k = 5200;
DELETE FROM h_sq WHERE k BETWEEN 16380 AND 16390 OR k = 5200;
INSERT INTO l_sq SELECT i, 'f', 13, 1 FROM generate_series(16384, 16386) i;
INSERT INTO h_sq AS t SELECT i, 'f', 13, 1 FROM generate_series(16384, 16386) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c, ts = EXCLUDED.ts WHERE t.ts <= EXCLUDED.ts;
SELECT count(*) > 5 AS several_runs FROM lake_files('l_sq');
-- sq, runs: rows that differ (row by row), then aggregates compared
SELECT count(*) AS sq_runs_diff FROM ((SELECT * FROM l_sq EXCEPT ALL SELECT * FROM h_sq) UNION ALL (SELECT * FROM h_sq EXCEPT ALL SELECT * FROM l_sq)) d;
SELECT (SELECT count(*) FROM l_sq WHERE c >= 0) = (SELECT count(*) FROM h_sq WHERE c >= 0) AS filter_same,
       (SELECT count(*) FROM l_sq WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_sq WHERE k BETWEEN 16000 AND 17000) AS key_range_same,
       (SELECT count(*) FROM h_sq) AS heap_rows;
SELECT count(*) AS sq_runs_agg_diff FROM ((SELECT g, count(*), sum(c), max(ts) FROM l_sq GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM h_sq GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), max(ts) FROM h_sq GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM l_sq GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_sq) = (SELECT row(count(*), sum(c)) FROM h_sq) AS totals_same;
SELECT lake_compact('l_sq', true) IS NOT NULL AS compacted;
-- sq, compacted: rows that differ (row by row), then aggregates compared
SELECT count(*) AS sq_compacted_diff FROM ((SELECT * FROM l_sq EXCEPT ALL SELECT * FROM h_sq) UNION ALL (SELECT * FROM h_sq EXCEPT ALL SELECT * FROM l_sq)) d;
SELECT (SELECT count(*) FROM l_sq WHERE c >= 0) = (SELECT count(*) FROM h_sq WHERE c >= 0) AS filter_same,
       (SELECT count(*) FROM l_sq WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_sq WHERE k BETWEEN 16000 AND 17000) AS key_range_same,
       (SELECT count(*) FROM h_sq) AS heap_rows;
SELECT count(*) AS sq_compacted_agg_diff FROM ((SELECT g, count(*), sum(c), max(ts) FROM l_sq GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM h_sq GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), max(ts) FROM h_sq GROUP BY g EXCEPT SELECT g, count(*), sum(c), max(ts) FROM l_sq GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_sq) = (SELECT row(count(*), sum(c)) FROM h_sq) AS totals_same;

-- uo: runs of full rows only (deduplicate, plain INSERT / UPDATE / DELETE):
-- aggregate pushdown reads them unordered, each run's batches whole with a
-- skip vector; a transaction's run holds several versions of its keys,
-- some across its batch boundaries (the newest held back, then dropped)
CREATE FOREIGN TABLE l_uo (k int, g text, c bigint, PRIMARY KEY (k)) SERVER lake_mp
  OPTIONS (table '.mp/uo', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_uo (k int PRIMARY KEY, g text, c bigint);
INSERT INTO l_uo SELECT i * 2, 'g' || (i % 5), i FROM generate_series(0, 29999) i;
INSERT INTO h_uo SELECT i * 2, 'g' || (i % 5), i FROM generate_series(0, 29999) i;
BEGIN;
INSERT INTO l_uo SELECT i, 'a', 7 FROM generate_series(0, 59999, 3) i WHERE i % 2 = 1;
INSERT INTO h_uo SELECT i, 'a', 7 FROM generate_series(0, 59999, 3) i WHERE i % 2 = 1;
UPDATE l_uo SET c = c + 1, g = 'u' WHERE k % 3 = 0 AND k BETWEEN 10000 AND 40000;
UPDATE h_uo SET c = c + 1, g = 'u' WHERE k % 3 = 0 AND k BETWEEN 10000 AND 40000;
UPDATE l_uo SET c = c + 1 WHERE k % 6 = 0 AND k BETWEEN 10000 AND 40000;
UPDATE h_uo SET c = c + 1 WHERE k % 6 = 0 AND k BETWEEN 10000 AND 40000;
DELETE FROM l_uo WHERE k % 12 = 0 AND k BETWEEN 20000 AND 30000;
DELETE FROM h_uo WHERE k % 12 = 0 AND k BETWEEN 20000 AND 30000;
COMMIT;
INSERT INTO l_uo SELECT i, NULL, 100 FROM generate_series(1, 59999, 50) i;
INSERT INTO h_uo AS t SELECT i, NULL, 100 FROM generate_series(1, 59999, 50) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
DELETE FROM l_uo WHERE k % 7 = 0;
DELETE FROM h_uo WHERE k % 7 = 0;
INSERT INTO l_uo SELECT i, 'b', -i FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'b', -i FROM generate_series(49140, 49160) i;
INSERT INTO h_uo AS t SELECT i, 'b', -i FROM generate_series(16370, 16400) i UNION ALL SELECT i, 'b', -i FROM generate_series(49140, 49160) i ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, c = EXCLUDED.c;
-- one statement writing three versions of each key: 30,000 rows, so
-- batch boundaries fall between versions of a key
INSERT INTO l_uo SELECT 60000 + i / 3, 'v' || (i % 3), i FROM generate_series(0, 29999) i;
INSERT INTO h_uo SELECT 60000 + i / 3, 'v' || (i % 3), i FROM generate_series(0, 29999) i WHERE i % 3 = 2;
SELECT count(*) > 4 AS several_runs FROM lake_files('l_uo');
EXPLAIN (COSTS OFF) SELECT g, count(*), sum(c) FROM l_uo GROUP BY g;
SELECT count(*) AS uo_runs_agg_diff FROM ((SELECT g, count(*), sum(c), min(k), max(k) FROM l_uo GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(k), max(k) FROM h_uo GROUP BY g)
  UNION ALL (SELECT g, count(*), sum(c), min(k), max(k) FROM h_uo GROUP BY g EXCEPT SELECT g, count(*), sum(c), min(k), max(k) FROM l_uo GROUP BY g)) d;
SELECT (SELECT row(count(*), sum(c), sum(k)) FROM l_uo) = (SELECT row(count(*), sum(c), sum(k)) FROM h_uo) AS uo_totals_same,
       (SELECT count(*) FROM h_uo) AS heap_rows;
SELECT (SELECT count(*) FROM l_uo WHERE k BETWEEN 16000 AND 17000) = (SELECT count(*) FROM h_uo WHERE k BETWEEN 16000 AND 17000) AS uo_key_range_same,
       (SELECT row(count(*), sum(c)) FROM l_uo WHERE k >= 60000 GROUP BY g) = (SELECT row(count(*), sum(c)) FROM h_uo WHERE k >= 60000 GROUP BY g) AS uo_versions_same;
SELECT count(*) AS uo_runs_diff FROM ((SELECT * FROM l_uo EXCEPT ALL SELECT * FROM h_uo) UNION ALL (SELECT * FROM h_uo EXCEPT ALL SELECT * FROM l_uo)) d;

-- a text key
CREATE FOREIGN TABLE l_tk (k text PRIMARY KEY, c int) SERVER lake_mp
  OPTIONS (table '.mp/tk', auto_compaction 'false', compaction_stop_trigger '100000');
CREATE TABLE h_tk (k text PRIMARY KEY, c int);
INSERT INTO l_tk SELECT 'key' || lpad(i::text, 6, '0'), i FROM generate_series(0, 19999) i;
INSERT INTO h_tk AS t SELECT 'key' || lpad(i::text, 6, '0'), i FROM generate_series(0, 19999) i ON CONFLICT (k) DO UPDATE SET c = EXCLUDED.c;
INSERT INTO l_tk SELECT 'key' || lpad(i::text, 6, '0'), -i FROM generate_series(0, 19999, 9) i;
INSERT INTO h_tk AS t SELECT 'key' || lpad(i::text, 6, '0'), -i FROM generate_series(0, 19999, 9) i ON CONFLICT (k) DO UPDATE SET c = EXCLUDED.c;
INSERT INTO l_tk SELECT 'key' || lpad(i::text, 6, '0') || 'x', 1 FROM generate_series(0, 19999, 7) i;
INSERT INTO h_tk AS t SELECT 'key' || lpad(i::text, 6, '0') || 'x', 1 FROM generate_series(0, 19999, 7) i ON CONFLICT (k) DO UPDATE SET c = EXCLUDED.c;
DELETE FROM l_tk WHERE k LIKE '%3';
DELETE FROM h_tk WHERE k LIKE '%3';
SELECT count(*) AS tk_diff FROM ((SELECT * FROM l_tk EXCEPT ALL SELECT * FROM h_tk) UNION ALL (SELECT * FROM h_tk EXCEPT ALL SELECT * FROM l_tk)) d;
SELECT (SELECT row(count(*), sum(c)) FROM l_tk) = (SELECT row(count(*), sum(c)) FROM h_tk) AS tk_totals_same;

-- a statement proposing a key twice to DO UPDATE fails as on heap, whether
-- its keys arrive ascending (checked by bisection) or not (hashed)
CREATE FOREIGN TABLE l_sk (k int, s text, c bigint, PRIMARY KEY (k, s)) SERVER lake_mp OPTIONS (table '.mp/sk');
CREATE TABLE h_sk (k int, s text, c bigint, PRIMARY KEY (k, s));
CREATE FOREIGN TABLE l_fk (k float8 PRIMARY KEY, c bigint) SERVER lake_mp OPTIONS (table '.mp/fk');
CREATE TABLE h_fk (k float8 PRIMARY KEY, c bigint);
INSERT INTO h_sk AS t SELECT k, s, 1 FROM (VALUES (-5, 'a'), (-1, 'a'), (3, 'a'), (-5, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_sk AS t SELECT k, s, 1 FROM (VALUES (-5, 'a'), (-1, 'a'), (3, 'a'), (-5, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO h_sk AS t SELECT k, s, 1 FROM (VALUES (1, 'a'), (5, 'a'), (9, 'a'), (5, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_sk AS t SELECT k, s, 1 FROM (VALUES (1, 'a'), (5, 'a'), (9, 'a'), (5, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO h_sk AS t SELECT k, s, 1 FROM (VALUES (9, 'a'), (5, 'a'), (1, 'a'), (9, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_sk AS t SELECT k, s, 1 FROM (VALUES (9, 'a'), (5, 'a'), (1, 'a'), (9, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO h_sk AS t SELECT k, s, 1 FROM (VALUES (1, 'a'), (2, 'a'), (0, 'a'), (-1, 'a'), (0, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_sk AS t SELECT k, s, 1 FROM (VALUES (1, 'a'), (2, 'a'), (0, 'a'), (-1, 'a'), (0, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO h_sk AS t SELECT k, s, 1 FROM (VALUES (1, 'a'), (2, 'a'), (0, 'a'), (2, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_sk AS t SELECT k, s, 1 FROM (VALUES (1, 'a'), (2, 'a'), (0, 'a'), (2, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO h_sk AS t SELECT k, s, 1 FROM (VALUES (1, 'a'), (1, 'ab'), (1, 'b'), (1, 'ab')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_sk AS t SELECT k, s, 1 FROM (VALUES (1, 'a'), (1, 'ab'), (1, 'b'), (1, 'ab')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO h_sk AS t SELECT k, s, 1 FROM (VALUES (1, 'b'), (1, 'a'), (2, 'a'), (3, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_sk AS t SELECT k, s, 1 FROM (VALUES (1, 'b'), (1, 'a'), (2, 'a'), (3, 'a')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO h_sk AS t SELECT k, s, 1 FROM (VALUES (-2147483648, ''), (2147483647, ''), (0, ''), (-2147483648, '')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_sk AS t SELECT k, s, 1 FROM (VALUES (-2147483648, ''), (2147483647, ''), (0, ''), (-2147483648, '')) v(k, s) ON CONFLICT (k, s) DO UPDATE SET c = t.c + EXCLUDED.c;
SELECT count(*) AS sk_diff FROM ((SELECT * FROM l_sk EXCEPT ALL SELECT * FROM h_sk) UNION ALL (SELECT * FROM h_sk EXCEPT ALL SELECT * FROM l_sk)) d;
INSERT INTO h_fk AS t SELECT k, 1 FROM (VALUES (0.0), ('-0'::float8)) v(k) ON CONFLICT (k) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_fk AS t SELECT k, 1 FROM (VALUES (0.0), ('-0'::float8)) v(k) ON CONFLICT (k) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO h_fk AS t SELECT k, 1 FROM (VALUES ('NaN'::float8), (1), ('NaN')) v(k) ON CONFLICT (k) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_fk AS t SELECT k, 1 FROM (VALUES ('NaN'::float8), (1), ('NaN')) v(k) ON CONFLICT (k) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO h_fk AS t SELECT k, 1 FROM (VALUES (1.5), (2.5), (-0.0), (0.0)) v(k) ON CONFLICT (k) DO UPDATE SET c = t.c + EXCLUDED.c;
INSERT INTO l_fk AS t SELECT k, 1 FROM (VALUES (1.5), (2.5), (-0.0), (0.0)) v(k) ON CONFLICT (k) DO UPDATE SET c = t.c + EXCLUDED.c;
SELECT count(*) AS fk_diff FROM ((SELECT * FROM l_fk EXCEPT ALL SELECT * FROM h_fk) UNION ALL (SELECT * FROM h_fk EXCEPT ALL SELECT * FROM l_fk)) d;

DROP SERVER lake_mp CASCADE;
DROP TABLE h_dd;
DROP TABLE h_pu;
DROP TABLE h_ag;
DROP TABLE h_fr;
DROP TABLE h_sq;
DROP TABLE h_tk;
DROP TABLE h_uo;
DROP TABLE h_sk;
DROP TABLE h_fk;
