-- What point lookups keep across statements (lake_metadata_cache rows
-- "open data files"; the table cache of options and schema; a generic plan
-- for prepared lookups) must never serve stale rows or keep resources: the
-- descriptors of files that compaction and expiry delete are closed, a
-- reset closes them all, an option change is seen at once, errors in the
-- middle of scans leak neither descriptors nor memory.  The oracle is a
-- heap table with a real PRIMARY KEY; open descriptors are counted from
-- /proc/<backend pid>/fd.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER lake_lc FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE lc (id int, v text, n bigint, PRIMARY KEY (id))
  SERVER lake_lc OPTIONS (table '.lc/t', buckets '2');
CREATE TABLE lc_heap (id int PRIMARY KEY, v text, n bigint);
CREATE VIEW lc_diff AS
  (SELECT 'lake only' AS side, * FROM (SELECT * FROM lc EXCEPT ALL SELECT * FROM lc_heap) a)
  UNION ALL
  (SELECT 'heap only', * FROM (SELECT * FROM lc_heap EXCEPT ALL SELECT * FROM lc) b);
-- descriptors of this backend: open under the lake root, and deleted ones
SELECT :'lake_root' || '/.lc/fds-' || pg_backend_pid() AS fds_file \gset
-- (ls exits 1 when a descriptor closes while it lists them: the listing still counts)
SELECT format('sh -c ''ls -l /proc/%s/fd > %s 2>/dev/null; exit 0''', pg_backend_pid(), :'fds_file') AS fds_cmd \gset
CREATE FUNCTION lc_fds(OUT under_root int, OUT deleted int) LANGUAGE plpgsql AS $$
DECLARE
  lines text[];
BEGIN
  EXECUTE format('COPY (SELECT 1) TO PROGRAM %L', current_setting('lc.fds_cmd'));
  lines := string_to_array(pg_read_file(current_setting('lc.fds_file')), E'\n');
  SELECT count(*) FILTER (WHERE l LIKE '%' || current_setting('lc.root') || '/.lc/t/%'),
         count(*) FILTER (WHERE l LIKE '%' || current_setting('lc.root') || '/.lc/t/%(deleted)%')
    INTO under_root, deleted FROM unnest(lines) l;
END $$;
SELECT set_config('lc.fds_cmd', :'fds_cmd', false) IS NOT NULL AS set,
       set_config('lc.fds_file', :'fds_file', false) IS NOT NULL AS set,
       set_config('lc.root', :'lake_root', false) IS NOT NULL AS set;
SELECT lake_metadata_cache_reset();

-- three commits: three sorted runs per bucket
INSERT INTO lc SELECT g, 'a' || g, g FROM generate_series(1, 3000) g;
INSERT INTO lc SELECT g, 'b' || g, -g FROM generate_series(1, 3000, 3) g;
INSERT INTO lc SELECT g, 'c' || g, 2 * g FROM generate_series(2000, 4000) g;
INSERT INTO lc_heap SELECT g, 'a' || g, g FROM generate_series(1, 3000) g;
INSERT INTO lc_heap SELECT g, 'b' || g, -g FROM generate_series(1, 3000, 3) g
  ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
INSERT INTO lc_heap SELECT g, 'c' || g, 2 * g FROM generate_series(2000, 4000) g
  ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;

-- lookups keep the descriptors of the files they read
CREATE FUNCTION lc_lookups(lo int, hi int, step int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  bad bigint := 0;
  a lc;
  b lc_heap;
BEGIN
  FOR i IN lo..hi BY step LOOP
    SELECT * INTO a FROM lc WHERE id = i;
    SELECT * INTO b FROM lc_heap WHERE id = i;
    IF row(a.id, a.v, a.n) IS DISTINCT FROM row(b.id, b.v, b.n) THEN
      bad := bad + 1;
    END IF;
  END LOOP;
  RETURN bad;
END $$;
SELECT lc_lookups(1, 4100, 37) AS wrong_rows;
SELECT cache, entries > 0 AS cached, hits > 0 AS reused, entries <= 64 AS bounded
  FROM lake_metadata_cache() WHERE cache = 'open data files';
SELECT under_root > 0 AS kept, deleted FROM lc_fds();

-- compaction replaces every file and expiry deletes the old ones: the
-- descriptors of deleted files are closed, lookups read the new files
SELECT lake_compact('lc', true) > 0 AS compacted;
SELECT expired_snapshots > 0 AS expired, deleted_files > 0 AS deleted
  FROM lake_expire_snapshots('lc', 1, 1, '0 s');
SELECT deleted AS deleted_still_open FROM lc_fds();
SELECT lc_lookups(1, 4100, 41) AS wrong_rows;
SELECT * FROM lc_diff;
SELECT deleted AS deleted_still_open FROM lc_fds();

-- lake_metadata_cache_reset closes every kept descriptor
SELECT lake_metadata_cache_reset();
SELECT cache, entries FROM lake_metadata_cache() WHERE cache = 'open data files';
SELECT under_root AS open_after_reset FROM lc_fds();

-- errors in the middle of scans: nothing leaks (descriptors, memory)
CREATE FUNCTION lc_errors(k int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  errors int := 0;
BEGIN
  FOR i IN 1..k LOOP
    BEGIN
      PERFORM * FROM lc WHERE id = (i * 7) % 4000 + 1 AND 1 / (n - n) = 0;
    EXCEPTION WHEN division_by_zero THEN
      errors := errors + 1;
    END;
    BEGIN
      PERFORM * FROM lc WHERE id > (i * 13) % 3000 AND 1 / (n - n) = 0;
    EXCEPTION WHEN division_by_zero THEN
      errors := errors + 1;
    END;
  END LOOP;
  RETURN errors;
END $$;
SELECT lc_errors(50) AS errors;
SELECT lc_lookups(1, 4100, 53) AS wrong_rows;
SELECT sum(total_bytes) AS mem_before FROM pg_backend_memory_contexts
  WHERE name <> 'MessageContext' \gset
SELECT lc_errors(300) AS errors;
SELECT lc_lookups(1, 4100, 53) AS wrong_rows;
SELECT sum(total_bytes) - :mem_before < 64 * 1024 AS memory_bounded
  FROM pg_backend_memory_contexts WHERE name <> 'MessageContext';
SELECT under_root <= 64 AS descriptors_bounded, deleted FROM lc_fds();

-- an option change is seen at once (the table cache is invalidated)
SELECT min(snapshot_id) AS first_kept FROM lake_snapshots('lc') \gset
INSERT INTO lc VALUES (1, 'new', 100);
INSERT INTO lc_heap VALUES (1, 'new', 100) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
SELECT * FROM lc WHERE id = 1;
ALTER FOREIGN TABLE lc OPTIONS (ADD snapshot :'first_kept');
SELECT * FROM lc WHERE id = 1;
ALTER FOREIGN TABLE lc OPTIONS (DROP snapshot);
SELECT * FROM lc WHERE id = 1;

-- prepared lookups: the generic plan costs what a custom plan costs, is
-- kept, and prunes with the parameters' values at execution
CREATE FUNCTION lc_explain(q text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  l text;
BEGIN
  FOR l IN EXECUTE 'EXPLAIN ' || q LOOP
    IF l NOT LIKE '%Lake Snapshot:%' THEN
      -- pages read: one per column read (the hidden record kind too); the total depends on the page size
      RETURN NEXT regexp_replace(l, '(Pages Read: \d+) of \d+', '\1 of N');
    END IF;
  END LOOP;
END $$;
PREPARE lk(int) AS SELECT * FROM lc WHERE id = $1;
SET plan_cache_mode = force_custom_plan;
SELECT lc_explain('EXECUTE lk(5)');
SET plan_cache_mode = force_generic_plan;
SELECT lc_explain('EXECUTE lk(5)');
SELECT lc_explain('(ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE lk(5)');
RESET plan_cache_mode;
EXECUTE lk(1);
EXECUTE lk(2);
EXECUTE lk(3);
EXECUTE lk(4);
EXECUTE lk(5);
EXECUTE lk(2002);
-- a commit after the plan was made: the next execution sees it
INSERT INTO lc VALUES (2002, 'later', 7);
EXECUTE lk(2002);
SELECT generic_plans > 0 AS generic_kept FROM pg_prepared_statements WHERE name = 'lk';
DEALLOCATE lk;

DROP TABLE lc_heap CASCADE;
DROP SERVER lake_lc CASCADE;
