-- Transactions: rows are written at commit, rollback leaves no trace,
-- savepoints, a transaction reads its own writes (but not the rows of the
-- statement still running), spilling past lake_fdw.write_buffer_mem.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER IF NOT EXISTS lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE tx (id int, v text) SERVER lake OPTIONS (table 'tx/tx');
CREATE FOREIGN TABLE tx_pk (id int PRIMARY KEY, v text) SERVER lake OPTIONS (table 'tx/tx_pk', buckets '2');

-- rollback: nothing is published
BEGIN;
INSERT INTO tx VALUES (1, 'rolled back');
SELECT * FROM tx;
ROLLBACK;
SELECT count(*) FROM tx;
SELECT count(*) AS snapshots FROM lake_snapshots('tx');

-- an error aborts the transaction's writes too
BEGIN;
INSERT INTO tx VALUES (1, 'doomed');
SELECT 1 / 0;
COMMIT;
SELECT count(*) FROM tx;

-- one snapshot per transaction, however many statements
BEGIN;
INSERT INTO tx VALUES (1, 'a');
INSERT INTO tx VALUES (2, 'b');
INSERT INTO tx SELECT id + 10, v FROM tx;
SELECT * FROM tx ORDER BY id;
COMMIT;
SELECT snapshot_id, kind, added_rows, total_rows FROM lake_snapshots('tx');

-- savepoints
BEGIN;
INSERT INTO tx VALUES (100, 'kept');
SAVEPOINT s1;
INSERT INTO tx VALUES (101, 'rolled back to s1');
SAVEPOINT s2;
INSERT INTO tx VALUES (102, 'rolled back with s1');
RELEASE SAVEPOINT s2;
ROLLBACK TO SAVEPOINT s1;
INSERT INTO tx VALUES (103, 'after s1');
SAVEPOINT s3;
INSERT INTO tx VALUES (104, 'kept through release');
RELEASE SAVEPOINT s3;
SELECT * FROM tx WHERE id >= 100 ORDER BY id;
COMMIT;
SELECT * FROM tx WHERE id >= 100 ORDER BY id;

-- a statement does not see its own rows (no Halloween problem)
INSERT INTO tx SELECT id + 1000, v FROM tx;
SELECT count(*) FROM tx;

-- primary-key table: own writes merge with committed versions
INSERT INTO tx_pk VALUES (1, 'one'), (2, 'two');
BEGIN;
INSERT INTO tx_pk VALUES (2, 'two, updated'), (3, 'three');
SELECT * FROM tx_pk ORDER BY id;
SAVEPOINT s;
INSERT INTO tx_pk VALUES (1, 'one, rolled back');
SELECT * FROM tx_pk ORDER BY id;
ROLLBACK TO SAVEPOINT s;
SELECT * FROM tx_pk ORDER BY id;
COMMIT;
SELECT * FROM tx_pk ORDER BY id;

-- large transactions spill to data files; savepoint rollbacks still work
-- (distinct strings: the buffer stores a run of one string once).
-- A heap table takes the same statements: the oracle.
CREATE TABLE tx_heap AS SELECT * FROM tx;
SET lake_fdw.write_buffer_mem = '1MB';
BEGIN;
INSERT INTO tx SELECT g, repeat('x', 100) || g FROM generate_series(1, 30000) g;
INSERT INTO tx_heap SELECT g, repeat('x', 100) || g FROM generate_series(1, 30000) g;
SAVEPOINT big;
INSERT INTO tx SELECT g, 'y' FROM generate_series(1, 30000) g;
INSERT INTO tx_heap SELECT g, 'y' FROM generate_series(1, 30000) g;
INSERT INTO tx SELECT g, 'z' FROM generate_series(1, 30000) g;
INSERT INTO tx_heap SELECT g, 'z' FROM generate_series(1, 30000) g;
ROLLBACK TO SAVEPOINT big;
INSERT INTO tx SELECT g, 'w' FROM generate_series(1, 5) g;
INSERT INTO tx_heap SELECT g, 'w' FROM generate_series(1, 5) g;
SELECT left(v, 1) AS v, count(*) FROM tx WHERE id <= 30000 GROUP BY 1 ORDER BY 1;
SELECT count(*) AS differing FROM
  ((SELECT * FROM tx EXCEPT ALL SELECT * FROM tx_heap) UNION ALL
   (SELECT * FROM tx_heap EXCEPT ALL SELECT * FROM tx)) d;
COMMIT;
SELECT left(v, 1) AS v, count(*) FROM tx WHERE id <= 30000 GROUP BY 1 ORDER BY 1;
SELECT count(*) AS differing FROM
  ((SELECT * FROM tx EXCEPT ALL SELECT * FROM tx_heap) UNION ALL
   (SELECT * FROM tx_heap EXCEPT ALL SELECT * FROM tx)) d;
-- the committed files hold no rolled-back row: their rows add up to the table
SELECT sum(row_count) = (SELECT count(*) FROM tx) AS files_hold_the_table FROM lake_files('tx');
RESET lake_fdw.write_buffer_mem;
DROP TABLE tx_heap;

-- spill on a primary-key table, rolled back halfway through a statement's rows
SET lake_fdw.write_buffer_mem = '1MB';
BEGIN;
INSERT INTO tx_pk SELECT g, 'first' FROM generate_series(1, 40000) g;
SAVEPOINT s;
INSERT INTO tx_pk SELECT g, 'second' FROM generate_series(1, 40000, 2) g;
ROLLBACK TO SAVEPOINT s;
INSERT INTO tx_pk SELECT g, 'third' FROM generate_series(1, 40000, 4) g;
COMMIT;
RESET lake_fdw.write_buffer_mem;
SELECT v, count(*) FROM tx_pk GROUP BY v ORDER BY v;

-- PREPARE TRANSACTION is refused for lake writes
BEGIN;
INSERT INTO tx VALUES (1, 'prepared');
PREPARE TRANSACTION 'lake';
SELECT count(*) FROM tx WHERE v = 'prepared';

-- no orphaned files: every file under the table is in the latest snapshot
SELECT count(*) AS files_listed FROM lake_files('tx');

DROP FOREIGN TABLE tx, tx_pk;
