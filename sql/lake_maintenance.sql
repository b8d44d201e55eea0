-- Maintenance: retention options, lake_expire_snapshots, lake_rollback,
-- lake_remove_orphans, lake_maintain (partition expiry, daily tags),
-- lake_table_health and lake_tables_health.  Concurrency and crashes are
-- in test/sql-suites/maintenance.
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
CREATE SERVER IF NOT EXISTS lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');

-- options
CREATE FOREIGN TABLE m_bad (a int) SERVER lake OPTIONS (table 'm/bad', snapshot_num_retained_min '0');
CREATE FOREIGN TABLE m_bad (a int) SERVER lake OPTIONS (table 'm/bad', snapshot_num_retained_max 'x');
CREATE FOREIGN TABLE m_bad (a int) SERVER lake OPTIONS (table 'm/bad', snapshot_num_retained_max '5');
CREATE FOREIGN TABLE m_bad (a int) SERVER lake
  OPTIONS (table 'm/bad', snapshot_num_retained_min '6', snapshot_num_retained_max '5');
CREATE FOREIGN TABLE m_bad (a int) SERVER lake OPTIONS (table 'm/bad', snapshot_time_retained 'soon');
CREATE FOREIGN TABLE m_bad (a int) SERVER lake OPTIONS (table 'm/bad', snapshot_time_retained '-1 hour');
CREATE FOREIGN TABLE m_bad (a int) SERVER lake OPTIONS (table 'm/bad', partition_expiration_time '0 days');
CREATE FOREIGN TABLE m_bad (a int) SERVER lake OPTIONS (table 'm/bad', tag_automatic_creation 'hourly');
CREATE FOREIGN TABLE m_bad (a int) SERVER lake OPTIONS (table 'm/bad', tag_num_retained '-2');

CREATE FOREIGN TABLE m (id int, v text, PRIMARY KEY (id)) SERVER lake
  OPTIONS (table 'm/m', snapshot_num_retained_min '2', snapshot_num_retained_max '3',
           snapshot_time_retained '1 day', auto_maintenance 'false',
           auto_compaction 'false');
ALTER FOREIGN TABLE m OPTIONS (SET snapshot_num_retained_max '1');
ALTER FOREIGN TABLE m OPTIONS (SET snapshot_num_retained_max '4');

-- expiry by count: min 2 kept whatever their age, beyond max 4 expired
SELECT * FROM lake_expire_snapshots('m');
INSERT INTO m VALUES (1, 'a'), (2, 'b');
INSERT INTO m VALUES (2, 'bb'), (3, 'c');
INSERT INTO m VALUES (4, 'd');
INSERT INTO m VALUES (1, 'aa');
INSERT INTO m VALUES (5, 'e');
INSERT INTO m VALUES (6, 'f');
SELECT expirable_snapshots, snapshots, earliest_snapshot, latest_snapshot
  FROM lake_table_health('m');
SELECT expired_snapshots, deleted_files, deleted_manifests > 0 AS manifests,
       earliest_snapshot, kept_for_queries
  FROM lake_expire_snapshots('m');
SELECT snapshot_id FROM lake_snapshots('m');
-- arguments override the options: keep only the latest
SELECT expired_snapshots, deleted_files, earliest_snapshot FROM lake_expire_snapshots('m', 1, NULL, '0 s');
SELECT * FROM m ORDER BY id;
SELECT * FROM lake_expire_snapshots('m', 0);
SELECT * FROM lake_expire_snapshots('m', NULL, 0);
SELECT * FROM lake_expire_snapshots('m', NULL, NULL, '-1 s');

-- expired snapshots: clear errors
CREATE FOREIGN TABLE m_at3 (id int, v text) SERVER lake OPTIONS (table 'm/m', snapshot '3');
SELECT * FROM m_at3;
SET lake_fdw.as_of = '2001-01-01';
\set VERBOSITY terse
SELECT * FROM m;
\set VERBOSITY default
RESET lake_fdw.as_of;

-- rollback: a new snapshot, history kept, commit order of re-added files kept
INSERT INTO m VALUES (1, 'one'), (7, 'g');
SELECT lake_create_tag('m', 'before_delete');
SELECT lake_rollback('m', 6);
SELECT * FROM m ORDER BY id;
SELECT lake_rollback('m', 'before_delete');
SELECT * FROM m ORDER BY id;
SELECT snapshot_id, kind, added_rows, deleted_rows FROM lake_snapshots('m');
SELECT lake_rollback('m', 1);
SELECT lake_rollback('m', 99);
SELECT lake_rollback('m', 'nope');
CREATE FOREIGN TABLE m_empty (id int) SERVER lake OPTIONS (table 'm/empty');
SELECT lake_rollback('m_empty', 1);

-- orphans: nothing to remove in a clean table; a minimum safety age
SELECT * FROM lake_remove_orphans('m');
SELECT * FROM lake_remove_orphans('m', '10 minutes');

-- partition expiry: partitions whose day + 7 days is before the maintenance time
CREATE FOREIGN TABLE p (dt date, id int, n int, PRIMARY KEY (dt, id)) SERVER lake
  OPTIONS (table 'm/p', partition_by 'dt', partition_expiration_time '7 days',
           auto_maintenance 'false', auto_compaction 'false');
INSERT INTO p VALUES ('2020-01-01', 1, 1), ('2020-01-02', 1, 2), ('2020-01-03', 1, 3),
                     ('2020-01-05', 1, 5), ('2020-01-05', 2, 6);
SELECT expirable_partitions, partitions FROM lake_table_health('p');
SELECT tag_created, partitions_dropped, expired_snapshots FROM lake_maintain('p', '2020-01-10 00:00+00');
SELECT * FROM p ORDER BY dt, id;
SELECT snapshot_id, kind, deleted_rows, total_files FROM lake_snapshots('p');
SELECT tag_created, partitions_dropped FROM lake_maintain('p', '2020-01-10 00:00+00');
CREATE FOREIGN TABLE p_text (region text, n int) SERVER lake
  OPTIONS (table 'm/p_text', partition_by 'region', partition_expiration_time '1 day',
           auto_maintenance 'false');
INSERT INTO p_text VALUES ('eu', 1);
SELECT * FROM lake_maintain('p_text');

-- daily tags: maintenance on day D tags the state at the end of day D-1
CREATE FOREIGN TABLE d (id int, n int) SERVER lake
  OPTIONS (table 'm/d', tag_automatic_creation 'daily', tag_num_retained '2',
           auto_maintenance 'false');
SELECT * FROM lake_maintain('d', now() + interval '1 day');   -- no snapshot yet
INSERT INTO d VALUES (1, 1);
-- nothing committed by the end of yesterday: no tag due now
SELECT tag_due IS NULL AS none_due FROM lake_table_health('d');
SELECT tag_created = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS tagged_today, tags_dropped
  FROM lake_maintain('d', now() + interval '1 day');
SELECT tag_created FROM lake_maintain('d', now() + interval '1 day');
SELECT lake_create_tag('d', 'manual');
INSERT INTO d VALUES (2, 2);
SELECT tag_created IS NOT NULL AS tagged, tags_dropped FROM lake_maintain('d', now() + interval '2 days');
SELECT tag_created IS NOT NULL AS tagged, tags_dropped FROM lake_maintain('d', now() + interval '3 days');
SELECT name ~ '^\d{4}-\d{2}-\d{2}$' AS automatic, snapshot_id FROM lake_tags('d') ORDER BY name;

-- health
SELECT snapshots, files, small_files, rows, partitions, max_sorted_runs, tags,
       last_compaction, last_expiry IS NOT NULL AS expired_once, maintenance_due,
       oldest_consumer_lag
  FROM lake_table_health('m');
SELECT table_name, files, rows FROM lake_tables_health
  WHERE table_name::text IN ('d', 'm', 'm_at3', 'm_empty', 'p', 'p_text') ORDER BY table_name::text;

-- permissions: changing a table needs its ownership
CREATE ROLE lake_maint_other;
GRANT SELECT ON m TO lake_maint_other;
SET ROLE lake_maint_other;
SELECT files FROM lake_table_health('m');
SELECT * FROM lake_expire_snapshots('m');
SELECT lake_rollback('m', 8);
SELECT * FROM lake_remove_orphans('m');
SELECT * FROM lake_maintain('m');
SELECT count(*) FROM lake_tables_health;
RESET ROLE;
REVOKE SELECT ON m FROM lake_maint_other;
DROP ROLE lake_maint_other;
