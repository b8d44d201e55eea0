-- Late materialisation (lake_fdw.enable_late_materialize): a scan with a
-- pushed filter decodes the filter's columns first and the other columns
-- only at the rows that may match.  Every query here runs on a heap table
-- with a real PRIMARY KEY (the oracle) and on the lake table with the
-- setting on and off: same rows.  The data spans many data pages (1,024
-- rows each on primary-key tables), dictionary and plain pages, NULLs in
-- every non-key column, several versions of keys (upserts in later files,
-- deletes), an append table (no merge), rows of the transaction itself,
-- and a column added after the first files were written.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER lake_lm FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE lm (
  k1 int NOT NULL, k2 bigint NOT NULL, lowcard text, big bigint, f float8,
  d numeric(20,4), ts timestamptz, b bool, u uuid, PRIMARY KEY (k1, k2)
) SERVER lake_lm OPTIONS (table '.lm/t', buckets '2');
CREATE TABLE lm_heap (
  k1 int NOT NULL, k2 bigint NOT NULL, lowcard text, big bigint, f float8,
  d numeric(20,4), ts timestamptz, b bool, u uuid, PRIMARY KEY (k1, k2));
CREATE TYPE lm_row AS (
  k1 int, k2 bigint, lowcard text, big bigint, f float8, d numeric(20,4), ts timestamptz, b bool, u uuid);
CREATE FUNCTION lm_src(n int, salt int) RETURNS SETOF lm_row LANGUAGE sql IMMUTABLE AS $$
  SELECT g % 7, g::bigint,
         CASE WHEN g % 11 = 0 THEN NULL ELSE 'c' || (g % 5) END,
         CASE WHEN g % 13 = 0 THEN NULL ELSE g::bigint * 7919 + salt END,
         CASE WHEN g % 17 = 0 THEN NULL ELSE g / 3.0 END,
         CASE WHEN g % 19 = 0 THEN NULL ELSE (g * 1.0001)::numeric(20,4) END,
         CASE WHEN g % 23 = 0 THEN NULL ELSE timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute' END,
         CASE WHEN g % 29 = 0 THEN NULL ELSE g % 2 = 0 END,
         CASE WHEN g % 31 = 0 THEN NULL ELSE md5(g::text)::uuid END
  FROM generate_series(0, n - 1) g $$;
INSERT INTO lm SELECT * FROM lm_src(20000, 0);
INSERT INTO lm_heap SELECT * FROM lm_src(20000, 0);
-- newer versions of every 10th key in a second file, some keys deleted
INSERT INTO lm AS t SELECT * FROM lm_src(20000, 1) s WHERE s.k2 % 10 = 3
  ON CONFLICT (k1, k2) DO UPDATE SET big = EXCLUDED.big, lowcard = 'upd';
INSERT INTO lm_heap AS t SELECT * FROM lm_src(20000, 1) s WHERE s.k2 % 10 = 3
  ON CONFLICT (k1, k2) DO UPDATE SET big = EXCLUDED.big, lowcard = 'upd';
DELETE FROM lm WHERE k2 % 100 = 7;
DELETE FROM lm_heap WHERE k2 % 100 = 7;
ALTER FOREIGN TABLE lm ADD COLUMN extra int;
ALTER TABLE lm_heap ADD COLUMN extra int;
INSERT INTO lm AS t SELECT k1, k2, lowcard, big, f, d, ts, b, u, 5 FROM lm_src(20000, 2) s WHERE s.k2 % 1000 = 500
  ON CONFLICT (k1, k2) DO UPDATE SET extra = EXCLUDED.extra;
INSERT INTO lm_heap AS t SELECT k1, k2, lowcard, big, f, d, ts, b, u, 5 FROM lm_src(20000, 2) s WHERE s.k2 % 1000 = 500
  ON CONFLICT (k1, k2) DO UPDATE SET extra = EXCLUDED.extra;

-- run one query on the lake (setting on, then off) and on the heap table: counts of rows that differ
CREATE FUNCTION lm_check(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  on_diff bigint;
  off_diff bigint;
  n bigint;
BEGIN
  SET LOCAL lake_fdw.enable_late_materialize = on;
  EXECUTE format('CREATE TEMP TABLE lm_on AS %s', replace(q, '$T', 'lm'));
  SET LOCAL lake_fdw.enable_late_materialize = off;
  EXECUTE format('CREATE TEMP TABLE lm_off AS %s', replace(q, '$T', 'lm'));
  EXECUTE format('CREATE TEMP TABLE lm_ref AS %s', replace(q, '$T', 'lm_heap'));
  SELECT count(*) INTO on_diff FROM ((TABLE lm_on EXCEPT ALL TABLE lm_ref) UNION ALL (TABLE lm_ref EXCEPT ALL TABLE lm_on)) x;
  SELECT count(*) INTO off_diff FROM ((TABLE lm_off EXCEPT ALL TABLE lm_ref) UNION ALL (TABLE lm_ref EXCEPT ALL TABLE lm_off)) x;
  SELECT count(*) INTO n FROM lm_ref;
  DROP TABLE lm_on, lm_off, lm_ref;
  RETURN format('%s rows, on differs %s, off differs %s', n, on_diff, off_diff);
END $$;

-- point lookups by the full key, at page boundaries and inside pages, updated, deleted, absent
SELECT k2, lm_check(format('SELECT * FROM $T WHERE k1 = %s AND k2 = %s', k2 % 7, k2))
FROM unnest(ARRAY[0, 1, 1023, 1024, 1025, 2047, 3003, 4107, 5500, 9999, 19999, 20000]::bigint[]) k2;
-- key ranges, IN lists, a partial key
SELECT lm_check('SELECT * FROM $T WHERE k1 = 3 AND k2 BETWEEN 1000 AND 1100');
SELECT lm_check('SELECT * FROM $T WHERE k1 = 2 AND k2 IN (2, 1024, 4096, 8192, 16385)');
SELECT lm_check('SELECT * FROM $T WHERE k2 < 3000');
SELECT lm_check('SELECT k2, d, extra FROM $T WHERE k1 = 5');
-- a non-key filter (not pushed into merged files: the merge decides first)
SELECT lm_check('SELECT * FROM $T WHERE big > 100000000 AND k2 % 3 = 0');
SELECT lm_check('SELECT * FROM $T WHERE lowcard = ''upd''');
SELECT lm_check('SELECT * FROM $T WHERE extra IS NOT NULL');
-- the transaction's own rows beside the files
BEGIN;
INSERT INTO lm VALUES (4, 4, 'mine', 1, 1, 1, now(), true, NULL, 9)
  ON CONFLICT (k1, k2) DO UPDATE SET lowcard = 'mine', extra = 9;
INSERT INTO lm_heap VALUES (4, 4, 'mine', 1, 1, 1, now(), true, NULL, 9)
  ON CONFLICT (k1, k2) DO UPDATE SET lowcard = 'mine', extra = 9;
SELECT lm_check('SELECT k1, k2, lowcard, extra FROM $T WHERE k1 = 4 AND k2 < 30');
ROLLBACK;

-- an append table: the full filter selects rows inside the file
CREATE FOREIGN TABLE lma (id bigint, cat text, v bigint, note text)
  SERVER lake_lm OPTIONS (table '.lm/a');
CREATE TABLE lma_heap (id bigint, cat text, v bigint, note text);
INSERT INTO lma SELECT g, 'cat' || (g % 4), CASE WHEN g % 9 = 0 THEN NULL ELSE g * 3 END, repeat('x', g % 50)
  FROM generate_series(1, 30000) g;
INSERT INTO lma_heap SELECT * FROM lma;
CREATE FUNCTION lma_check(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  on_diff bigint;
  off_diff bigint;
  n bigint;
BEGIN
  SET LOCAL lake_fdw.enable_late_materialize = on;
  EXECUTE format('CREATE TEMP TABLE lm_on AS %s', replace(q, '$T', 'lma'));
  SET LOCAL lake_fdw.enable_late_materialize = off;
  EXECUTE format('CREATE TEMP TABLE lm_off AS %s', replace(q, '$T', 'lma'));
  EXECUTE format('CREATE TEMP TABLE lm_ref AS %s', replace(q, '$T', 'lma_heap'));
  SELECT count(*) INTO on_diff FROM ((TABLE lm_on EXCEPT ALL TABLE lm_ref) UNION ALL (TABLE lm_ref EXCEPT ALL TABLE lm_on)) x;
  SELECT count(*) INTO off_diff FROM ((TABLE lm_off EXCEPT ALL TABLE lm_ref) UNION ALL (TABLE lm_ref EXCEPT ALL TABLE lm_off)) x;
  SELECT count(*) INTO n FROM lm_ref;
  DROP TABLE lm_on, lm_off, lm_ref;
  RETURN format('%s rows, on differs %s, off differs %s', n, on_diff, off_diff);
END $$;
SELECT lma_check('SELECT * FROM $T WHERE id = 12345');
SELECT lma_check('SELECT * FROM $T WHERE v > 60000 AND cat = ''cat1''');
SELECT lma_check('SELECT id, note FROM $T WHERE v IS NULL');
SELECT lma_check('SELECT * FROM $T WHERE id BETWEEN 1020 AND 1030 OR id > 29990');
-- EXPLAIN: one page per column read for a point lookup, one row read
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT * FROM lm WHERE k1 = 6 AND k2 = 4108;

DROP TABLE lm_heap, lma_heap CASCADE;
DROP FUNCTION lm_check, lma_check;
DROP TYPE lm_row CASCADE;
DROP SERVER lake_lm CASCADE;
