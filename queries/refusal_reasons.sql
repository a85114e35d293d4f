-- name: refusal_reasons
-- description: Why disclosure was refused: refusals by statutory reason, year and scope, with each reason's share.
-- param: scope = %
-- param: jurisdiction = %
-- param: province = %
-- param: level = %
--
-- 2014–2018: the six reasons under 不同意公开; 2019 onward: the eight under 不予公开.
-- `jurisdiction`, `province` (山东省) and `level` (prefecture, county…) are LIKE patterns: the whole country by default, one place with e.g.
-- --param 'jurisdiction=山东省%' or 'jurisdiction=济南市'. `citing` counts the reports that
-- gave the reason at least once.
SELECT f.year, f.scope, i.label_zh AS reason, f.indicator,
       count(*)                                                  AS reports,
       sum(CASE WHEN f.value > 0 THEN 1 ELSE 0 END)              AS citing,
       sum(f.value)                                              AS refusals,
       sum(f.value) / nullif(sum(sum(f.value)) OVER (PARTITION BY f.year, f.scope), 0) AS share
FROM facts f
JOIN indicators i ON i.code = f.indicator
WHERE f.breakdown = 'total' AND f.scope LIKE '${scope}' AND f.jurisdiction LIKE '${jurisdiction}'
  AND ('${province}' = '%' OR f.province LIKE '${province}') AND ('${level}' = '%' OR f.level LIKE '${level}')
  AND i.parent IN ('application.answered.refused', 'application.result.refused')
GROUP BY f.year, f.scope, i.label_zh, f.indicator
ORDER BY f.year, f.scope DESC, refusals DESC, f.indicator;
