-- Writing and reading: INSERT forms, COPY, every type against a heap table,
-- NULLs, projection, partitions, primary-key upserts (deduplicate), EXPLAIN.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER IF NOT EXISTS lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');

CREATE TABLE heap_types (
  id int, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
  n1 numeric(9,2), n2 numeric(18,4), n3 numeric(38,10),
  t text, vc varchar(20), ch char(4), by bytea, d date,
  ts timestamp, tstz timestamptz, u uuid, j json, jb jsonb);
CREATE FOREIGN TABLE lake_types (
  id int, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
  n1 numeric(9,2), n2 numeric(18,4), n3 numeric(38,10),
  t text, vc varchar(20), ch char(4), by bytea, d date,
  ts timestamp, tstz timestamptz, u uuid, j json, jb jsonb
) SERVER lake OPTIONS (table 'rw/types');

-- edge values of every type, and a row of NULLs
INSERT INTO heap_types VALUES
 (1, true, -32768, -2147483648, -9223372036854775808, -3.4e38, -1.7e308,
  -9999999.99, -99999999999999.9999, -9999999999999999999999999999.9999999999,
  '', '', '', '\x', '4713-01-01 BC', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC',
  '00000000-0000-0000-0000-000000000000', '{}', '{}'),
 (2, false, 32767, 2147483647, 9223372036854775807, 3.4e38, 1.7e308,
  9999999.99, 99999999999999.9999, 9999999999999999999999999999.9999999999,
  repeat('long text ', 1000), 'varchar', 'ab', '\xdeadbeef00ff', '5874897-12-31', '294247-01-01 23:59:59.999999',
  '294247-01-01 23:59:59.999999+00', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '[1, "two", null]', '{"a": [1, 2.5, true]}'),
 (3, NULL, 0, 0, 0, 'NaN', '-Infinity', 0, 0.0001, -0.0000000001,
  'ünïcödé ✓', 'x', 'abcd', '\x00', 'infinity', '-infinity', 'infinity',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '"str"', '"str"'),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL),
 (5, true, 1, 1, 1, '-0', '-0', 1.5, -1.5, 123.456, 'a', 'b', 'c', '\x01', '2000-01-01',
  '2000-01-01 00:00:00', '1970-01-01 00:00:00+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', '1', '1');
INSERT INTO lake_types SELECT * FROM heap_types;
-- the same rows come back, value for value (text form compares all types)
SELECT count(*) AS rows, count(*) FILTER (WHERE l::text IS DISTINCT FROM h::text) AS differing
  FROM lake_types l FULL JOIN heap_types h USING (id);
SELECT id, f4, f8, n3, ts, tstz FROM lake_types ORDER BY id;
SELECT id, length(t), ch, by, d, u, j, jb FROM lake_types ORDER BY id;

-- PostgreSQL's last years (294247..294276) do not fit Parquet's microseconds since 1970
INSERT INTO lake_types (id, ts) VALUES (6, '294276-12-31 23:59:59.999999');
INSERT INTO lake_types (id, tstz) VALUES (6, '294247-01-10 04:00:54.775807+00');

-- single rows, multi-row VALUES, INSERT ... SELECT, RETURNING, DEFAULTs
CREATE FOREIGN TABLE events (id bigint, kind text DEFAULT 'click', at timestamptz)
  SERVER lake OPTIONS (table 'rw/events', compression 'lz4');
INSERT INTO events VALUES (1, 'view', '2026-11-20 10:00+00');
INSERT INTO events (id, at) VALUES (2, '2026-11-20 10:01+00'), (3, NULL);
INSERT INTO events SELECT g, 'bulk', '2026-11-20 00:00+00'::timestamptz + g * interval '1 second'
  FROM generate_series(10, 10009) g;
-- the batch-insert path
SET lake_fdw.insert_batch_size = 100;
INSERT INTO events SELECT g, 'batched', NULL FROM generate_series(100001, 100250) g;
RESET lake_fdw.insert_batch_size;
INSERT INTO events VALUES (4, 'ret', NULL) RETURNING *;
SELECT kind, count(*), min(id), max(id) FROM events GROUP BY kind ORDER BY kind;

-- COPY FROM, in text and binary
COPY events FROM stdin;
20001	copy	2026-11-21 00:00:00+00
20002	copy	\N
20003	\N	2026-11-21 00:00:02+00
\.
CREATE TEMP TABLE copy_src AS SELECT g::bigint AS id, 'copybin'::text AS kind, NULL::timestamptz AS at
  FROM generate_series(30000, 30999) g;
COPY copy_src TO '/tmp/lake_fdw_regress_copy.bin' (FORMAT binary);
COPY events FROM '/tmp/lake_fdw_regress_copy.bin' (FORMAT binary);
SELECT kind, count(*) FROM events WHERE id >= 20000 GROUP BY kind ORDER BY kind;

-- projection: only what the query needs is decoded
SELECT count(*) FROM events;
SELECT sum(id) FROM events;

-- partitioned append table: files per partition
CREATE FOREIGN TABLE clicks (dt date, region text, n int)
  SERVER lake OPTIONS (table 'rw/clicks', partition_by 'dt,region');
INSERT INTO clicks SELECT date '2026-11-01' + (g % 3), (ARRAY['eu','us','a/b c'])[1 + g % 2 + (g % 7 = 0)::int], g
  FROM generate_series(1, 300) g;
INSERT INTO clicks VALUES (NULL, NULL, -1);
SELECT dt, region, count(*), sum(n) FROM clicks GROUP BY 1, 2 ORDER BY 1, 2;
SELECT partition, bucket, level, row_count FROM lake_files('clicks') ORDER BY 1;

-- a primary-key table: a plain INSERT of an existing key replaces it
-- (merge engine deduplicate), unlike a heap table that would raise 23505
CREATE FOREIGN TABLE ad_metrics (dt date, ad_id bigint, clicks bigint, cost numeric(12,2),
  PRIMARY KEY (dt, ad_id)) SERVER lake OPTIONS (table 'rw/ad_metrics', partition_by 'dt', buckets '3');
INSERT INTO ad_metrics SELECT date '2026-11-01' + g % 2, g, g, g * 1.5 FROM generate_series(1, 1000) g;
INSERT INTO ad_metrics VALUES ('2026-11-02', 1, 100, 1), ('2026-11-02', 1, 200, 2);
INSERT INTO ad_metrics VALUES ('2026-11-01', 2, -2, -2);
SELECT * FROM ad_metrics WHERE ad_id <= 3 ORDER BY 1, 2;
SELECT count(*), count(DISTINCT (dt, ad_id)), sum(clicks) FROM ad_metrics;
INSERT INTO ad_metrics VALUES (NULL, 1, 1, 1);
SELECT partition, bucket, count(*) AS files, sum(row_count) AS rows
  FROM lake_files('ad_metrics') GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) FROM lake_files('ad_metrics') WHERE min_key IS NULL OR max_key IS NULL;

-- EXPLAIN shows the lake table, its snapshot and files
EXPLAIN (COSTS OFF) SELECT count(*) FROM events;
EXPLAIN (COSTS OFF) SELECT * FROM ad_metrics WHERE clicks > 10;
EXPLAIN (COSTS OFF) INSERT INTO events VALUES (1, 'x', NULL);
EXPLAIN (COSTS OFF) INSERT INTO ad_metrics VALUES ('2026-11-01', 1, 1, 1);

-- append tables identify no row: no UPDATE, no row-level DELETE
UPDATE events SET kind = 'x';
DELETE FROM events WHERE id = 1;
INSERT INTO ad_metrics VALUES ('2026-11-01', 1, 1, 1) ON CONFLICT DO NOTHING;
-- append tables have no key to conflict on
INSERT INTO events VALUES (5, 'noconflict', NULL) ON CONFLICT DO NOTHING;
SELECT count(*) FROM events WHERE kind = 'noconflict';

-- ANALYZE samples the rows
ANALYZE events;
SELECT reltuples FROM pg_class WHERE relname = 'events';

DROP FOREIGN TABLE lake_types, events, clicks, ad_metrics;
DROP TABLE heap_types;

-- INSERT takes the rows in the slots its source makes (VALUES, a heap scan, a function's
-- tuplestore, an Append of mixed sources, a projection); triggers and stored generated
-- columns keep PostgreSQL's copy into a heap-tuple slot.  Each checked against a heap table.
CREATE FOREIGN TABLE src_kinds (k int PRIMARY KEY, t text, n numeric(10,2), ts timestamptz)
  SERVER lake OPTIONS (table 'wr/src_kinds');
CREATE TABLE src_kinds_heap (k int PRIMARY KEY, t text, n numeric(10,2), ts timestamptz);
CREATE TABLE src_rows AS SELECT g AS k, 'row ' || g AS t, g / 3.0 AS n,
  timestamptz '2026-11-01 00:00:00+00' + g * interval '1 hour' AS ts FROM generate_series(1, 30) g;
CREATE FUNCTION src_fn(lo int, hi int) RETURNS SETOF src_kinds_heap LANGUAGE sql AS
  $$ SELECT g, 'fn ' || g, g * 1.5, NULL::timestamptz FROM generate_series(lo, hi) g $$;
CREATE PROCEDURE src_both(stmt text) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format(stmt, 'src_kinds');
  EXECUTE format(stmt, 'src_kinds_heap');
END $$;
CALL src_both($$INSERT INTO %I VALUES (100, 'v', 1.25, '2026-11-02 03:04:05+00'), (101, NULL, NULL, NULL)$$);
CALL src_both($$INSERT INTO %I SELECT * FROM src_rows WHERE k <= 10$$);
CALL src_both($$INSERT INTO %I SELECT * FROM src_fn(200, 260)$$);
CALL src_both($$INSERT INTO %I SELECT * FROM src_rows WHERE k > 20 UNION ALL SELECT * FROM src_fn(300, 305)$$);
CALL src_both($$INSERT INTO %I (t, k) SELECT upper(t), k + 1000 FROM src_rows WHERE k BETWEEN 11 AND 20$$);
CALL src_both($$INSERT INTO %I AS x SELECT * FROM src_fn(250, 270)
  ON CONFLICT (k) DO UPDATE SET t = EXCLUDED.t || '!', n = x.n + EXCLUDED.n$$);
CALL src_both($$INSERT INTO %I AS x SELECT k, t, n, ts FROM src_rows WHERE k <= 5
  ON CONFLICT (k) DO UPDATE SET t = EXCLUDED.t, n = EXCLUDED.n, ts = EXCLUDED.ts$$);
SELECT count(*) AS lake_rows,
  (SELECT count(*) FROM ((SELECT * FROM src_kinds EXCEPT ALL SELECT * FROM src_kinds_heap)
     UNION ALL (SELECT * FROM src_kinds_heap EXCEPT ALL SELECT * FROM src_kinds)) d) AS differing
  FROM src_kinds;
-- a row trigger and a stored generated column see and store what PostgreSQL gives them
CREATE FOREIGN TABLE src_gen (k int PRIMARY KEY, a int, b int GENERATED ALWAYS AS (a * 2) STORED)
  SERVER lake OPTIONS (table 'wr/src_gen');
INSERT INTO src_gen (k, a) SELECT g, g FROM generate_series(1, 5) g;
CREATE FUNCTION src_trig() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN NEW.t := coalesce(NEW.t, '') || ' (trigger)'; RETURN NEW; END $$;
CREATE TRIGGER src_trig BEFORE INSERT ON src_kinds FOR EACH ROW EXECUTE FUNCTION src_trig();
INSERT INTO src_kinds SELECT * FROM src_fn(400, 402);
SELECT * FROM src_gen ORDER BY k;
SELECT k, t FROM src_kinds WHERE k BETWEEN 400 AND 999 ORDER BY k;
DROP FOREIGN TABLE src_kinds, src_gen;
DROP FUNCTION src_fn, src_trig;
DROP PROCEDURE src_both;
DROP TABLE src_kinds_heap, src_rows;
