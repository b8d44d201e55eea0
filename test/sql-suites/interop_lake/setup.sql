-- test/sql-suites/interop_lake/setup.sql — the tables DuckDB reads back (run by ./run with psql).
--
-- all_types: an append table with every supported type; rows 1-3000 from a deterministic
--   generator (NULLs in every column on a pattern), loaded by INSERT ... SELECT, COPY FROM (by ./run,
--   between the two parts of this file) and a two-statement transaction; edge values; a transaction
--   rolled back after spilling files.
-- parted: an append table partitioned by a date (NULL partition included), three transactions.
-- pk: a primary-key table in 4 buckets: 1000 keys, then upserts over three transactions, some keys
--   several times in one transaction.
-- The heap table src holds what all_types must contain (the oracle of the PostgreSQL-side check).
\set ON_ERROR_STOP 1
\if :{?part2}
\else
CREATE EXTENSION lake_fdw;
CREATE SERVER lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');

CREATE TABLE src (
	id bigint PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
	n92 numeric(9,2), n184 numeric(18,4), n3810 numeric(38,10), tx text, vc varchar(40), by bytea,
	d date, ts timestamp, tz timestamptz, u uuid, j jsonb);
CREATE FOREIGN TABLE all_types (
	id bigint, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
	n92 numeric(9,2), n184 numeric(18,4), n3810 numeric(38,10), tx text, vc varchar(40), by bytea,
	d date, ts timestamp, tz timestamptz, u uuid, j jsonb)
	SERVER lake OPTIONS (table 'interop/all_types', compression 'zstd');

INSERT INTO src
SELECT g,
	CASE WHEN (g + 1) % 9 = 0 THEN NULL ELSE g % 2 = 0 END,
	CASE WHEN (g + 2) % 9 = 0 THEN NULL ELSE ((g * 37) % 65536 - 32768)::int2 END,
	CASE WHEN (g + 3) % 9 = 0 THEN NULL ELSE ((g * 1103515245::bigint) % 4294967296 - 2147483648)::int4 END,
	CASE WHEN (g + 4) % 9 = 0 THEN NULL
		ELSE ((g::numeric * 6364136223846793005) % 18446744073709551616 - 9223372036854775808)::int8 END,
	CASE WHEN (g + 5) % 9 = 0 THEN NULL ELSE ((g * 7919) % 100003)::float4 / 7::float4 - 5000 END,
	CASE WHEN (g + 6) % 9 = 0 THEN NULL ELSE sin(g) * 10 ^ (g % 40 - 20) END,
	CASE WHEN (g + 7) % 9 = 0 THEN NULL ELSE ((g * 7919) % 199999999 - 99999999)::numeric / 100 END,
	CASE WHEN (g + 8) % 9 = 0 THEN NULL
		ELSE round((g::numeric * 123456789.123457) % 99999999999999, 4) * (1 - 2 * (g % 2)) END,
	CASE WHEN (g + 0) % 9 = 0 THEN NULL
		ELSE round((g::numeric * 98765432109876543210.0123456789) % 1e28, 10) * (1 - 2 * (g % 3 % 2)) END,
	CASE WHEN (g + 1) % 10 = 0 THEN NULL
		ELSE 'row ' || g || ' ' || repeat(chr(945 + g % 24), g % 5)
			|| CASE g % 11 WHEN 0 THEN E'\n\t"q\'\\' WHEN 1 THEN '' WHEN 2 THEN ' 😀 中文' ELSE '' END
			|| CASE WHEN g % 500 = 0 THEN repeat('long', 5000) ELSE '' END END,
	CASE WHEN (g + 2) % 10 = 0 THEN NULL ELSE left(md5(g::text), g % 33) END,
	CASE WHEN (g + 3) % 10 = 0 THEN NULL WHEN g % 13 = 0 THEN '\x'::bytea
		ELSE decode(md5(g::text), 'hex') || '\x00'::bytea END,
	CASE WHEN (g + 4) % 10 = 0 THEN NULL ELSE date '1970-01-01' + ((g * 97) % 40000 - 20000) END,
	CASE WHEN (g + 5) % 10 = 0 THEN NULL
		ELSE timestamp '2000-01-01' + g * interval '12345.678901 seconds' * (1 - 2 * (g % 2)) END,
	CASE WHEN (g + 6) % 10 = 0 THEN NULL
		ELSE timestamptz '2026-11-21 00:00:00+00' - g * interval '1 hour 0.000001 second' END,
	CASE WHEN (g + 7) % 10 = 0 THEN NULL ELSE md5(g::text)::uuid END,
	CASE WHEN (g + 8) % 10 = 0 THEN NULL
		ELSE jsonb_build_object('g', g, 'f', g / 7.0, 's', 'x' || g, 'a', jsonb_build_array(g, NULL, g % 2 = 0)) END
FROM generate_series(1, 3000) g;

-- edge values
INSERT INTO src (id) VALUES (100001);		-- every column NULL
INSERT INTO src VALUES
(100002, false, -32768, -2147483648, -9223372036854775808, '-Infinity', '-Infinity',
	-9999999.99, -99999999999999.9999, '-9999999999999999999999999999.9999999999', '', '', '\x',
	'4713-01-01 BC', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC',
	'00000000-0000-0000-0000-000000000000', '{}'),
(100003, true, 32767, 2147483647, 9223372036854775807, 'Infinity', 'Infinity',
	9999999.99, 99999999999999.9999, '9999999999999999999999999999.9999999999',
	E'\\ backslash \x01 ctrl é 𝄞 😀 ' || repeat('🚀', 1000), repeat('😀', 40), '\x00ff00ff',
	'5874897-12-31', '294246-12-31 23:59:59.999999', '294246-12-31 23:59:59.999999+00',
	'ffffffff-ffff-ffff-ffff-ffffffffffff',
	'{"k": "é😀", "n": 1.000000000000000000001, "e": "", "nested": {"a": [[]]}, "esc": "\"\\/\b\f\n\r\t"}'),
(100004, NULL, 0, 0, 0, 'NaN', 'NaN', 0, 0, 0, ' ', ' ', '\x00', '1970-01-01', '1970-01-01 00:00:00',
	'1970-01-01 00:00:00+00', NULL, '[]'),
(100005, true, -1, -1, -1, '-0', '-0', -0.01, -0.0001, '-0.0000000001', 'x', 'x', '\xff',
	'1969-12-31', '1969-12-31 23:59:59.999999', '1969-12-31 23:59:59.999999+00', NULL, 'null'),
(100006, false, 1, 1, 1, '1.4e-45', '4.9e-324', 0.01, 0.0001, '0.0000000001', 'y', 'y', '\x01',
	'0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', NULL, '"a string"'),
(100007, true, 2, 2, 2, '3.4028235e38', '1.7976931348623157e308', 1234567.89, 12345678901234.5678,
	'1234567890123456789012345678.1234567890', 'z', 'z', '\x7f80',
	'2000-02-29', '2000-02-29 12:34:56.789012', '2000-02-29 12:34:56.789012+00', NULL, '1e400'),
(100008, false, 3, 3, 3, '-3.4028235e38', '-1.7976931348623157e308', -1234567.89, -12345678901234.5678,
	'-1234567890123456789012345678.1234567890', 'w', 'w', '\x80',
	'1900-02-28', '1900-02-28 00:00:00.000001', '1900-02-28 00:00:00.000001+00', NULL, '-0.0');

-- transaction 1: INSERT ... SELECT
INSERT INTO all_types SELECT * FROM src WHERE id <= 1200;
\endif

\if :{?part2}
-- (./run has loaded ids 1201-2200 with COPY FROM STDIN in between)
-- transaction 3: two statements
BEGIN;
INSERT INTO all_types SELECT * FROM src WHERE id BETWEEN 2201 AND 2600;
INSERT INTO all_types SELECT * FROM src WHERE id BETWEEN 2601 AND 3000 ORDER BY id DESC;
COMMIT;
-- transaction 4: the edge values
INSERT INTO all_types SELECT * FROM src WHERE id > 100000;
-- transaction 5, rolled back after spilling files: none of its files may stay behind
BEGIN;
SET LOCAL lake_fdw.write_buffer_mem = '1MB';
INSERT INTO all_types (id, tx) SELECT -g, repeat('x', 300) FROM generate_series(1, 30000) g;
ROLLBACK;

-- the partitioned append table
CREATE FOREIGN TABLE parted (dt date, id bigint, region text, v numeric(18,4), note text)
	SERVER lake OPTIONS (table 'interop/parted', partition_by 'dt', compression 'lz4');
INSERT INTO parted
SELECT CASE WHEN g % 50 = 0 THEN NULL ELSE date '2026-11-01' + g % 7 END, g,
	(ARRAY['cn-north', 'us-east', 'eu-west', NULL])[1 + g % 4], round(g * 1.2345, 4),
	CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END
FROM generate_series(1, 700) g;
INSERT INTO parted
SELECT date '2026-11-05' + g % 4, g, 'ap-se', -g, repeat('p', g % 30) FROM generate_series(701, 1200) g;
BEGIN;
INSERT INTO parted VALUES (NULL, 1201, NULL, NULL, NULL), ('4713-01-01 BC', 1202, 'old', 0, ''),
	('5874897-12-31', 1203, 'new', 1, 'x');
INSERT INTO parted SELECT date '2026-12-01', g, 'eu-west', g, NULL FROM generate_series(1204, 1500) g;
COMMIT;

-- the primary-key table: 1000 keys, then upserts
CREATE FOREIGN TABLE pk (id bigint NOT NULL, g int, v text, n numeric(38,10), tz timestamptz,
	PRIMARY KEY (id))
	SERVER lake OPTIONS (table 'interop/pk', buckets '4', compression 'zstd');
INSERT INTO pk SELECT g, 0, 'v0-' || g, g / 3.0, timestamptz '2026-11-01 00:00+00' + g * interval '1 minute'
	FROM generate_series(1, 1000) g;
INSERT INTO pk SELECT g, 1, CASE WHEN g % 4 = 0 THEN NULL ELSE 'v1-' || g END, -g, NULL
	FROM generate_series(1, 1000, 3) g;
BEGIN;
INSERT INTO pk SELECT g, 2, 'v2-' || g, g * 1.5, now() FROM generate_series(500, 1200) g;
INSERT INTO pk SELECT g, 3, 'v3-' || g, NULL, timestamptz '1999-12-31 23:59:59.999999+00'
	FROM generate_series(900, 1100, 7) g;
COMMIT;
INSERT INTO pk VALUES (1, 4, 'first-a', 1, NULL), (2, 4, 'second', 2, NULL), (1, 5, 'first-b', 1.5, NULL);
\endif
