-- Late materialisation driven by the scan's own filter (Lake Filter) on
-- append tables: the filter's columns are decoded for the whole batch, the
-- other wanted columns are decoded from Parquet at the rows that pass only.
-- Every query runs on the lake with the path on (default), with
-- lake_fdw.enable_late_materialize off, with lake_fdw.enable_scan_filter off,
-- and on a heap table holding the same rows: same rows, same errors.
-- Files: one row group of 20,000 rows (batches of 8,192 rows, conversion
-- chunks of 1,024), then row groups of 1,024 rows, then a column added
-- after those files were written; NULLs in every column.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;
CREATE SERVER lake_wf FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE wf (
  id bigint, url text, grp int, n numeric(20,4), f float8, ts timestamptz,
  b bool, u uuid, d date, note text, big bigint
) SERVER lake_wf OPTIONS (table '.wf/a');
CREATE TABLE wf_heap (
  id bigint, url text, grp int, n numeric(20,4), f float8, ts timestamptz,
  b bool, u uuid, d date, note text, big bigint);
CREATE FUNCTION wf_src(lo int, hi int) RETURNS TABLE (
  id bigint, url text, grp int, n numeric(20,4), f float8, ts timestamptz,
  b bool, u uuid, d date, note text, big bigint) LANGUAGE sql IMMUTABLE AS $$
  SELECT g::bigint,
         CASE WHEN g % 11 = 0 THEN NULL
              WHEN g % 97 = 0 THEN 'http://www.google.com/search?q=' || g
              ELSE 'http://site' || (g % 50) || '.example/page/' || g END,
         CASE WHEN g % 13 = 0 THEN NULL ELSE g % 10 END,
         CASE WHEN g % 17 = 0 THEN NULL ELSE (g * 1.0001)::numeric(20,4) END,
         CASE WHEN g % 19 = 0 THEN NULL ELSE g / 3.0 END,
         CASE WHEN g % 23 = 0 THEN NULL ELSE timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute' END,
         CASE WHEN g % 29 = 0 THEN NULL ELSE g % 2 = 0 END,
         CASE WHEN g % 31 = 0 THEN NULL ELSE md5(g::text)::uuid END,
         CASE WHEN g % 37 = 0 THEN NULL ELSE date '2026-01-01' + g % 400 END,
         CASE WHEN g % 41 = 0 THEN NULL ELSE repeat(chr(97 + g % 26), g % 60) END,
         CASE WHEN g % 43 = 0 THEN NULL ELSE g::bigint * 7919 END
  FROM generate_series(lo, hi) g $$;
SET lake_fdw.row_group_rows = 20000;
INSERT INTO wf SELECT * FROM wf_src(0, 19999);
SET lake_fdw.row_group_rows = 1024;
INSERT INTO wf SELECT * FROM wf_src(20000, 25999);
RESET lake_fdw.row_group_rows;
INSERT INTO wf_heap SELECT * FROM wf_src(0, 25999);
ALTER FOREIGN TABLE wf ADD COLUMN extra text;
ALTER TABLE wf_heap ADD COLUMN extra text;
INSERT INTO wf SELECT *, CASE WHEN id % 3 = 0 THEN NULL ELSE 'x' || id END FROM wf_src(26000, 27999);
INSERT INTO wf_heap SELECT *, CASE WHEN id % 3 = 0 THEN NULL ELSE 'x' || id END FROM wf_src(26000, 27999);

-- wf_check(q): rows of q ($T: the table) differing from the heap's, per setting
CREATE FUNCTION wf_check(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  diff bigint[] := '{}';
  n bigint;
  setting text;
BEGIN
  EXECUTE format('CREATE TEMP TABLE wf_ref AS %s', replace(q, '$T', 'wf_heap'));
  FOREACH setting IN ARRAY ARRAY['default', 'lake_fdw.enable_late_materialize',
                                 'lake_fdw.enable_scan_filter'] LOOP
    IF setting <> 'default' THEN
      PERFORM set_config(setting, 'off', true);
    END IF;
    EXECUTE format('CREATE TEMP TABLE wf_out AS %s', replace(q, '$T', 'wf'));
    diff := diff || (SELECT count(*) FROM ((TABLE wf_out EXCEPT ALL TABLE wf_ref)
                     UNION ALL (TABLE wf_ref EXCEPT ALL TABLE wf_out)) x);
    DROP TABLE wf_out;
    IF setting <> 'default' THEN
      PERFORM set_config(setting, 'on', true);
    END IF;
  END LOOP;
  SELECT count(*) INTO n FROM wf_ref;
  DROP TABLE wf_ref;
  RETURN format('%s rows, differing %s', n, array_to_string(diff, '/'));
END $$;

-- the plan: a Lake Filter the pruning predicate cannot evaluate (LIKE)
EXPLAIN (COSTS OFF) SELECT * FROM wf WHERE url LIKE '%google%' ORDER BY ts LIMIT 10;
-- no row passes, every row passes, some
SELECT wf_check('SELECT * FROM $T WHERE url LIKE ''%nothing-matches%''');
SELECT wf_check('SELECT * FROM $T WHERE length(coalesce(url, '''')) >= 0');
SELECT wf_check('SELECT * FROM $T WHERE url LIKE ''%google%''');
SELECT wf_check('SELECT * FROM $T WHERE url LIKE ''%google%'' ORDER BY ts LIMIT 10');
SELECT wf_check('SELECT id, note, extra FROM $T WHERE grp = 3 AND f > 100');
-- rows at conversion chunk, batch and page boundaries (the filter is not pushed)
SELECT wf_check('SELECT * FROM $T WHERE (id % 1024) IN (0, 1, 1023)');
SELECT wf_check('SELECT * FROM $T WHERE (id + 0) IN (0, 1023, 1024, 1025, 8191, 8192, 8193, 16383, 16384, 16385, 19999, 20000, 20001, 21503, 21504, 25999, 26000, 27999)');
SELECT wf_check('SELECT * FROM $T WHERE (id % 8192) BETWEEN 8190 AND 8191 OR (id % 8192) < 2');
-- with a pushed predicate beside it (the reader decodes the predicate's columns first)
SELECT wf_check('SELECT * FROM $T WHERE id BETWEEN 8000 AND 8400 AND url LIKE ''%site1%''');
SELECT wf_check('SELECT * FROM $T WHERE id IN (1, 8192, 20500) AND grp IS NOT NULL');
-- NULLs: in the filter's columns, in the others
SELECT wf_check('SELECT * FROM $T WHERE url IS NULL');
SELECT wf_check('SELECT * FROM $T WHERE (grp IS NULL) <> (note IS NULL)');
SELECT wf_check('SELECT url, note, u, extra FROM $T WHERE coalesce(grp, -1) < 0');
-- the column added after the files were written: NULL in the old ones
SELECT wf_check('SELECT * FROM $T WHERE extra LIKE ''x2600%''');
SELECT wf_check('SELECT * FROM $T WHERE extra IS NULL AND (id % 997) = 0');
SELECT wf_check('SELECT id, extra FROM $T WHERE url LIKE ''%google%''');
-- the transaction's own rows, in memory and spilled, and a savepoint rolled back
BEGIN;
SET LOCAL lake_fdw.write_buffer_mem = '1MB';
INSERT INTO wf SELECT *, 'own' FROM wf_src(30000, 39999);
INSERT INTO wf_heap SELECT *, 'own' FROM wf_src(30000, 39999);
SAVEPOINT s;
INSERT INTO wf SELECT *, 'gone' FROM wf_src(40000, 49999);
ROLLBACK TO SAVEPOINT s;
INSERT INTO wf SELECT *, 'mem' FROM wf_src(50000, 50099);
INSERT INTO wf_heap SELECT *, 'mem' FROM wf_src(50000, 50099);
SELECT wf_check('SELECT * FROM $T WHERE url LIKE ''%google%'' OR (id % 5000) = 1');
SELECT wf_check('SELECT id, extra, note FROM $T WHERE extra <> ''own'' AND url LIKE ''%site2%''');
ROLLBACK;

-- errors: raised on a row heap raises on, with heap's message, and only then
SELECT count(*) FROM wf_heap WHERE 100 / (id - 12345) > 0 AND note IS NOT NULL;
SELECT count(*) FROM wf WHERE 100 / (id - 12345) > 0 AND note IS NOT NULL;
SELECT id, note FROM wf_heap WHERE url LIKE '%google%' AND 1 / (id % 97) = 0 LIMIT 1;
SELECT id, note FROM wf WHERE url LIKE '%google%' AND 1 / (id % 97) = 0 LIMIT 1;
SELECT wf_check('SELECT * FROM $T WHERE id > 20000 AND 1000000 / (id - 12345) > 100');
SELECT wf_check('SELECT * FROM $T WHERE url LIKE ''%google%'' AND 1 / ((id % 97) + 1) = 1');
-- cast errors in the filter
SELECT count(*) FROM wf_heap WHERE (CASE WHEN id = 15000 THEN 'x' ELSE id::text END)::int > 0;
SELECT count(*) FROM wf WHERE (CASE WHEN id = 15000 THEN 'x' ELSE id::text END)::int > 0;

-- EXPLAIN: rows removed by the Lake Filter, exactly the rows heap's filter removes
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT * FROM wf WHERE url LIKE '%google%';
SELECT count(*) AS removed_on_heap FROM wf_heap WHERE NOT (url LIKE '%google%') OR url IS NULL;

-- the other columns are read at the passing rows only: fewer bytes read
-- than with the setting off (row groups without a passing row: none of
-- their pages), and none of their pages where no row passes at all
CREATE FUNCTION wf_bytes(q text, late bool) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  PERFORM set_config('lake_fdw.enable_late_materialize', late::text, true);
  EXECUTE 'EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) ' || q INTO plan;
  PERFORM set_config('lake_fdw.enable_late_materialize', 'on', true);
  RETURN (plan -> 0 -> 'Plan' ->> 'Lake Bytes Read')::bigint;
END $$;
SELECT wf_bytes('SELECT * FROM wf WHERE (id + 0) = 27999', true)
     < wf_bytes('SELECT * FROM wf WHERE (id + 0) = 27999', false) AS fewer_bytes;
SELECT wf_bytes('SELECT * FROM wf WHERE url LIKE ''%nothing-matches%''', true)
     = wf_bytes('SELECT url FROM wf WHERE url LIKE ''%nothing-matches%''', false) AS filter_column_only;

DROP TABLE wf_heap;
DROP FUNCTION wf_check, wf_src, wf_bytes;
DROP SERVER lake_wf CASCADE;
