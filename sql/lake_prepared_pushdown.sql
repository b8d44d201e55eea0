-- A generic plan classifies its pushed clauses once, at planning
-- (fdw_private's third item): which column, operator and value side each
-- compares.  Every execution binds new values to that classification.
-- Each clause shape is checked against a heap table with a real PRIMARY
-- KEY through plan-cached statements (PL/pgSQL, generic plans), executed
-- with several parameter sets: a wrong column, operator or value side
-- would prune away rows the heap returns.  EXPLAIN ANALYZE shows that the
-- values bound at each execution prune (a classification lost would read
-- every file).
\getenv lake_root LAKE_TEST_ROOT
SET client_min_messages = warning;
SET plan_cache_mode = force_generic_plan;
CREATE SERVER lake_pp FOREIGN DATA WRAPPER lake_fdw OPTIONS (root :'lake_root');
CREATE FOREIGN TABLE pp (k int NOT NULL, d date NOT NULL, t text COLLATE "C", b bool,
  x float8, n bigint, PRIMARY KEY (d, k))
  SERVER lake_pp OPTIONS (table '.pp/t', partition_by 'd', buckets '2');
CREATE TABLE pp_heap (k int, d date, t text COLLATE "C", b bool, x float8, n bigint,
  PRIMARY KEY (d, k));
CREATE TABLE pp_rows AS
  SELECT g % 500 AS k, date '2026-03-01' + g / 500 AS d,
         CASE WHEN g % 9 = 0 THEN NULL ELSE 's' || (g % 37) END AS t,
         g % 3 = 0 AS b, (g % 101) / 4.0 AS x, g::bigint AS n
  FROM generate_series(0, 4999) g;
INSERT INTO pp SELECT * FROM pp_rows WHERE n < 2500;
INSERT INTO pp SELECT * FROM pp_rows WHERE n >= 2500;
INSERT INTO pp_heap SELECT * FROM pp_rows;

-- one statement per shape; the same bodies over the heap
CREATE FUNCTION pp_q(shape int, i1 int, i2 int, d1 date, d2 date, s text, ks int[], f float8)
  RETURNS SETOF pp_heap LANGUAGE plpgsql AS $$
BEGIN
  CASE shape
    WHEN 1 THEN RETURN QUERY SELECT * FROM pp WHERE d = d1 AND k = i1;
    WHEN 2 THEN RETURN QUERY SELECT * FROM pp WHERE i1 = k AND d1 = d;
    WHEN 3 THEN RETURN QUERY SELECT * FROM pp WHERE k = ANY (ks) AND d = d1;
    WHEN 4 THEN RETURN QUERY SELECT * FROM pp WHERE d = d1 AND (k < i1 OR i2 < k);
    WHEN 5 THEN RETURN QUERY SELECT * FROM pp WHERE t LIKE s AND d BETWEEN d1 AND d2;
    WHEN 6 THEN RETURN QUERY SELECT * FROM pp WHERE NOT b AND d = d1 AND k >= i1;
    WHEN 7 THEN RETURN QUERY SELECT * FROM pp WHERE b AND d1 <= d AND d < d2;
    WHEN 8 THEN RETURN QUERY SELECT * FROM pp WHERE t IS NULL AND d = d1;
    WHEN 9 THEN RETURN QUERY SELECT * FROM pp WHERE x < f AND d = d1 AND k <> i1;
    WHEN 10 THEN RETURN QUERY SELECT * FROM pp WHERE (d = d1 OR d = d2) AND t = s;
  END CASE;
END $$;
CREATE FUNCTION pp_q_h(shape int, i1 int, i2 int, d1 date, d2 date, s text, ks int[], f float8)
  RETURNS SETOF pp_heap LANGUAGE plpgsql AS $$
BEGIN
  CASE shape
    WHEN 1 THEN RETURN QUERY SELECT * FROM pp_heap WHERE d = d1 AND k = i1;
    WHEN 2 THEN RETURN QUERY SELECT * FROM pp_heap WHERE i1 = k AND d1 = d;
    WHEN 3 THEN RETURN QUERY SELECT * FROM pp_heap WHERE k = ANY (ks) AND d = d1;
    WHEN 4 THEN RETURN QUERY SELECT * FROM pp_heap WHERE d = d1 AND (k < i1 OR i2 < k);
    WHEN 5 THEN RETURN QUERY SELECT * FROM pp_heap WHERE t LIKE s AND d BETWEEN d1 AND d2;
    WHEN 6 THEN RETURN QUERY SELECT * FROM pp_heap WHERE NOT b AND d = d1 AND k >= i1;
    WHEN 7 THEN RETURN QUERY SELECT * FROM pp_heap WHERE b AND d1 <= d AND d < d2;
    WHEN 8 THEN RETURN QUERY SELECT * FROM pp_heap WHERE t IS NULL AND d = d1;
    WHEN 9 THEN RETURN QUERY SELECT * FROM pp_heap WHERE x < f AND d = d1 AND k <> i1;
    WHEN 10 THEN RETURN QUERY SELECT * FROM pp_heap WHERE (d = d1 OR d = d2) AND t = s;
  END CASE;
END $$;

-- parameter sets: every shape, executed 3 times in one session (the
-- plans cached at the first), rows and differences from the heap
CREATE TABLE pp_args AS
  SELECT shape, r, (r * 17) % 50 AS i1, (r * 17) % 50 + 10 AS i2,
         date '2026-03-01' + r * 3 AS d1, date '2026-03-01' + r * 3 + 1 AS d2,
         's' || (r * 5) || '%' AS s, ARRAY[r, r + 11, 49 - r] AS ks, r * 7.5 AS f
  FROM generate_series(1, 10) shape, generate_series(0, 2) r;
UPDATE pp_args SET s = 's' || (r * 5 + 1) WHERE shape = 10;
SELECT a.shape,
       sum((SELECT count(*) FROM pp_q(a.shape, a.i1, a.i2, a.d1, a.d2, a.s, a.ks, a.f))) AS rows,
       sum((SELECT count(*) FROM
             ((SELECT * FROM pp_q(a.shape, a.i1, a.i2, a.d1, a.d2, a.s, a.ks, a.f)
               EXCEPT ALL
               SELECT * FROM pp_q_h(a.shape, a.i1, a.i2, a.d1, a.d2, a.s, a.ks, a.f))
              UNION ALL
              (SELECT * FROM pp_q_h(a.shape, a.i1, a.i2, a.d1, a.d2, a.s, a.ks, a.f)
               EXCEPT ALL
               SELECT * FROM pp_q(a.shape, a.i1, a.i2, a.d1, a.d2, a.s, a.ks, a.f))) x))
         AS differences
  FROM pp_args a GROUP BY a.shape ORDER BY a.shape;

-- prepared statements: the values bound at each execution prune
PREPARE p_key(int, date) AS SELECT k, d, n FROM pp WHERE $1 = k AND d = $2;
PREPARE p_in(int[], date) AS SELECT k, d, n FROM pp WHERE k = ANY ($1) AND d = $2 ORDER BY k;
EXECUTE p_key(7, '2026-03-02');
EXECUTE p_key(8, '2026-03-05');
EXECUTE p_in('{1,2,49}', '2026-03-03');
EXECUTE p_in('{3}', '2026-03-10');
SELECT k, d, n FROM pp_heap WHERE (k, d) IN ((7, '2026-03-02'), (8, '2026-03-05'),
  (1, '2026-03-03'), (2, '2026-03-03'), (49, '2026-03-03'), (3, '2026-03-10')) ORDER BY d, k;
-- the plan, once made, serves executions with other values
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF, TIMING OFF) EXECUTE p_key(7, '2026-03-02');
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF, TIMING OFF) EXECUTE p_key(9, '2026-03-09');

-- nested-loop probes: the value side was another relation's column at
-- planning, a parameter at execution
CREATE TABLE pp_probe (k int, d date);
INSERT INTO pp_probe VALUES (7, '2026-03-02'), (8, '2026-03-05'), (49, '2026-03-10'), (5, '2027-01-01');
ANALYZE pp_probe;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
PREPARE p_join AS SELECT p.k, p.d, pp.n FROM pp_probe p JOIN pp ON pp.d = p.d AND pp.k = p.k
  ORDER BY p.d, p.k;
EXECUTE p_join;
EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF, TIMING OFF) EXECUTE p_join;
SELECT p.k, p.d, h.n FROM pp_probe p JOIN pp_heap h ON h.d = p.d AND h.k = p.k ORDER BY p.d, p.k;
RESET enable_hashjoin;
RESET enable_mergejoin;

DEALLOCATE ALL;
DROP FUNCTION pp_q(int, int, int, date, date, text, int[], float8);
DROP FUNCTION pp_q_h(int, int, int, date, date, text, int[], float8);
DROP TABLE pp_heap, pp_rows, pp_args, pp_probe;
DROP SERVER lake_pp CASCADE;
