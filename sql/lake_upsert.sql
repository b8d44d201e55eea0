-- Primary-key tables as merge trees: INSERT ... ON CONFLICT (blind and
-- lookup paths), UPDATE, DELETE, partition-wide DELETE and TRUNCATE, each
-- checked against a heap table with a real PRIMARY KEY fed the same
-- statements; the merge engines; EXPLAIN naming the path.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER IF NOT EXISTS lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');

CREATE FOREIGN TABLE up (dt date, id int, clicks bigint, cost numeric(12,2), region text, n int,
                         PRIMARY KEY (dt, id))
  SERVER lake OPTIONS (table 'up/up', partition_by 'dt', buckets '3',
                       auto_compaction 'false', auto_maintenance 'false');  -- stable snapshot kinds
CREATE TABLE up_heap (dt date, id int, clicks bigint, cost numeric(12,2), region text, n int,
                      PRIMARY KEY (dt, id));
-- differences between the lake table and the heap table (0 = equal)
CREATE FUNCTION up_diff() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM ((SELECT * FROM up EXCEPT ALL SELECT * FROM up_heap)
                        UNION ALL (SELECT * FROM up_heap EXCEPT ALL SELECT * FROM up)) d $$;

INSERT INTO up SELECT date '2026-11-01' + g % 3, g, g * 10, g * 1.5, 'r' || g % 4, g
  FROM generate_series(1, 60) g;
INSERT INTO up_heap SELECT date '2026-11-01' + g % 3, g, g * 10, g * 1.5, 'r' || g % 4, g
  FROM generate_series(1, 60) g;
SELECT up_diff();

-- blind forms: EXPLAIN names the merge of each column
EXPLAIN (COSTS OFF) INSERT INTO up AS t VALUES ('2026-11-01', 3, 1, 1, 'x', 1)
  ON CONFLICT (dt, id) DO UPDATE SET clicks = t.clicks + EXCLUDED.clicks, region = EXCLUDED.region,
    n = GREATEST(t.n, EXCLUDED.n), cost = COALESCE(t.cost, EXCLUDED.cost);
EXPLAIN (COSTS OFF) INSERT INTO up VALUES ('2026-11-01', 3, 1, 1, 'x', 1) ON CONFLICT DO NOTHING;
-- lookup forms
EXPLAIN (COSTS OFF) INSERT INTO up AS t VALUES ('2026-11-01', 3, 1, 1, 'x', 1)
  ON CONFLICT (id, dt) DO UPDATE SET n = t.n * 2;
EXPLAIN (COSTS OFF) INSERT INTO up AS t VALUES ('2026-11-01', 3, 1, 1, 'x', 1)
  ON CONFLICT (dt, id) DO UPDATE SET clicks = EXCLUDED.clicks WHERE t.n > 5;
EXPLAIN (COSTS OFF) INSERT INTO up VALUES ('2026-11-01', 3, 1, 1, 'x', 1)
  ON CONFLICT DO NOTHING RETURNING id;
EXPLAIN (COSTS OFF) UPDATE up SET n = 0 WHERE id = 3;
EXPLAIN (COSTS OFF) DELETE FROM up WHERE id = 3;
EXPLAIN (COSTS OFF) DELETE FROM up WHERE dt = '2026-11-02';

-- the same statements on both tables
INSERT INTO up AS t SELECT date '2026-11-01' + g % 3, g, 5, 2.25, 'new', g * 3 FROM generate_series(50, 80) g
  ON CONFLICT (dt, id) DO UPDATE SET clicks = t.clicks + EXCLUDED.clicks, region = EXCLUDED.region,
    n = GREATEST(t.n, EXCLUDED.n), cost = COALESCE(t.cost, EXCLUDED.cost);
INSERT INTO up_heap AS t SELECT date '2026-11-01' + g % 3, g, 5, 2.25, 'new', g * 3 FROM generate_series(50, 80) g
  ON CONFLICT (dt, id) DO UPDATE SET clicks = t.clicks + EXCLUDED.clicks, region = EXCLUDED.region,
    n = GREATEST(t.n, EXCLUDED.n), cost = COALESCE(t.cost, EXCLUDED.cost);
SELECT up_diff();
INSERT INTO up AS t VALUES ('2026-11-02', 1, NULL, NULL, NULL, NULL), ('2026-11-03', 2, 7, 7, 'b', 7)
  ON CONFLICT (dt, id) DO UPDATE SET clicks = t.clicks + EXCLUDED.clicks, cost = EXCLUDED.cost,
    n = LEAST(t.n, EXCLUDED.n), region = COALESCE(EXCLUDED.region, t.region);
INSERT INTO up_heap AS t VALUES ('2026-11-02', 1, NULL, NULL, NULL, NULL), ('2026-11-03', 2, 7, 7, 'b', 7)
  ON CONFLICT (dt, id) DO UPDATE SET clicks = t.clicks + EXCLUDED.clicks, cost = EXCLUDED.cost,
    n = LEAST(t.n, EXCLUDED.n), region = COALESCE(EXCLUDED.region, t.region);
SELECT up_diff();
INSERT INTO up SELECT date '2026-11-01' + g % 3, g, 0, 0, 'dup', 0 FROM generate_series(55, 95) g
  ON CONFLICT DO NOTHING;
INSERT INTO up_heap SELECT date '2026-11-01' + g % 3, g, 0, 0, 'dup', 0 FROM generate_series(55, 95) g
  ON CONFLICT DO NOTHING;
SELECT up_diff();

-- lookup path: arbitrary expressions, WHERE, RETURNING
INSERT INTO up AS t SELECT date '2026-11-01' + g % 3, g, 1, 1, 'lk', 1 FROM generate_series(90, 100) g
  ON CONFLICT (dt, id) DO UPDATE SET n = t.n * 2 + EXCLUDED.n, region = t.region || '+'
  WHERE t.id % 2 = 0 RETURNING id, n, region;
INSERT INTO up_heap AS t SELECT date '2026-11-01' + g % 3, g, 1, 1, 'lk', 1 FROM generate_series(90, 100) g
  ON CONFLICT (dt, id) DO UPDATE SET n = t.n * 2 + EXCLUDED.n, region = t.region || '+'
  WHERE t.id % 2 = 0 RETURNING id, n, region;
SELECT up_diff();
INSERT INTO up VALUES ('2026-11-01', 99, 0, 0, 'again', 0), ('2026-11-01', 200, 0, 0, 'fresh', 0)
  ON CONFLICT DO NOTHING RETURNING id, region;
INSERT INTO up_heap VALUES ('2026-11-01', 99, 0, 0, 'again', 0), ('2026-11-01', 200, 0, 0, 'fresh', 0)
  ON CONFLICT DO NOTHING RETURNING id, region;

-- PostgreSQL's errors
INSERT INTO up AS t VALUES ('2026-11-01', 3, 1, 1, 'x', 1), ('2026-11-01', 3, 2, 2, 'y', 2)
  ON CONFLICT (dt, id) DO UPDATE SET clicks = EXCLUDED.clicks;
INSERT INTO up AS t VALUES ('2026-11-01', 3, 1, 1, 'x', 1), ('2026-11-01', 3, 2, 2, 'y', 2)
  ON CONFLICT (dt, id) DO UPDATE SET n = t.n + 1;
INSERT INTO up VALUES ('2026-11-01', 3, 1, 1, 'x', 1) ON CONFLICT (id) DO NOTHING;
INSERT INTO up VALUES ('2026-11-01', 3, 1, 1, 'x', 1) ON CONFLICT (dt, id) WHERE id > 0 DO NOTHING;
INSERT INTO up VALUES ('2026-11-01', 3, 1, 1, 'x', 1) ON CONFLICT ON CONSTRAINT up_pkey DO NOTHING;
SELECT up_diff();

-- UPDATE may move a row to a new key, but not onto an existing one
UPDATE up SET id = id + 1000 WHERE id = 3;
UPDATE up_heap SET id = id + 1000 WHERE id = 3;
UPDATE up SET id = 6 WHERE id = 1003;
SELECT up_diff();

-- UPDATE and DELETE by primary key
UPDATE up SET clicks = clicks * 2, region = NULL WHERE n > 100;
UPDATE up_heap SET clicks = clicks * 2, region = NULL WHERE n > 100;
DELETE FROM up WHERE id % 7 = 0;
DELETE FROM up_heap WHERE id % 7 = 0;
SELECT up_diff();
DELETE FROM up WHERE id < 5 RETURNING dt, id, clicks;

DELETE FROM up_heap WHERE id < 5;
-- a deleted key comes back with a plain INSERT
INSERT INTO up VALUES ('2026-11-02', 1, 11, 11, 'back', 11);
INSERT INTO up_heap VALUES ('2026-11-02', 1, 11, 11, 'back', 11);
SELECT up_diff();

-- transactions and savepoints
BEGIN;
UPDATE up SET n = -1 WHERE id BETWEEN 10 AND 20;
UPDATE up_heap SET n = -1 WHERE id BETWEEN 10 AND 20;
SAVEPOINT s1;
DELETE FROM up WHERE id BETWEEN 10 AND 15;
INSERT INTO up AS t VALUES ('2026-11-01', 12, 0, 0, 'sp', 0) ON CONFLICT (dt, id) DO UPDATE SET region = 'sp';
ROLLBACK TO s1;
INSERT INTO up AS t VALUES ('2026-11-02', 11, 0, 0, 'kept', 0) ON CONFLICT (dt, id) DO UPDATE SET region = EXCLUDED.region;
INSERT INTO up_heap AS t VALUES ('2026-11-02', 11, 0, 0, 'kept', 0) ON CONFLICT (dt, id) DO UPDATE SET region = EXCLUDED.region;
SELECT up_diff();
COMMIT;
SELECT up_diff();
BEGIN;
DELETE FROM up WHERE id > 30;
INSERT INTO up VALUES ('2026-11-01', 300, 1, 1, 'rolled back', 1);
ROLLBACK;
SELECT up_diff();

-- partition-wide DELETE: metadata only, inside a transaction with savepoints
BEGIN;
INSERT INTO up VALUES ('2026-11-02', 500, 1, 1, 'pending', 1);
INSERT INTO up_heap VALUES ('2026-11-02', 500, 1, 1, 'pending', 1);
SAVEPOINT s2;
DELETE FROM up WHERE dt = '2026-11-01';
SELECT count(*) FROM up WHERE dt = '2026-11-01';
ROLLBACK TO s2;
SELECT up_diff();
DELETE FROM up WHERE dt >= '2026-11-02' AND dt < '2026-11-03';
DELETE FROM up_heap WHERE dt >= '2026-11-02' AND dt < '2026-11-03';
INSERT INTO up VALUES ('2026-11-02', 501, 1, 1, 'after drop', 1);
INSERT INTO up_heap VALUES ('2026-11-02', 501, 1, 1, 'after drop', 1);
SELECT up_diff();
COMMIT;
SELECT up_diff();
SELECT kind, deleted_rows > 0 AS deleted FROM lake_snapshots('up') ORDER BY snapshot_id DESC LIMIT 1;

-- TRUNCATE: one snapshot; then the table refills
TRUNCATE up;
TRUNCATE up_heap;
SELECT count(*) FROM up;
SELECT kind, total_files FROM lake_snapshots('up') ORDER BY snapshot_id DESC LIMIT 1;
INSERT INTO up VALUES ('2026-11-01', 1, 1, 1, 'refill', 1);
INSERT INTO up_heap VALUES ('2026-11-01', 1, 1, 1, 'refill', 1);
SELECT up_diff();

-- append tables: whole partitions and TRUNCATE only
CREATE FOREIGN TABLE ev (dt date, v int) SERVER lake OPTIONS (table 'up/ev', partition_by 'dt');
INSERT INTO ev SELECT date '2026-11-01' + g % 2, g FROM generate_series(1, 10) g;
DELETE FROM ev WHERE dt = '2026-11-01';
SELECT dt, count(*) FROM ev GROUP BY dt;
DELETE FROM ev WHERE v = 2;
DELETE FROM ev;
SELECT count(*) FROM ev;

-- merge engines: a plain INSERT of an existing key merges by the engine
CREATE FOREIGN TABLE agg (k int PRIMARY KEY, clicks bigint OPTIONS (aggregate 'sum'),
    top int OPTIONS (aggregate 'max'), low numeric(6,2) OPTIONS (aggregate 'min'),
    tags text OPTIONS (aggregate 'listagg'), any_flag bool OPTIONS (aggregate 'bool_or'),
    all_flag bool OPTIONS (aggregate 'bool_and'), prod int OPTIONS (aggregate 'product'),
    first text OPTIONS (aggregate 'first_value'), firstnn text OPTIONS (aggregate 'first_non_null_value'),
    last text OPTIONS (aggregate 'last_value'), lastnn text)
  SERVER lake OPTIONS (table 'up/agg', merge_engine 'aggregation', buckets '2');
INSERT INTO agg VALUES (1, 10, 5, 1.5, 'a', false, true, 2, NULL, NULL, 'l1', 'n1');
INSERT INTO agg VALUES (1, 5, 3, 0.5, 'b', true, true, 3, 'f2', 'f2', NULL, NULL),
                       (1, NULL, 9, NULL, NULL, NULL, false, NULL, 'f3', 'f3', 'l3', NULL);
SELECT * FROM agg;
-- ON CONFLICT keeps heap semantics whatever the engine
INSERT INTO agg AS t VALUES (1, 100, 0, 0, 'z', false, false, 0, 'x', 'x', 'x', 'x')
  ON CONFLICT (k) DO UPDATE SET clicks = EXCLUDED.clicks;
SELECT k, clicks, top, tags FROM agg;
DELETE FROM agg WHERE k = 1;
INSERT INTO agg VALUES (1, 1, 1, 1, 'again', false, false, 1, 'a', 'a', 'a', 'a');
SELECT k, clicks, tags FROM agg;
CREATE FOREIGN TABLE bad_agg (k int PRIMARY KEY, c text OPTIONS (aggregate 'sum'))
  SERVER lake OPTIONS (table 'up/bad', merge_engine 'aggregation');
-- an aggregate set after creation changes the lake schema
CREATE FOREIGN TABLE agg2 (k int PRIMARY KEY, c bigint) SERVER lake OPTIONS (table 'up/agg2', merge_engine 'aggregation');
ALTER FOREIGN TABLE agg2 ALTER COLUMN c OPTIONS (aggregate 'sum');
INSERT INTO agg2 VALUES (1, 1);
INSERT INTO agg2 VALUES (1, 2);
SELECT * FROM agg2;

CREATE FOREIGN TABLE pu (k int PRIMARY KEY, a text, b int) SERVER lake OPTIONS (table 'up/pu', merge_engine 'partial_update');
INSERT INTO pu VALUES (1, 'a', NULL);
INSERT INTO pu VALUES (1, NULL, 7);
INSERT INTO pu VALUES (1, 'b', NULL);
SELECT * FROM pu;

CREATE FOREIGN TABLE fr (k int PRIMARY KEY, a text) SERVER lake OPTIONS (table 'up/fr', merge_engine 'first_row');
INSERT INTO fr VALUES (1, 'first');
INSERT INTO fr VALUES (1, 'second'), (2, 'other');
SELECT * FROM fr ORDER BY k;
DELETE FROM fr WHERE k = 1;
INSERT INTO fr VALUES (1, 'after delete');
SELECT * FROM fr ORDER BY k;

-- sequence_column: a late event loses to a newer one; ties by commit order
CREATE FOREIGN TABLE sq (k int PRIMARY KEY, v text, ts int) SERVER lake OPTIONS (table 'up/sq', sequence_column 'ts');
INSERT INTO sq VALUES (1, 'new', 10), (2, 'a', 1);
INSERT INTO sq VALUES (1, 'late', 5), (2, 'b', 1);
SELECT * FROM sq ORDER BY k;
DELETE FROM sq WHERE k = 1;
INSERT INTO sq VALUES (1, 'reborn', 1);
SELECT * FROM sq ORDER BY k;

-- merged sums overflow as PostgreSQL's do
CREATE FOREIGN TABLE ov (k int PRIMARY KEY, c bigint OPTIONS (aggregate 'sum')) SERVER lake OPTIONS (table 'up/ov', merge_engine 'aggregation');
INSERT INTO ov VALUES (1, 9223372036854775807);
INSERT INTO ov VALUES (1, 1);
SELECT * FROM ov;

-- pinned views (tags) merge with the lake schema's engine, sequence column and aggregates,
-- not their own (they declare none)
SELECT lake_create_tag('agg2', 'agg2_t') > 0 AS tagged;
CREATE FOREIGN TABLE agg2_at (k int, c bigint) SERVER lake OPTIONS (table 'up/agg2', tag 'agg2_t');
SELECT lake_create_tag('pu', 'pu_t') > 0 AS tagged;
CREATE FOREIGN TABLE pu_at (k int, a text, b int) SERVER lake OPTIONS (table 'up/pu', tag 'pu_t');
SELECT lake_create_tag('sq', 'sq_t') > 0 AS tagged;
CREATE FOREIGN TABLE sq_at (k int, v text, ts int) SERVER lake OPTIONS (table 'up/sq', tag 'sq_t');
SELECT lake_create_tag('fr', 'fr_t') > 0 AS tagged;
CREATE FOREIGN TABLE fr_at (k int, a text) SERVER lake OPTIONS (table 'up/fr', tag 'fr_t');
INSERT INTO agg2 VALUES (1, 100);
INSERT INTO pu VALUES (1, 'changed', NULL);
INSERT INTO sq VALUES (2, 'later', 2);
INSERT INTO fr VALUES (2, 'ignored: first row wins');
SELECT * FROM agg2_at;
SELECT * FROM pu_at;
SELECT * FROM sq_at ORDER BY k;
SELECT * FROM fr_at ORDER BY k;
SELECT * FROM agg2;
SELECT * FROM pu;

-- DO UPDATE replacing every non-key column with EXCLUDED's value writes full rows (no ops):
-- the same result as the heap's, whatever the engine; with a sequence_column an upsert is a
-- lookup (ops folded in sequence order would depend on the table's layout)
EXPLAIN (COSTS OFF) INSERT INTO up AS t VALUES ('2026-11-01', 3, 1, 1, 'x', 1)
  ON CONFLICT (dt, id) DO UPDATE SET clicks = EXCLUDED.clicks, cost = EXCLUDED.cost,
    region = EXCLUDED.region, n = EXCLUDED.n, id = EXCLUDED.id;
EXPLAIN (COSTS OFF) INSERT INTO up AS t VALUES ('2026-11-01', 3, 1, 1, 'x', 1)
  ON CONFLICT (dt, id) DO UPDATE SET clicks = EXCLUDED.clicks, cost = EXCLUDED.cost, region = EXCLUDED.region;
EXPLAIN (COSTS OFF) INSERT INTO sq AS t VALUES (1, 'x', 1)
  ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, ts = EXCLUDED.ts;
EXPLAIN (COSTS OFF) INSERT INTO sq VALUES (1, 'x', 1) ON CONFLICT DO NOTHING;
-- a later version with a NULL (lowest) sequence value loses to an upserted row, before and
-- after a full compaction; a DO NOTHING row loses to a later INSERT with a sequence value
CREATE FOREIGN TABLE sn (k int PRIMARY KEY, v text, ts int) SERVER lake OPTIONS (table 'up/sn', sequence_column 'ts');
INSERT INTO sn VALUES (1, 'a', 1), (2, 'b', 2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
INSERT INTO sn VALUES (2, 'c', 5), (3, 'd', 3) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
INSERT INTO sn VALUES (4, 'e', NULL) ON CONFLICT DO NOTHING;
UPDATE sn SET ts = NULL WHERE k IN (1, 3);
INSERT INTO sn VALUES (4, 'f', 0);
SELECT * FROM sn ORDER BY k;
SELECT lake_compact('sn', true) IS NOT NULL AS compacted;
SELECT * FROM sn ORDER BY k;
CREATE PROCEDURE full_rows(tbl text, engine text) LANGUAGE plpgsql AS $$
DECLARE
  ins text := $q$INSERT INTO %1$I AS t SELECT g, CASE WHEN (g + %2$s) %% 3 = 0 THEN NULL ELSE 'v' || g * %2$s END,
      CASE WHEN (g + %2$s) %% 4 = 0 THEN NULL ELSE g * %2$s END, g FROM generate_series(1, 40, %2$s) g
    ON CONFLICT (k) DO UPDATE SET a = EXCLUDED.a, b = EXCLUDED.b, c = EXCLUDED.c$q$;
  part text := $q$INSERT INTO %I AS t SELECT g, 'p', 1, -g FROM generate_series(1, 50, 7) g
    ON CONFLICT (k) DO UPDATE SET c = EXCLUDED.c$q$;
BEGIN
  EXECUTE format('CREATE FOREIGN TABLE %I (k int PRIMARY KEY, a text, b bigint%s, c int)
    SERVER lake OPTIONS (table %L, merge_engine %L, auto_compaction ''false'')', tbl,
    CASE WHEN engine = 'aggregation' THEN ' OPTIONS (aggregate ''sum'')' ELSE '' END,
    'up/' || tbl, engine);
  EXECUTE format('CREATE TABLE %I (k int PRIMARY KEY, a text, b bigint, c int)', tbl || '_heap');
  COMMIT;
  -- one commit each: inserts, then overwrites (NULLs included) of some keys, then a partial update
  FOR i IN 1..3 LOOP
    EXECUTE format(ins, tbl, i);
    EXECUTE format(ins, tbl || '_heap', i);
    COMMIT;
  END LOOP;
  EXECUTE format(part, tbl);
  EXECUTE format(part, tbl || '_heap');
  COMMIT;
  EXECUTE format(ins, tbl, 5);
  EXECUTE format(ins, tbl || '_heap', 5);
END $$;
CREATE FUNCTION rows_diff(a text, b text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM ((%s EXCEPT ALL %s) UNION ALL (%s EXCEPT ALL %s)) d', a, b, b, a)
    INTO n;
  RETURN n;
END $$;
CALL full_rows('fu_dedup', 'deduplicate');
CALL full_rows('fu_pu', 'partial_update');
CALL full_rows('fu_agg', 'aggregation');
CALL full_rows('fu_fr', 'first_row');
SELECT tbl, (SELECT count(*) FROM lake_files(tbl::regclass)) AS files,
       rows_diff('SELECT * FROM ' || tbl, 'SELECT * FROM ' || tbl || '_heap') AS differing
  FROM unnest(ARRAY['fu_dedup', 'fu_pu', 'fu_agg', 'fu_fr']) tbl;
SELECT * FROM fu_pu WHERE k <= 12 ORDER BY k;
