-- Compaction of primary-key lake tables: table options, lake_compact (on
-- demand, by trigger and full), contents unchanged (heap oracle), file
-- layout after compaction, time travel to a snapshot before it, and rows
-- written after a compaction still winning.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
-- a server of its own, and tables under a hidden directory, which IMPORT
-- FOREIGN SCHEMA skips: lake_create, running later, imports the whole root
CREATE SERVER lake_cmp FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');

-- option validation
CREATE FOREIGN TABLE c_bad (k int PRIMARY KEY) SERVER lake_cmp OPTIONS (table '.cmp/bad', compaction_trigger '1');
CREATE FOREIGN TABLE c_bad (k int PRIMARY KEY) SERVER lake_cmp OPTIONS (table '.cmp/bad', compaction_trigger 'five');
CREATE FOREIGN TABLE c_bad (k int PRIMARY KEY) SERVER lake_cmp OPTIONS (table '.cmp/bad', compaction_max_size_amplification '-1');
CREATE FOREIGN TABLE c_bad (k int PRIMARY KEY) SERVER lake_cmp OPTIONS (table '.cmp/bad', target_file_size '10');
CREATE FOREIGN TABLE c_bad (k int PRIMARY KEY) SERVER lake_cmp OPTIONS (table '.cmp/bad', target_file_size '2TB');
CREATE FOREIGN TABLE c_bad (k int PRIMARY KEY) SERVER lake_cmp OPTIONS (table '.cmp/bad', auto_compaction 'maybe');
CREATE FOREIGN TABLE c_bad (k int PRIMARY KEY) SERVER lake_cmp OPTIONS (table '.cmp/bad', compaction_triger '3');

-- lake_compact refuses what it cannot compact
CREATE TABLE c_heap_only (k int);
SELECT lake_compact('c_heap_only');
CREATE FOREIGN TABLE c_append (a int) SERVER lake_cmp OPTIONS (table '.cmp/append');
INSERT INTO c_append VALUES (1);
SELECT lake_compact('c_append');

-- a partitioned primary-key table, 2 buckets, no automatic compaction
CREATE FOREIGN TABLE c_pk (
  dt date, id int, v text, n bigint, PRIMARY KEY (dt, id)
) SERVER lake_cmp OPTIONS (table '.cmp/pk', partition_by 'dt', buckets '2',
                       auto_compaction 'false', compression 'lz4');
CREATE TABLE c_heap (dt date, id int, v text, n bigint, PRIMARY KEY (dt, id));

-- three commits overwriting keys (an INSERT of an existing key is an upsert)
INSERT INTO c_pk SELECT DATE '2026-01-01' + (g % 2), g, 'a' || g, g FROM generate_series(1, 400) g;
INSERT INTO c_pk SELECT DATE '2026-01-01' + (g % 2), g, 'b' || g, NULL FROM generate_series(1, 400, 3) g;
INSERT INTO c_pk SELECT DATE '2026-01-01' + (g % 2), g, NULL, -g FROM generate_series(300, 500, 7) g;
INSERT INTO c_heap SELECT DATE '2026-01-01' + (g % 2), g, 'a' || g, g FROM generate_series(1, 400) g;
INSERT INTO c_heap SELECT DATE '2026-01-01' + (g % 2), g, 'b' || g, NULL FROM generate_series(1, 400, 3) g
  ON CONFLICT (dt, id) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
INSERT INTO c_heap SELECT DATE '2026-01-01' + (g % 2), g, NULL, -g FROM generate_series(300, 500, 7) g
  ON CONFLICT (dt, id) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;

CREATE FUNCTION c_diff() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM ((TABLE c_pk EXCEPT ALL TABLE c_heap)
                        UNION ALL (TABLE c_heap EXCEPT ALL TABLE c_pk)) d $$;
CREATE FUNCTION c_layout() RETURNS TABLE (partition text, bucket int, level int, files bigint, rows numeric)
  LANGUAGE sql AS $$
  SELECT partition, bucket, level, count(*), sum(row_count) FROM lake_files('c_pk')
   GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 $$;

SELECT c_diff() AS diff, (SELECT count(*) FROM c_pk) AS rows;
SELECT * FROM c_layout();
SELECT max(snapshot_id) AS before_compaction FROM lake_snapshots('c_pk') \gset

-- 3 runs per bucket, under the default trigger (5): nothing to do
SELECT lake_compact('c_pk');
-- full: every bucket becomes one level-1 file, contents unchanged
SELECT lake_compact('c_pk', true);
SELECT * FROM c_layout();
SELECT c_diff() AS diff, (SELECT count(*) FROM c_pk) AS rows;
SELECT snapshot_id, kind, added_rows, deleted_rows, total_rows, total_files
  FROM lake_snapshots('c_pk') WHERE snapshot_id > :before_compaction ORDER BY 1;
-- nothing left to compact
SELECT lake_compact('c_pk', true);

-- time travel to the snapshot before the compaction reads the old files
CREATE FOREIGN TABLE c_pk_before (dt date, id int, v text, n bigint)
  SERVER lake_cmp OPTIONS (table '.cmp/pk', snapshot :'before_compaction');
SELECT count(*) FROM ((TABLE c_pk_before EXCEPT ALL TABLE c_heap)
                      UNION ALL (TABLE c_heap EXCEPT ALL TABLE c_pk_before)) d;
SELECT lake_compact('c_pk_before');

-- rows written after the compaction win over the rewritten ones
INSERT INTO c_pk VALUES ('2026-01-01', 2, 'after', 0), ('2026-01-02', 1, 'after', 0);
UPDATE c_heap SET v = 'after', n = 0 WHERE (dt, id) IN (('2026-01-01', 2), ('2026-01-02', 1));
SELECT * FROM c_pk WHERE id IN (1, 2) ORDER BY dt, id;
SELECT c_diff() AS diff;

-- size amplification: one small level-0 run beside the level-1 run
SELECT * FROM c_layout();
SELECT lake_compact('c_pk');
ALTER FOREIGN TABLE c_pk OPTIONS (ADD compaction_max_size_amplification '0');
SELECT lake_compact('c_pk');
SELECT * FROM c_layout();
SELECT c_diff() AS diff;

-- the trigger counts runs: two level-0 files beside level 1 make 3 runs
ALTER FOREIGN TABLE c_pk OPTIONS (SET compaction_max_size_amplification '100000', ADD compaction_trigger '3');
INSERT INTO c_pk VALUES ('2026-01-01', 2, 'x', 1);
INSERT INTO c_pk VALUES ('2026-01-01', 2, 'y', 2);
UPDATE c_heap SET v = 'y', n = 2 WHERE (dt, id) = ('2026-01-01', 2);
SELECT * FROM c_layout();
SELECT lake_compact('c_pk');
SELECT * FROM c_layout();
SELECT c_diff() AS diff;

-- a small target file size splits the output into several level-1 files
ALTER FOREIGN TABLE c_pk OPTIONS (ADD target_file_size '4kB');
INSERT INTO c_pk VALUES ('2026-01-01', 4, 'z', 4);
UPDATE c_heap SET v = 'z', n = 4 WHERE (dt, id) = ('2026-01-01', 4);
SELECT lake_compact('c_pk', true);
SELECT partition, bucket, bool_and(level = 1) AS level1, count(*) > 1 AS split
  FROM lake_files('c_pk') GROUP BY 1, 2 ORDER BY 1, 2;
SELECT c_diff() AS diff;

-- rolling back the calling transaction keeps the compaction (it changed no row)
ALTER FOREIGN TABLE c_pk OPTIONS (DROP target_file_size);
BEGIN;
SELECT lake_compact('c_pk', true);
ROLLBACK;
SELECT * FROM c_layout();
SELECT c_diff() AS diff;

-- privileges: compaction needs INSERT
CREATE ROLE c_reader;
GRANT SELECT ON c_pk TO c_reader;
SET ROLE c_reader;
SELECT lake_compact('c_pk');
RESET ROLE;
REVOKE ALL ON c_pk FROM c_reader;
DROP ROLE c_reader;

DROP FOREIGN TABLE c_append, c_pk, c_pk_before;
DROP TABLE c_heap, c_heap_only;
DROP FUNCTION c_diff();
DROP FUNCTION c_layout();
DROP SERVER lake_cmp;
