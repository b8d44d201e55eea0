-- test/demo/generate.sql — deterministic sample data for the demo (included by demo.sql).
--
-- 8 advertisers x 5 campaigns = 40 campaigns (heap table `campaigns`), 25 ads per campaign
-- = 1,000 ads, each ad serving one region. ad_metrics gets one row per (day, hour, ad):
-- 14 days (2026-11-01 .. 2026-11-14) x 24 hours x 1,000 ads = 336,000 rows.
-- No random(): every figure is integer arithmetic on the keys, so each run loads the same
-- numbers. Impressions follow a daily curve (peak 14:00 UTC) and dip at weekends;
-- clicks <= impressions (CTR 0.5 %–3 %), conversions <= clicks (CVR 2 %–10 %, rounded),
-- cost = clicks x the campaign's cost per click.

CREATE TABLE campaigns (
    campaign_id bigint PRIMARY KEY,
    name        text NOT NULL,
    advertiser  text NOT NULL
);

INSERT INTO campaigns (campaign_id, name, advertiser)
SELECT 100 + (a.i - 1) * 5 + c.j,
       a.brand || ' — ' || (ARRAY['Winter Sale', 'Brand Awareness', 'Retargeting',
                                   'New Arrivals', 'Holiday Gifts'])[c.j],
       a.brand
FROM unnest(ARRAY['Acme Outdoors', 'Bluebird Travel', 'Cobalt Games', 'Driftwood Coffee',
                  'Evergreen Bank', 'Fjord Furniture', 'Granite Fitness', 'Harbor Books'])
         WITH ORDINALITY AS a(brand, i)
CROSS JOIN generate_series(1, 5) AS c(j);

-- The ads: derived, not stored anywhere but in ad_metrics itself.
CREATE TEMP VIEW demo_ads AS
SELECT c.campaign_id,
       c.campaign_id * 1000 + n AS ad_id,
       (ARRAY['us-east', 'us-west', 'eu-west', 'eu-central', 'apac'])[1 + (n * 7 + c.campaign_id) % 5] AS region,
       50 + (c.campaign_id * 1000 + n) * 37 % 400 AS base_impressions,  -- per hour at the peak
       150000 + c.campaign_id * 7919 % 50 * 20000 AS cpc_micros         -- $0.15 .. $1.13
FROM campaigns AS c
CROSS JOIN generate_series(1, 25) AS n;

-- demo_metrics(first_day, last_day, first_hour, last_hour): the rows for that window.
CREATE FUNCTION pg_temp.demo_metrics(first_day date, last_day date, first_hour int, last_hour int)
RETURNS TABLE (dt date, hour int, campaign_id bigint, ad_id bigint, region text,
               impressions bigint, clicks bigint, conversions bigint, cost_micros bigint,
               updated_at timestamptz)
LANGUAGE sql STABLE AS $$
SELECT d.dt, h.hour, a.campaign_id, a.ad_id, a.region,
       i.impressions, k.clicks,
       (k.clicks * (2 + (a.ad_id * 3 + (d.dt - date '2026-11-01')) % 9) + 50) / 100 AS conversions,
       k.clicks * a.cpc_micros AS cost_micros,
       (d.dt + make_interval(hours => h.hour + 1, secs => (a.ad_id % 600)::int)) AT TIME ZONE 'UTC'
FROM generate_series(first_day, last_day, interval '1 day') AS g(day)
CROSS JOIN LATERAL (SELECT g.day::date AS dt) AS d
CROSS JOIN generate_series(first_hour, last_hour) AS h(hour)
CROSS JOIN demo_ads AS a
CROSS JOIN LATERAL (
    SELECT (a.base_impressions
            * (18 - abs(h.hour - 14))                                          -- daily curve
            * CASE WHEN extract(isodow FROM d.dt) >= 6 THEN 8 ELSE 10 END      -- weekend dip
            * (90 + (a.ad_id * 7919 + h.hour * 104729 + (d.dt - date '2026-11-01') * 1299709) % 21)
           ) / 1800 AS impressions
) AS i
CROSS JOIN LATERAL (
    SELECT i.impressions * (50 + (a.campaign_id * 13 + a.ad_id * 7 + h.hour) % 250) / 10000 AS clicks
) AS k
$$;
