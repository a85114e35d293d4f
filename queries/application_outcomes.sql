-- name: application_outcomes
-- description: How disclosure applications were answered: each outcome and its share of all answers.
-- param: scope = %
--
-- 2014–2018 tables: the parts of 申请答复数 (application.answered.*);
-- 2019 onward: the parts of 本年度办理结果 总计 (application.result.*).
WITH totals AS (
    SELECT report_id, value AS total FROM facts
    WHERE breakdown = 'total' AND indicator IN ('application.answered', 'application.result.total')
)
SELECT f.jurisdiction, f.body, f.scope, f.year, f.indicator, i.label_zh,
       f.value                              AS applications,
       f.value / nullif(t.total, 0)         AS share
FROM facts f
JOIN totals t ON t.report_id = f.report_id
JOIN indicators i ON i.code = f.indicator
WHERE f.breakdown = 'total' AND f.scope LIKE '${scope}'
  AND i.relation = 'part' AND i.parent IN ('application.answered', 'application.result.total')
ORDER BY f.jurisdiction, f.body, f.year, f.scope DESC, f.value DESC;
