-- Backend-local metadata caches (lake_fdw.metadata_cache_size): parsed
-- footers and page indexes of data files, and the file sets of snapshots,
-- reused across statements and nested loop probes.  They must never return
-- stale rows: new snapshots are seen at once in the same session, time
-- travel, compaction, expiry (files deleted), a table dropped and created
-- again on the same path, a file truncated under the cache; and the cache
-- stays within its bound.  The oracle is a heap table with a real PRIMARY KEY.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER lake_mc FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE mc (id int, v text, n bigint, PRIMARY KEY (id))
  SERVER lake_mc OPTIONS (table '.mc/t', buckets '1');
CREATE TABLE mc_heap (id int PRIMARY KEY, v text, n bigint);
CREATE VIEW mc_diff AS
  (SELECT 'lake only' AS side, * FROM (SELECT * FROM mc EXCEPT ALL SELECT * FROM mc_heap) a)
  UNION ALL
  (SELECT 'heap only', * FROM (SELECT * FROM mc_heap EXCEPT ALL SELECT * FROM mc) b);
SELECT lake_metadata_cache_reset();
SHOW lake_fdw.metadata_cache_size;

INSERT INTO mc SELECT g, 'v' || g, g FROM generate_series(1, 5000) g;
INSERT INTO mc_heap SELECT g, 'v' || g, g FROM generate_series(1, 5000) g;
SELECT * FROM mc WHERE id = 42;
SELECT * FROM mc WHERE id = 42;
SELECT cache, entries > 0 AS cached, hits > 0 AS reused, bytes <= limit_bytes AS bounded
  FROM lake_metadata_cache() ORDER BY cache;
SELECT max(committed_at) AS first_time FROM lake_snapshots('mc') \gset

-- a new snapshot is visible at once in the same session
INSERT INTO mc VALUES (42, 'new', -42), (5001, 'v5001', 5001);
INSERT INTO mc_heap VALUES (42, 'new', -42), (5001, 'v5001', 5001)
  ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
SELECT * FROM mc WHERE id IN (41, 42, 43, 5001) ORDER BY id;
SELECT * FROM mc_diff;

-- lookup-path upserts (read the existing version), several per statement
INSERT INTO mc AS t SELECT g, 'l' || g, 1 FROM generate_series(100, 5100, 250) g
  ON CONFLICT (id) DO UPDATE SET n = t.n * 2 + EXCLUDED.n WHERE t.n >= 0;
INSERT INTO mc_heap AS t SELECT g, 'l' || g, 1 FROM generate_series(100, 5100, 250) g
  ON CONFLICT (id) DO UPDATE SET n = t.n * 2 + EXCLUDED.n WHERE t.n >= 0;
SELECT * FROM mc_diff;
-- in one transaction: its own writes, then the lookup path again
BEGIN;
INSERT INTO mc VALUES (7, 'tx', 70);
INSERT INTO mc AS t VALUES (7, 'tx2', 1), (8, 'tx2', 1)
  ON CONFLICT (id) DO UPDATE SET n = t.n + EXCLUDED.n;
SELECT * FROM mc WHERE id IN (7, 8) ORDER BY id;
COMMIT;
INSERT INTO mc_heap VALUES (7, 'tx', 71), (8, 'v8', 9)
  ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v, n = EXCLUDED.n;
SELECT * FROM mc_diff;

-- nested loop probes (rescans) agree with the heap
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT count(*), sum(m.n), sum(length(m.v))
  FROM generate_series(1, 5200, 7) k(g) JOIN mc m ON m.id = k.g;
SELECT count(*), sum(m.n), sum(length(m.v))
  FROM generate_series(1, 5200, 7) k(g) JOIN mc_heap m ON m.id = k.g;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- time travel to the first snapshot, then back
SET lake_fdw.as_of = :'first_time';
SELECT * FROM mc WHERE id IN (7, 42, 5001) ORDER BY id;
SELECT count(*), sum(n) FROM mc;
RESET lake_fdw.as_of;
SELECT * FROM mc WHERE id IN (7, 42, 5001) ORDER BY id;

-- compaction replaces every file; expiry deletes the old ones
SELECT lake_compact('mc', true) > 0 AS compacted;
SELECT * FROM mc_diff;
SELECT expired_snapshots > 0 AS expired, deleted_files > 0 AS deleted
  FROM lake_expire_snapshots('mc', 1, 1, '0 s');
SELECT * FROM mc_diff;
SELECT * FROM mc WHERE id = 42;
-- the expired first snapshot is gone, not served from the cache
SET lake_fdw.as_of = :'first_time';
DO $$
BEGIN
  PERFORM count(*) FROM mc;
  RAISE WARNING 'an expired snapshot was read';
EXCEPTION WHEN snapshot_too_old THEN
  RAISE WARNING 'expired snapshot: SQLSTATE %', SQLSTATE;
END $$;
RESET lake_fdw.as_of;

-- a table dropped and created again on the same path: a new snapshot 1
DROP FOREIGN TABLE mc CASCADE;
SELECT 'rm -rf ' || :'lake_root' || '/.mc/t' AS rmcmd \gset
COPY (SELECT 1) TO PROGRAM :'rmcmd';
CREATE FOREIGN TABLE mc (id int, v text, n bigint, PRIMARY KEY (id))
  SERVER lake_mc OPTIONS (table '.mc/t', buckets '1');
SELECT count(*) FROM lake_snapshots('mc');
SELECT * FROM mc WHERE id = 42;
INSERT INTO mc VALUES (42, 'reborn', 1);
SELECT snapshot_id, total_rows FROM lake_snapshots('mc');
SELECT * FROM mc WHERE id = 42;

-- schemas and snapshot files are cached by file identity: a schema change
-- in this session is seen at once (schema-1), in another session too
SELECT * FROM mc WHERE id = 42;
ALTER FOREIGN TABLE mc ADD COLUMN extra int;
INSERT INTO mc VALUES (43, 'with extra', 2, 430);
SELECT * FROM mc ORDER BY id;
\c
SET client_min_messages = warning;
ALTER FOREIGN TABLE mc ADD COLUMN extra2 text;
INSERT INTO mc VALUES (44, 'x2', 3, 440, 'e2');
SELECT * FROM mc ORDER BY id;
-- a rollback is a new snapshot: the old file set comes back, then goes
SELECT snapshot_id AS before_x2 FROM lake_snapshots('mc')
  WHERE total_rows = 2 ORDER BY snapshot_id DESC LIMIT 1 \gset
SELECT * FROM mc WHERE id = 44;
SELECT lake_rollback('mc', :before_x2) > :before_x2 AS rolled_back;
SELECT * FROM mc ORDER BY id;
INSERT INTO mc VALUES (45, 'after rollback', 5, 450, 'r');
SELECT * FROM mc ORDER BY id;
-- re-created on the same path with other columns: its schema-0 and
-- snapshot-1 are new files with the old names
DROP FOREIGN TABLE mc CASCADE;
COPY (SELECT 1) TO PROGRAM :'rmcmd';
CREATE FOREIGN TABLE mc (id int, w numeric(6,2), PRIMARY KEY (id))
  SERVER lake_mc OPTIONS (table '.mc/t', buckets '1');
SELECT * FROM mc;
INSERT INTO mc VALUES (1, 1.5);
SELECT * FROM mc;
DROP FOREIGN TABLE mc;
COPY (SELECT 1) TO PROGRAM :'rmcmd';
CREATE FOREIGN TABLE mc (id int, v text, n bigint, PRIMARY KEY (id))
  SERVER lake_mc OPTIONS (table '.mc/t', buckets '1');
INSERT INTO mc VALUES (1, 'third', 3);
SELECT * FROM mc;
-- the decoded latest snapshot was reused across statements; the rows above
-- show it never stood in for a re-created table's snapshot-1 (another file
-- under the same name, as the one decoded before the second DROP)
SELECT cache, hits > 0 AS reused FROM lake_metadata_cache()
  WHERE cache IN ('metadata files', 'decoded snapshots') ORDER BY cache;

-- a data file truncated after its footer was cached: an error, never rows
CREATE FOREIGN TABLE mc_bad (id int, v text, PRIMARY KEY (id))
  SERVER lake_mc OPTIONS (table '.mc/bad', buckets '1');
INSERT INTO mc_bad SELECT g, 'b' || g FROM generate_series(1, 1000) g;
SELECT * FROM mc_bad WHERE id = 5;
SELECT 'truncate -s 200 ' || :'lake_root' || '/.mc/bad/' || path AS trunc_cmd
  FROM lake_files('mc_bad') \gset
COPY (SELECT 1) TO PROGRAM :'trunc_cmd';
DO $$
BEGIN
  PERFORM * FROM mc_bad WHERE id = 5;
  RAISE WARNING 'truncated file read without an error';
EXCEPTION WHEN data_corrupted THEN
  RAISE WARNING 'truncated file: SQLSTATE %', SQLSTATE;
END $$;

-- bounded: a small cache over many lookups of several files
SELECT lake_metadata_cache_reset();
SET lake_fdw.metadata_cache_size = '64kB';
CREATE FOREIGN TABLE mc_many (id int, v text, PRIMARY KEY (id))
  SERVER lake_mc OPTIONS (table '.mc/many', buckets '4');
INSERT INTO mc_many SELECT g, repeat('x', 50) || g FROM generate_series(1, 4000) g;
INSERT INTO mc_many SELECT g, repeat('y', 50) || g FROM generate_series(2001, 6000) g;
DO $$
BEGIN
  FOR i IN 1..300 LOOP
    PERFORM * FROM mc_many WHERE id = i * 20;
  END LOOP;
END $$;
SELECT cache, entries > 0 AS cached, bytes <= limit_bytes AS bounded, limit_bytes,
       evictions > 0 AS evicted
  FROM lake_metadata_cache() ORDER BY cache;
SELECT count(*), sum(length(v)) FROM mc_many;
SET lake_fdw.metadata_cache_size = 0;
SELECT count(*), sum(length(v)) FROM mc_many;
SELECT cache, entries, bytes FROM lake_metadata_cache() ORDER BY cache;
RESET lake_fdw.metadata_cache_size;

DROP TABLE mc_heap;
DROP SERVER lake_mc CASCADE;
