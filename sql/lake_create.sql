-- Creating lake tables: servers, options, types, PRIMARY KEY, paths,
-- schema checks against an existing lake table, IMPORT FOREIGN SCHEMA,
-- ALTER FOREIGN TABLE ... ADD COLUMN.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;

-- the server: root is required, absolute, an existing directory
CREATE SERVER bad_server FOREIGN DATA WRAPPER lake_fdw;
CREATE SERVER bad_server FOREIGN DATA WRAPPER lake_fdw OPTIONS (root 'relative/dir');
CREATE SERVER bad_server FOREIGN DATA WRAPPER lake_fdw OPTIONS (root '/nonexistent/lake');
CREATE SERVER bad_server FOREIGN DATA WRAPPER lake_fdw OPTIONS (root '/tmp', colour 'red');
CREATE SERVER lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
-- a root the database server cannot write: the server may exist, tables not
CREATE SERVER ro_server FOREIGN DATA WRAPPER lake_fdw OPTIONS (root '/usr');
CREATE FOREIGN TABLE t_bad (a int) SERVER ro_server OPTIONS (table 'x');
DROP SERVER ro_server;

-- table options are checked one by one
CREATE FOREIGN TABLE t_bad (a int) SERVER lake;
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'x', colour 'red');
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'x', buckets 'four');
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'x', buckets '0');
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'x', merge_engine 'newest');
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'x', compression 'brotli');
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'x', primary_key 'a,,b');
CREATE FOREIGN TABLE t_bad (a int OPTIONS (aggregate 'median')) SERVER lake OPTIONS (table 'x');
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'x', snapshot '3', tag 'v1');
-- column references are checked once the columns are known
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'x', primary_key 'b');
CREATE FOREIGN TABLE t_bad (a int, b int) SERVER lake OPTIONS (table 'x', primary_key 'a', partition_by 'b');
-- a sequence_column orders whole versions: not with engines merging each column
CREATE FOREIGN TABLE t_bad (a int, b int, s int) SERVER lake OPTIONS (table 'x', primary_key 'a', merge_engine 'partial_update', sequence_column 's');
CREATE FOREIGN TABLE t_bad (a int, b int, s int) SERVER lake OPTIONS (table 'x', primary_key 'a', merge_engine 'aggregation', sequence_column 's');
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'x', buckets '4');

-- paths stay under the root
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table '/etc/passwd');
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table '../escape');
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'a/../../escape');
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table '');

-- unsupported types say which column and what to do
CREATE FOREIGN TABLE t_bad (a int, b point) SERVER lake OPTIONS (table 'x');
CREATE FOREIGN TABLE t_bad (a numeric) SERVER lake OPTIONS (table 'x');
CREATE FOREIGN TABLE t_bad (a numeric(40,2)) SERVER lake OPTIONS (table 'x');
CREATE FOREIGN TABLE t_bad (a int[]) SERVER lake OPTIONS (table 'x');
SELECT count(*) AS "no t_bad" FROM pg_class WHERE relname = 't_bad';

-- an append table with every supported type
CREATE FOREIGN TABLE all_types (
  b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
  n1 numeric(9,2), n2 numeric(18,4), n3 numeric(38,10),
  t text, vc varchar(20), ch char(4), by bytea, d date,
  ts timestamp, tstz timestamptz, u uuid, j json, jb jsonb
) SERVER lake OPTIONS (table 'types/all_types');

-- PRIMARY KEY written in the statement becomes the primary_key option
CREATE FOREIGN TABLE pk_inline (id bigint PRIMARY KEY, v text) SERVER lake OPTIONS (table 'pk/inline');
CREATE FOREIGN TABLE pk_table (dt date, ad_id bigint, clicks bigint, PRIMARY KEY (dt, ad_id))
  SERVER lake OPTIONS (table 'pk/table', partition_by 'dt', buckets '4');
SELECT relname, ftoptions FROM pg_foreign_table JOIN pg_class ON oid = ftrelid
 WHERE relname IN ('pk_inline', 'pk_table') ORDER BY relname;
-- key columns became NOT NULL
SELECT attname, attnotnull FROM pg_attribute
 WHERE attrelid = 'pk_table'::regclass AND attnum > 0 ORDER BY attnum;
CREATE FOREIGN TABLE t_bad (id int PRIMARY KEY, v int UNIQUE) SERVER lake OPTIONS (table 'x');
CREATE FOREIGN TABLE t_bad (id int PRIMARY KEY, v int) SERVER lake OPTIONS (table 'x', primary_key 'v');
CREATE FOREIGN TABLE t_bad (id int PRIMARY KEY, v int, PRIMARY KEY (v)) SERVER lake OPTIONS (table 'x');

-- a second foreign table over the same lake table must match it
CREATE FOREIGN TABLE pk_again (dt date, ad_id bigint, clicks bigint)
  SERVER lake OPTIONS (table 'pk/table', primary_key 'dt,ad_id', partition_by 'dt', buckets '4');
CREATE FOREIGN TABLE pk_subset (dt date, ad_id bigint)
  SERVER lake OPTIONS (table 'pk/table', primary_key 'dt,ad_id', partition_by 'dt', buckets '4');
CREATE FOREIGN TABLE t_bad (dt date, ad_id int, clicks bigint)
  SERVER lake OPTIONS (table 'pk/table', primary_key 'dt,ad_id', partition_by 'dt', buckets '4');
CREATE FOREIGN TABLE t_bad (dt date, ad_id bigint, clicks bigint)
  SERVER lake OPTIONS (table 'pk/table', primary_key 'dt,ad_id', partition_by 'dt', buckets '8');
CREATE FOREIGN TABLE t_bad (dt date, ad_id bigint, clicks bigint, extra int)
  SERVER lake OPTIONS (table 'pk/table', primary_key 'dt,ad_id', partition_by 'dt', buckets '4');
CREATE FOREIGN TABLE t_bad (dt date, ad_id bigint, clicks bigint)
  SERVER lake OPTIONS (table 'pk/table', primary_key 'ad_id', buckets '4');
-- pinned tables need an existing lake table
CREATE FOREIGN TABLE t_bad (a int) SERVER lake OPTIONS (table 'nothing/here', snapshot '1');
SELECT count(*) AS "no t_bad" FROM pg_class WHERE relname = 't_bad';

-- IMPORT FOREIGN SCHEMA finds the lake tables under the root
CREATE SCHEMA imported;
IMPORT FOREIGN SCHEMA root FROM SERVER lake INTO imported;
SELECT c.relname, ftoptions FROM pg_foreign_table JOIN pg_class c ON c.oid = ftrelid
 WHERE relnamespace = 'imported'::regnamespace ORDER BY 1;
SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
 WHERE attrelid = 'imported.types_all_types'::regclass AND attnum > 0 ORDER BY attnum;
CREATE SCHEMA imported_pk;
IMPORT FOREIGN SCHEMA pk LIMIT TO (inline) FROM SERVER lake INTO imported_pk;
SELECT relname FROM pg_class WHERE relnamespace = 'imported_pk'::regnamespace;
IMPORT FOREIGN SCHEMA nowhere FROM SERVER lake INTO imported_pk;

-- the schema only grows
ALTER FOREIGN TABLE pk_inline ADD COLUMN extra int;
ALTER FOREIGN TABLE pk_inline ADD COLUMN must int NOT NULL;
ALTER FOREIGN TABLE pk_inline DROP COLUMN v;
ALTER FOREIGN TABLE pk_inline ALTER COLUMN v TYPE int;
ALTER FOREIGN TABLE pk_inline RENAME COLUMN v TO w;
-- a new declaration sees the grown schema
CREATE FOREIGN TABLE pk_inline2 (id bigint NOT NULL, v text, extra int)
  SERVER lake OPTIONS (table 'pk/inline', primary_key 'id');

-- non-superusers with USAGE on the server create tables inside the root
CREATE ROLE lake_tester;
GRANT USAGE ON FOREIGN SERVER lake TO lake_tester;
GRANT CREATE ON SCHEMA public TO lake_tester;
SET ROLE lake_tester;
CREATE FOREIGN TABLE user_table (a int) SERVER lake OPTIONS (table 'users/a');
ALTER SERVER lake OPTIONS (SET root '/tmp');
CREATE SERVER user_server FOREIGN DATA WRAPPER lake_fdw OPTIONS (root '/tmp');
RESET ROLE;
DROP FOREIGN TABLE user_table;
REVOKE CREATE ON SCHEMA public FROM lake_tester;
REVOKE USAGE ON FOREIGN SERVER lake FROM lake_tester;
DROP ROLE lake_tester;

DROP SCHEMA imported CASCADE;
DROP SCHEMA imported_pk CASCADE;
DROP FOREIGN TABLE all_types, pk_inline, pk_inline2, pk_table, pk_again, pk_subset;
