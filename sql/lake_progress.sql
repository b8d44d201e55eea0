-- lake_stat_progress_compaction: the view's shape, and no row once a
-- compaction returned (a compaction in progress is watched from another
-- session by test/sql-suites/progress).  Without lake_fdw preloaded the
-- function says so with a NOTICE and returns nothing
-- (expected/lake_progress_1.out).
\getenv lake_root LAKE_TEST_ROOT
CREATE SERVER lake_prog FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
SET client_min_messages = warning;
CREATE FOREIGN TABLE prog (k int, v int, PRIMARY KEY (k)) SERVER lake_prog
  OPTIONS (table '.prog/t', buckets '2', auto_compaction 'false');
INSERT INTO prog SELECT g, 1 FROM generate_series(1, 100) g;
INSERT INTO prog SELECT g, 2 FROM generate_series(50, 150) g;
RESET client_min_messages;
SELECT lake_compact('prog', true);
\d lake_stat_progress_compaction
-- (background workers may be compacting other tests' tables meanwhile)
SELECT count(*) FROM lake_stat_progress_compaction WHERE pid = pg_backend_pid();
SELECT count(*) FROM lake_stat_progress_compaction WHERE table_path LIKE '.prog/%';
-- a role of its own sees the view too
CREATE ROLE lake_prog_user;
SET ROLE lake_prog_user;
SELECT count(*) FROM lake_stat_progress_compaction WHERE pid = pg_backend_pid();
RESET ROLE;
DROP ROLE lake_prog_user;
SET client_min_messages = warning;
DROP FOREIGN TABLE prog;
DROP SERVER lake_prog;
