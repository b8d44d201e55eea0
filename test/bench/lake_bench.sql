-- test/bench/lake_bench.sql — tables and generator of test/bench/lake-bench (the ad_metrics data set:
-- :rows rows, days of 1M ads; the generator of the reference workload, so figures are comparable).
-- Run in pieces by lake-bench through psql variables: \if :{?step_NAME}.
\set ON_ERROR_STOP 1
\if :{?step_setup}
CREATE EXTENSION IF NOT EXISTS lake_fdw;
CREATE SERVER lake FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE ad_metrics_lake (
	dt date NOT NULL, ad_id bigint NOT NULL, campaign_id bigint NOT NULL, advertiser_id int NOT NULL,
	region text NOT NULL, device text NOT NULL,
	impressions bigint NOT NULL, clicks bigint NOT NULL, conversions bigint NOT NULL,
	cost_micros bigint NOT NULL, updated_at timestamptz NOT NULL,
	PRIMARY KEY (dt, ad_id))
	SERVER lake OPTIONS (table 'bench/ad_metrics', partition_by 'dt', compression 'zstd');
CREATE FOREIGN TABLE ad_metrics_append (
	dt date NOT NULL, ad_id bigint NOT NULL, campaign_id bigint NOT NULL, advertiser_id int NOT NULL,
	region text NOT NULL, device text NOT NULL,
	impressions bigint NOT NULL, clicks bigint NOT NULL, conversions bigint NOT NULL,
	cost_micros bigint NOT NULL, updated_at timestamptz NOT NULL)
	SERVER lake OPTIONS (table 'bench/ad_metrics_append', partition_by 'dt', compression 'zstd');
-- the source rows, as a view so every load runs the same generator
CREATE VIEW ad_metrics_src AS
SELECT date '2026-11-01' + (g / 1000000)::int AS dt, (g % 1000000)::bigint AS ad_id,
       ((g % 1000000) / 100)::bigint AS campaign_id, ((g % 1000000) / 10000)::int AS advertiser_id,
       (array['cn-north','cn-south','us-east','eu-west','ap-se'])[1 + (g % 5)] AS region,
       (array['ios','android','web'])[1 + (g % 3)] AS device,
       (g * 7) % 10000 AS impressions, (g * 13) % 300 AS clicks, (g * 17) % 20 AS conversions,
       (g * 31) % 5000000 AS cost_micros, timestamptz '2026-11-21 00:00:00+00' AS updated_at
FROM generate_series(0, :rows - 1) g;
\endif

\if :{?step_heap_create}
SET client_min_messages = warning;
DROP TABLE IF EXISTS ad_metrics_heap;
CREATE TABLE ad_metrics_heap (
	dt date NOT NULL, ad_id bigint NOT NULL, campaign_id bigint NOT NULL, advertiser_id int NOT NULL,
	region text NOT NULL, device text NOT NULL,
	impressions bigint NOT NULL, clicks bigint NOT NULL, conversions bigint NOT NULL,
	cost_micros bigint NOT NULL, updated_at timestamptz NOT NULL,
	PRIMARY KEY (dt, ad_id));
\endif
