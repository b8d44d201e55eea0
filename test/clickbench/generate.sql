-- test/clickbench/generate.sql — look-alike rows for ClickBench's table hits.
--
-- hits_lookalike(first, n, version) returns rows first .. first + n - 1 of a deterministic data set
-- shaped like ClickBench's web-analytics hits (see README). Every value is a function of the row
-- number g (and, outside the key columns, of version), built from hashint8extended: hl_r is uniform
-- over [0, m), hl_z is skewed toward 0 (u^3), so a few values are popular, as in the real data.
-- Needs the table (or type) hits from hits.sql in the search path.

CREATE FUNCTION hl_u(g bigint, k int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (hashint8extended(g, k) & 16777215)::float8 / 16777216.0;

CREATE FUNCTION hl_r(g bigint, k int, m int) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ((hashint8extended(g, k) & 2147483647) % m)::int;

CREATE FUNCTION hl_z(g bigint, k int, m int) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN floor(m * power(hl_u(g, k), 3))::int;

CREATE FUNCTION hits_lookalike(first bigint, n bigint, ver_no int DEFAULT 0) RETURNS SETOF hits
LANGUAGE sql STABLE AS $$
SELECT
  k.watch_id,                                                        -- WatchID
  hl_r(g, v + 2, 2)::int2,                                           -- JavaEnable
  CASE WHEN hl_r(g, v + 3, 10) < 2 THEN ''
       ELSE (ARRAY['Google Search', 'Yandex', 'Mail.Ru', 'Weather in Moscow', 'Google Maps',
                   'News of the day', 'Auto.ru: cars', 'Online shop', 'Football results',
                   'Cheap flights', 'Recipes', 'Google Translate', 'Hotels', 'Job offers',
                   'Music online', 'Films 2013'])[1 + hl_z(g, v + 4, 16)]
            || ' ' || hl_z(g, v + 5, 300) END,                       -- Title
  CASE hl_r(g, v + 6, 50) WHEN 0 THEN 0 ELSE 1 END::int2,            -- GoodEvent
  k.event_time,                                                      -- EventTime
  k.event_time::date,                                                -- EventDate
  k.counter_id,                                                      -- CounterID
  (hashint8extended(k.user_no, 10) % 2147483647)::int,               -- ClientIP (per user)
  1 + hl_z(g, v + 11, 3000),                                         -- RegionID
  k.user_id,                                                         -- UserID
  hl_r(g, v + 14, 3)::int2,                                          -- CounterClass
  hl_z(g, v + 15, 100)::int2,                                        -- OS
  hl_z(g, v + 16, 100)::int2,                                        -- UserAgent
  t.url,                                                             -- URL
  t.referer,                                                         -- Referer
  CASE hl_r(g, v + 25, 10) WHEN 0 THEN 1 ELSE 0 END::int2,           -- IsRefresh
  hl_z(g, v + 26, 20)::int2,                                         -- RefererCategoryID
  hl_z(g, v + 27, 3000),                                             -- RefererRegionID
  hl_z(g, v + 28, 20)::int2,                                         -- URLCategoryID
  hl_z(g, v + 29, 3000),                                             -- URLRegionID
  t.res_w,                                                           -- ResolutionWidth
  t.res_h,                                                           -- ResolutionHeight
  (ARRAY[24, 32, 16, 0])[1 + hl_z(g, v + 32, 4)]::int2,              -- ResolutionDepth
  hl_z(g, v + 33, 12)::int2,                                         -- FlashMajor
  hl_z(g, v + 34, 10)::int2,                                         -- FlashMinor
  CASE WHEN hl_r(g, v + 35, 3) = 0 THEN '' ELSE hl_z(g, v + 36, 200)::text END, -- FlashMinor2
  hl_z(g, v + 37, 5)::int2,                                          -- NetMajor
  hl_z(g, v + 38, 10)::int2,                                         -- NetMinor
  hl_z(g, v + 39, 60)::int2,                                         -- UserAgentMajor
  CASE WHEN hl_r(g, v + 40, 4) = 0 THEN '' ELSE hl_z(g, v + 41, 20)::text END, -- UserAgentMinor
  CASE hl_r(g, v + 42, 20) WHEN 0 THEN 0 ELSE 1 END::int2,           -- CookieEnable
  CASE hl_r(g, v + 43, 30) WHEN 0 THEN 0 ELSE 1 END::int2,           -- JavascriptEnable
  t.is_mobile,                                                       -- IsMobile
  (t.is_mobile * (1 + hl_z(g, v + 45, 120)))::int2,                  -- MobilePhone
  CASE WHEN t.is_mobile = 1
       THEN (ARRAY['iPhone 4', 'iPad', 'Samsung Galaxy S III', 'HTC One', 'Nokia Lumia 920',
                   'Sony Xperia Z', 'iPhone 5', 'LG Optimus G'])[1 + hl_z(g, v + 46, 8)]
       ELSE '' END,                                                  -- MobilePhoneModel
  CASE WHEN hl_r(g, v + 47, 8) = 0 THEN 'p=' || hl_z(g, v + 48, 50) ELSE '' END, -- Params
  hl_z(g, v + 49, 50000),                                            -- IPNetworkID
  (hl_z(g, v + 50, 11) - 1)::int2,                                   -- TraficSourceID
  CASE WHEN t.phrase <> '' THEN 1 + hl_z(g, v + 51, 20) ELSE 0 END::int2, -- SearchEngineID
  t.phrase,                                                          -- SearchPhrase
  CASE WHEN hl_r(g, v + 52, 20) = 0 THEN 1 + hl_z(g, v + 53, 30) ELSE 0 END::int2, -- AdvEngineID
  CASE hl_r(g, v + 54, 50) WHEN 0 THEN 1 ELSE 0 END::int2,           -- IsArtifical
  greatest(t.res_w - hl_r(g, v + 55, 40), 0)::int2,                  -- WindowClientWidth
  greatest(t.res_h - hl_r(g, v + 56, 200), 0)::int2,                 -- WindowClientHeight
  (hl_r(g, v + 57, 25) - 12)::int2,                                  -- ClientTimeZone
  k.event_time + make_interval(secs => hl_r(g, v + 58, 120) - 60),   -- ClientEventTime
  hl_z(g, v + 59, 6)::int2,                                          -- SilverlightVersion1
  hl_z(g, v + 60, 4)::int2,                                          -- SilverlightVersion2
  hl_z(g, v + 61, 60000),                                            -- SilverlightVersion3
  hl_z(g, v + 62, 4)::int2,                                          -- SilverlightVersion4
  (ARRAY['utf-8', 'windows-1251', 'koi8-r', ''])[1 + hl_z(g, v + 63, 4)], -- PageCharset
  hl_z(g, v + 64, 1000),                                             -- CodeVersion
  CASE hl_r(g, v + 65, 10) WHEN 0 THEN 1 ELSE 0 END::int2,           -- IsLink
  CASE hl_r(g, v + 66, 30) WHEN 0 THEN 1 ELSE 0 END::int2,           -- IsDownload
  hl_r(g, v + 67, 2)::int2,                                          -- IsNotBounce
  CASE WHEN hl_r(g, v + 68, 3) = 0 THEN 0
       ELSE hashint8extended(g, v + 69) & 9223372036854775807 END,   -- FUniqID
  CASE WHEN hl_r(g, v + 70, 10) = 0 THEN t.url ELSE '' END,          -- OriginalURL
  (hashint8extended(g, v + 71) % 2147483647)::int,                   -- HID
  0::int2,                                                           -- IsOldCounter
  CASE hl_r(g, v + 72, 12) WHEN 0 THEN 1 ELSE 0 END::int2,           -- IsEvent
  CASE hl_r(g, v + 73, 15) WHEN 0 THEN 1 ELSE 0 END::int2,           -- IsParameter
  CASE hl_r(g, v + 74, 10) WHEN 0 THEN 1 ELSE 0 END::int2,           -- DontCountHits
  CASE hl_r(g, v + 75, 7) WHEN 0 THEN 1 ELSE 0 END::int2,            -- WithHash
  (ARRAY['D', 'E', 'F', 'G'])[1 + hl_z(g, v + 76, 4)],               -- HitColor
  k.event_time + make_interval(hours => hl_r(g, v + 57, 25) - 12),   -- LocalEventTime
  hl_z(g, v + 77, 90)::int2,                                         -- Age
  hl_r(g, v + 78, 3)::int2,                                          -- Sex
  hl_r(g, v + 79, 5)::int2,                                          -- Income
  hl_z(g, v + 80, 2000)::int2,                                       -- Interests
  hl_z(g, v + 81, 10)::int2,                                         -- Robotness
  (hashint8extended(g, v + 82) % 2147483647)::int,                   -- RemoteIP
  hl_z(g, v + 83, 1000) - 1,                                         -- WindowName
  hl_z(g, v + 84, 1000) - 1,                                         -- OpenerName
  hl_z(g, v + 85, 50)::int2,                                         -- HistoryLength
  (ARRAY['ru', 'en', 'uk', 'de', 'tr', ''])[1 + hl_z(g, v + 86, 6)], -- BrowserLanguage
  (ARRAY['ru', 'ua', 'by', 'kz', 'de', 'us', 'tr'])[1 + hl_z(g, v + 87, 7)], -- BrowserCountry
  CASE WHEN hl_r(g, v + 88, 30) = 0
       THEN (ARRAY['vk', 'fb', 'ok', 'tw'])[1 + hl_r(g, v + 89, 4)] ELSE '' END, -- SocialNetwork
  CASE WHEN hl_r(g, v + 90, 60) = 0 THEN 'like' ELSE '' END,         -- SocialAction
  CASE hl_r(g, v + 91, 100) WHEN 0 THEN 404 ELSE 0 END::int2,        -- HTTPError
  hl_z(g, v + 92, 5000),                                             -- SendTiming
  hl_z(g, v + 93, 500),                                              -- DNSTiming
  hl_z(g, v + 94, 800),                                              -- ConnectTiming
  hl_z(g, v + 95, 3000),                                             -- ResponseStartTiming
  hl_z(g, v + 96, 6000),                                             -- ResponseEndTiming
  hl_z(g, v + 97, 9000),                                             -- FetchTiming
  CASE hl_r(g, v + 98, 40) WHEN 0 THEN 1 + hl_r(g, v + 99, 5) ELSE 0 END::int2, -- SocialSourceNetworkID
  CASE WHEN hl_r(g, v + 100, 40) = 0 THEN 'http://vk.com/wall' || hl_z(g, v + 101, 100) ELSE '' END, -- SocialSourcePage
  CASE WHEN hl_r(g, v + 102, 50) = 0 THEN 100 * (1 + hl_z(g, v + 103, 1000)) ELSE 0 END::int8, -- ParamPrice
  CASE WHEN hl_r(g, v + 104, 50) = 0 THEN 'o' || hl_r(g, v + 105, 100000) ELSE '' END, -- ParamOrderID
  CASE WHEN hl_r(g, v + 106, 50) = 0 THEN 'RUB' ELSE '' END,         -- ParamCurrency
  CASE hl_r(g, v + 106, 50) WHEN 0 THEN 643 ELSE 0 END::int2,        -- ParamCurrencyID
  CASE WHEN hl_r(g, v + 107, 25) = 0 THEN 'direct.yandex.ru' ELSE '' END, -- OpenstatServiceName
  CASE WHEN hl_r(g, v + 107, 25) = 0 THEN 'c' || hl_z(g, v + 108, 300) ELSE '' END, -- OpenstatCampaignID
  CASE WHEN hl_r(g, v + 107, 25) = 0 THEN 'a' || hl_z(g, v + 109, 3000) ELSE '' END, -- OpenstatAdID
  CASE WHEN hl_r(g, v + 107, 25) = 0 THEN 's' || hl_z(g, v + 110, 30) ELSE '' END, -- OpenstatSourceID
  CASE WHEN hl_r(g, v + 111, 15) = 0
       THEN (ARRAY['yandex', 'google', 'begun', 'vk'])[1 + hl_z(g, v + 112, 4)] ELSE '' END, -- UTMSource
  CASE WHEN hl_r(g, v + 111, 15) = 0 THEN 'cpc' ELSE '' END,         -- UTMMedium
  CASE WHEN hl_r(g, v + 111, 15) = 0 THEN 'summer' || hl_z(g, v + 113, 20) ELSE '' END, -- UTMCampaign
  CASE WHEN hl_r(g, v + 114, 60) = 0 THEN 'banner' ELSE '' END,      -- UTMContent
  CASE WHEN hl_r(g, v + 115, 60) = 0 THEN t.phrase ELSE '' END,      -- UTMTerm
  CASE WHEN hl_r(g, v + 116, 80) = 0 THEN 'tag' || hl_r(g, v + 117, 9) ELSE '' END, -- FromTag
  CASE hl_r(g, v + 118, 20) WHEN 0 THEN 1 ELSE 0 END::int2,          -- HasGCLID
  CASE WHEN t.referer = '' THEN 3594120000172545465
       ELSE hashtextextended(t.referer, 0) END,                      -- RefererHash
  CASE WHEN t.url = '' THEN 2868770270353813622
       ELSE hashtextextended(t.url, 0) END,                          -- URLHash
  hl_z(g, v + 119, 100)                                              -- CLID
FROM generate_series(first, first + n - 1) AS g,
  LATERAL (SELECT 200 * ver_no AS v) AS ver,
  -- the key columns of ClickBench's tuned schema: independent of version
  LATERAL (SELECT
    hashint8extended(g, 1) & 9223372036854775807 AS watch_id,
    timestamp '2013-07-01' + make_interval(secs => hl_r(g, 7, 31 * 86400)) AS event_time,
    CASE WHEN hl_r(g, 8, 3) = 0 THEN 62 ELSE 1 + hl_z(g, 9, 5000) END AS counter_id,
    (g + hl_r(g, 12, 50)) / 10 AS user_no) AS k0,
  LATERAL (SELECT k0.*,
    CASE WHEN g = 1 THEN 435090932899640449
         ELSE hashint8extended(k0.user_no, 13) & 9223372036854775807 END AS user_id) AS k,
  LATERAL (SELECT
    CASE WHEN hl_r(g, v + 17, 20) = 0 THEN ''
         ELSE 'http://' || (ARRAY['yandex.ru', 'www.google.com', 'mail.ru', 'maps.google.ru',
                   'auto.ru', 'vk.com', 'news.yandex.ru', 'example.org', 'googleapis.com',
                   'livejournal.com', 'avito.ru', 'kinopoisk.ru'])[1 + hl_z(g, v + 18, 12)]
              || '/' || (ARRAY['search', 'news', 'catalog', 'item', 'user', 'page'])[1 + hl_r(g, v + 19, 6)]
              || '/' || hl_z(g, v + 20, 20000) || '.html' END AS url,
    CASE WHEN hl_r(g, v + 21, 3) = 0 THEN ''
         ELSE 'https://' || CASE hl_r(g, v + 22, 2) WHEN 0 THEN 'www.' ELSE '' END
              || (ARRAY['yandex.ru', 'google.com', 'mail.ru', 'vk.com', 'go.mail.ru', 'bing.com',
                        'rambler.ru', 'facebook.com'])[1 + hl_z(g, v + 23, 8)]
              || '/q?text=' || hl_z(g, v + 24, 1000) END AS referer,
    (ARRAY[1920, 1366, 1280, 1024, 1440, 1600, 0, 800, 2560, 360])[1 + hl_z(g, v + 30, 10)]::int2 AS res_w,
    (ARRAY[1080, 768, 1024, 900, 800, 0, 600, 1200, 1440, 640])[1 + hl_z(g, v + 31, 10)]::int2 AS res_h,
    CASE hl_r(g, v + 44, 8) WHEN 0 THEN 1 ELSE 0 END::int2 AS is_mobile,
    CASE WHEN hl_r(g, v + 49, 5) = 0
         THEN (ARRAY['weather', 'buy car', 'google', 'cheap flights', 'football', 'recipes',
                     'hotels moscow', 'films online', 'music', 'news'])[1 + hl_z(g, v + 50, 10)]
              || ' ' || hl_z(g, v + 51, 2000)
         ELSE '' END AS phrase) AS t
$$;
