-- name: application_outcomes
-- description: How disclosure applications were answered: answers by outcome, year and scope, with each outcome's share.
-- param: scope = %
-- param: jurisdiction = %
-- param: province = %
-- param: level = %
--
-- 2014–2018 tables: the parts of 申请答复数 (application.answered.*);
-- 2019 onward: the parts of 本年度办理结果 总计 (application.result.*).
-- `jurisdiction`, `province` (山东省) and `level` (prefecture, county…) are LIKE patterns: the whole country by default, one place with e.g.
-- --param 'jurisdiction=淮安市%'.
SELECT f.year, f.scope, i.label_zh AS outcome, f.indicator,
       count(*)                                                  AS reports,
       sum(f.value)                                              AS applications,
       sum(f.value) / nullif(sum(sum(f.value)) OVER (PARTITION BY f.year, f.scope), 0) AS share
FROM facts f
JOIN indicators i ON i.code = f.indicator
WHERE f.breakdown = 'total' AND f.scope LIKE '${scope}' AND f.jurisdiction LIKE '${jurisdiction}'
  AND ('${province}' = '%' OR f.province LIKE '${province}') AND ('${level}' = '%' OR f.level LIKE '${level}')
  AND i.relation = 'part' AND i.parent IN ('application.answered', 'application.result.total')
GROUP BY f.year, f.scope, i.label_zh, f.indicator
ORDER BY f.year, f.scope DESC, applications DESC, f.indicator;
