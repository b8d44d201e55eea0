-- Snapshots and time travel: lake_snapshots, lake_fdw.as_of, tags, pinned
-- tables (options snapshot and tag), REPEATABLE READ keeping its snapshot.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER IF NOT EXISTS lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE tt (id int, v text) SERVER lake OPTIONS (table 'tt/tt');

SELECT * FROM lake_snapshots('tt');
SELECT lake_create_tag('tt', 'empty');
INSERT INTO tt VALUES (1, 'first');
SELECT now() AS after_first \gset
SELECT pg_sleep(0.01);
INSERT INTO tt VALUES (2, 'second');
INSERT INTO tt VALUES (3, 'third');
SELECT snapshot_id, kind, schema_id, added_rows, deleted_rows, total_rows, total_files,
       total_bytes > 0 AS has_bytes, committed_at <= now() AS in_past
  FROM lake_snapshots('tt');

-- time travel by timestamp
SET lake_fdw.as_of = :'after_first';
SELECT * FROM tt ORDER BY id;
INSERT INTO tt VALUES (9, 'refused');
SET lake_fdw.as_of = '2000-01-01 00:00:00+00';
SELECT * FROM tt;
SET lake_fdw.as_of = 'not a time';
SELECT * FROM tt;
RESET lake_fdw.as_of;
SELECT * FROM tt ORDER BY id;

-- tags and pinned tables
SELECT lake_create_tag('tt', 'v2', 2);
SELECT lake_create_tag('tt', 'v2', 3);
SELECT lake_create_tag('tt', 'bad/name', 3);
SELECT lake_create_tag('tt', 'v99', 99);
SELECT * FROM lake_tags('tt') ORDER BY name;
CREATE FOREIGN TABLE tt_v2 (id int, v text) SERVER lake OPTIONS (table 'tt/tt', tag 'v2');
CREATE FOREIGN TABLE tt_s1 (id int, v text) SERVER lake OPTIONS (table 'tt/tt', snapshot '1');
CREATE FOREIGN TABLE tt_s99 (id int, v text) SERVER lake OPTIONS (table 'tt/tt', snapshot '99');
CREATE FOREIGN TABLE tt_nope (id int, v text) SERVER lake OPTIONS (table 'tt/tt', tag 'nope');
SELECT * FROM tt_v2 ORDER BY id;
SELECT * FROM tt_s1 ORDER BY id;
SELECT * FROM tt_s99;
SELECT * FROM tt_nope;
INSERT INTO tt_v2 VALUES (4, 'read-only');
SELECT lake_drop_tag('tt', 'v2');
SELECT * FROM tt_v2;
SELECT lake_drop_tag('tt', 'v2');

-- a REPEATABLE READ transaction reads its own writes on top of its snapshot
-- (reads across sessions are in the isolation tests)
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM tt;
INSERT INTO tt VALUES (5, 'own write');
SELECT count(*) FROM tt;
COMMIT;
SELECT count(*) FROM tt;

-- schema evolution: old files read the new column as NULL
ALTER FOREIGN TABLE tt ADD COLUMN extra numeric(10,2);
INSERT INTO tt VALUES (6, 'sixth', 6.5);
SELECT * FROM tt ORDER BY id;
SELECT snapshot_id, kind, schema_id FROM lake_snapshots('tt') ORDER BY snapshot_id DESC LIMIT 2;
-- the pinned table reads its snapshot with the schema it declares
SELECT * FROM tt_s1;

DROP FOREIGN TABLE tt, tt_v2, tt_s1;
