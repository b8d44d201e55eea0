-- test/demo/demo.sql — the lake_fdw demo: ad metrics in a lake table, joined with a heap table.
--
-- Run by test/run-demo, which starts the demo cluster and calls
--   psql -X -v ON_ERROR_STOP=1 -v lake_root=<lake root> -f test/demo/demo.sql
-- so any failing statement stops the demo with a non-zero exit.

\set ECHO queries
SET timezone = 'UTC';

\echo
\echo '=== 1. The extension, a lake server, and a primary-key lake table ======================'
CREATE EXTENSION lake_fdw;
CREATE SERVER lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');

-- One row per (day, hour, ad): a merge tree keyed on the primary key, one directory per day,
-- four buckets per day, zstd-compressed Parquet files.
CREATE FOREIGN TABLE ad_metrics (
    dt          date   NOT NULL,
    hour        int    NOT NULL,
    campaign_id bigint,
    ad_id       bigint NOT NULL,
    region      text,
    impressions bigint,
    clicks      bigint,
    conversions bigint,
    cost_micros bigint,
    updated_at  timestamptz
) SERVER lake OPTIONS (table 'ads/ad_metrics', primary_key 'dt,hour,ad_id',
                       partition_by 'dt', buckets '4', compression 'zstd');

\echo
\echo '=== 2. Sample data: 40 campaigns (heap table), 14 days x 24 hours x 1,000 ads (lake) ==='
\set ECHO none
\ir generate.sql
\set ECHO queries
SELECT count(*) AS campaigns, count(DISTINCT advertiser) AS advertisers FROM campaigns;

\timing on
INSERT INTO ad_metrics
SELECT * FROM pg_temp.demo_metrics('2026-11-01', '2026-11-14', 0, 23);
\timing off

\echo
\echo '=== 3. Queries ========================================================================='
\echo '--- daily totals'
SELECT dt,
       sum(impressions)                                   AS impressions,
       sum(clicks)                                        AS clicks,
       sum(conversions)                                   AS conversions,
       round(100.0 * sum(clicks) / sum(impressions), 3)   AS ctr_pct,
       round(sum(cost_micros) / 1e6, 2)                   AS spend_usd
FROM ad_metrics
GROUP BY dt
ORDER BY dt;

\echo '--- CTR by region, last three days'
SELECT dt, region,
       sum(impressions)                                   AS impressions,
       sum(clicks)                                        AS clicks,
       round(100.0 * sum(clicks) / sum(impressions), 3)   AS ctr_pct
FROM ad_metrics
WHERE dt BETWEEN '2026-11-12' AND '2026-11-14'
GROUP BY dt, region
ORDER BY dt, region;

\echo '--- top campaigns by spend, joined with the heap table campaigns'
SELECT c.advertiser, c.name,
       round(sum(m.cost_micros) / 1e6, 2)                                 AS spend_usd,
       sum(m.conversions)                                                 AS conversions,
       round(sum(m.cost_micros) / 1e6 / nullif(sum(m.conversions), 0), 2) AS cost_per_conversion
FROM ad_metrics AS m
JOIN campaigns AS c USING (campaign_id)
WHERE m.dt >= '2026-11-08'
GROUP BY c.advertiser, c.name
ORDER BY spend_usd DESC
LIMIT 10;

\echo '--- one key'
SELECT * FROM ad_metrics WHERE dt = '2026-11-14' AND hour = 23 AND ad_id = 101001;

\echo
\echo '=== 4. Metadata: snapshots and data files =============================================='
SELECT * FROM lake_snapshots('ad_metrics');
SELECT count(*) AS files FROM lake_files('ad_metrics');
SELECT * FROM lake_files('ad_metrics') LIMIT 8;

\echo
\echo '=== 5. More writes: new rows for 2026-11-15, then late clicks as an upsert ============='
SELECT now() AS after_first_load \gset
SELECT pg_sleep(1);

-- fresh data for the first six hours of 2026-11-15
INSERT INTO ad_metrics
SELECT * FROM pg_temp.demo_metrics('2026-11-15', '2026-11-15', 0, 5);

-- late-arriving attribution: three more clicks on every ad of campaign 101 at 23:00 on the 14th.
-- ad_metrics has a primary key, so a plain INSERT of an existing key is an upsert: the merge
-- engine (deduplicate) keeps the newest version, with no read of the old row at write time.
INSERT INTO ad_metrics
SELECT dt, hour, campaign_id, ad_id, region, impressions, clicks + 3, conversions,
       cost_micros + 3 * coalesce(cost_micros / nullif(clicks, 0), 0), updated_at + interval '2 hours'
FROM ad_metrics
WHERE dt = '2026-11-14' AND hour = 23 AND campaign_id = 101;

SELECT * FROM ad_metrics WHERE dt = '2026-11-14' AND hour = 23 AND ad_id = 101001;

-- the same, as PostgreSQL's INSERT ... ON CONFLICT: a blind upsert that adds the late clicks
-- (EXPLAIN shows it: the record carries "clicks = add", nothing is read at write time)
EXPLAIN (COSTS OFF)
INSERT INTO ad_metrics AS t (dt, hour, ad_id, clicks) VALUES ('2026-11-14', 22, 101001, 2)
ON CONFLICT (dt, hour, ad_id) DO UPDATE SET clicks = t.clicks + EXCLUDED.clicks;
INSERT INTO ad_metrics AS t (dt, hour, ad_id, clicks)
SELECT '2026-11-14', 22, ad_id, 2 FROM ad_metrics WHERE dt = '2026-11-14' AND hour = 22 AND campaign_id = 101
ON CONFLICT (dt, hour, ad_id) DO UPDATE SET clicks = t.clicks + EXCLUDED.clicks;
SELECT dt, hour, ad_id, clicks FROM ad_metrics WHERE dt = '2026-11-14' AND hour = 22 AND ad_id = 101001;

-- UPDATE and DELETE use the primary key as row identity
UPDATE ad_metrics SET region = 'emea' WHERE dt = '2026-11-14' AND hour = 22 AND ad_id = 101001;
DELETE FROM ad_metrics WHERE dt = '2026-11-14' AND hour = 21 AND campaign_id = 101;
SELECT count(*) AS ads_of_101_at_21h FROM ad_metrics WHERE dt = '2026-11-14' AND hour = 21 AND campaign_id = 101;
SELECT * FROM lake_snapshots('ad_metrics');

\echo
\echo '=== 6. Time travel: the table as it was after the first load ==========================='
SELECT count(*) AS rows, sum(impressions) AS impressions, sum(clicks) AS clicks FROM ad_metrics;
SET lake_fdw.as_of = :'after_first_load';
SELECT count(*) AS rows, sum(impressions) AS impressions, sum(clicks) AS clicks FROM ad_metrics;
SELECT * FROM ad_metrics WHERE dt = '2026-11-14' AND hour = 23 AND ad_id = 101001;
RESET lake_fdw.as_of;

\echo
\echo '=== 7. EXPLAIN: what a scan reads ======================================================'
EXPLAIN
SELECT region, sum(clicks)
FROM ad_metrics
WHERE dt = '2026-11-14' AND hour BETWEEN 18 AND 20
GROUP BY region;

EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ad_metrics WHERE dt = '2026-11-14' AND ad_id = 101001;
