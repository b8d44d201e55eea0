-- Key seek: a lookup fixing the last key column by equality (the earlier
-- key column is the partition column, constant in each file) binary-searches
-- the sorted key column instead of decoding its page.  Keys at the first,
-- middle and last row of a page (1,024 rows) and of a zstd frame (256
-- rows), absent keys between two values, below the minimum and above the
-- maximum, keys with a newer version in a later file, deleted keys: each
-- lookup is compared with a heap table with a real PRIMARY KEY.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER lake_ks FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE ks (
  dt date NOT NULL, id bigint NOT NULL, small int, v text, PRIMARY KEY (dt, id)
) SERVER lake_ks OPTIONS (table 'ks/t', partition_by 'dt', buckets '1', compression 'zstd');
CREATE TABLE ks_heap (
  dt date NOT NULL, id bigint NOT NULL, small int, v text, PRIMARY KEY (dt, id));
-- row i of a day's file holds id 2 * i
INSERT INTO ks SELECT date '2026-11-01' + d, 2 * i, i % 1000, 'v' || i
  FROM generate_series(0, 1) d, generate_series(0, 5999) i;
INSERT INTO ks_heap SELECT * FROM ks;
-- newer versions of some keys in a later file, some keys deleted
UPDATE ks SET v = 'upd' WHERE id % 300 = 0;
UPDATE ks_heap SET v = 'upd' WHERE id % 300 = 0;
DELETE FROM ks WHERE id % 1000 = 2;
DELETE FROM ks_heap WHERE id % 1000 = 2;
CREATE FUNCTION ks_check(ids bigint[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  bad int := 0;
  n int := 0;
  a text;
  b text;
  x bigint;
  d int;
BEGIN
  FOR d IN 0..2 LOOP
    FOREACH x IN ARRAY ids LOOP
      EXECUTE format('SELECT string_agg(t::text, '';'') FROM ks t WHERE dt = %L AND id = %s',
                     date '2026-11-01' + d, x) INTO a;
      EXECUTE format('SELECT string_agg(t::text, '';'') FROM ks_heap t WHERE dt = %L AND id = %s',
                     date '2026-11-01' + d, x) INTO b;
      n := n + 1;
      IF a IS DISTINCT FROM b THEN
        bad := bad + 1;
        RAISE NOTICE 'day % id %: lake % heap %', d, x, a, b;
      END IF;
    END LOOP;
  END LOOP;
  RETURN format('%s lookups, %s differ', n, bad);
END $$;
-- rows 0, 1, 255, 256, 257, 511, 512, 767, 768, 1023, 1024, 1025, 2047,
-- 2048, 5998, 5999, the odd ids after some, below the minimum, above the
-- maximum, updated and deleted keys
SELECT ks_check(ARRAY[0, 2, 510, 512, 514, 1022, 1024, 1534, 1536, 2046, 2048, 2050,
                      4094, 4096, 11996, 11998, 1, 511, 513, 2047, 2049, 11999,
                      -2, -1, 12000, 12001, 9223372036854775807, 300, 600, 3000,
                      1002, 2002, 3002]);
-- every key of a stretch spanning a page boundary, and the ids between them
SELECT ks_check(ARRAY(SELECT g::bigint FROM generate_series(1990, 2110) g));
-- the same as a prepared statement (generic plan after five executions)
PREPARE ks_get(date, bigint) AS SELECT t::text FROM ks t WHERE dt = $1 AND id = $2;
CREATE FUNCTION ks_check_prepared() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  bad int := 0;
  a text;
  b text;
BEGIN
  FOR x IN -3..2060 LOOP
    EXECUTE format('EXECUTE ks_get(%L, %s)', date '2026-11-02', x) INTO a;
    SELECT t::text INTO b FROM ks_heap t WHERE dt = date '2026-11-02' AND id = x;
    IF a IS DISTINCT FROM b THEN
      bad := bad + 1;
    END IF;
  END LOOP;
  RETURN format('%s differ', bad);
END $$;
SELECT ks_check_prepared();
DROP FUNCTION ks_check_prepared();
DEALLOCATE ks_get;
-- EXPLAIN ANALYZE counts the seeks: one per file read (the day's first
-- file, the UPDATE's and the DELETE's: a tombstone's key column is as NOT
-- NULL as any other file's), none without late materialisation
CREATE FUNCTION ks_seeks(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF l ~ 'Lake (Files Read|Key Seeks|Rows Read)' THEN
      RETURN NEXT btrim(l);
    END IF;
  END LOOP;
END $$;
SELECT ks_seeks('SELECT * FROM ks WHERE dt = ''2026-11-01'' AND id = 514');
SELECT ks_seeks('SELECT * FROM ks WHERE dt = ''2026-11-01'' AND id = 515');
SET lake_fdw.enable_late_materialize = off;
SELECT ks_seeks('SELECT * FROM ks WHERE dt = ''2026-11-01'' AND id = 514');
RESET lake_fdw.enable_late_materialize;
DROP FUNCTION ks_seeks(text);
DROP FUNCTION ks_check(bigint[]);
DROP TABLE ks_heap;
DROP FOREIGN TABLE ks;
DROP SERVER lake_ks;
