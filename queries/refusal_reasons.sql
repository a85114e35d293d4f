-- name: refusal_reasons
-- description: Why disclosure was refused: each statutory reason and its share of all refusals.
-- param: scope = %
--
-- 2014–2018: the six reasons under 不同意公开; 2019 onward: the eight under 不予公开.
WITH refused AS (
    SELECT report_id, value AS total FROM facts
    WHERE breakdown = 'total'
      AND indicator IN ('application.answered.refused', 'application.result.refused')
)
SELECT f.jurisdiction, f.body, f.scope, f.year, i.label_zh AS reason, f.indicator,
       f.value                      AS refusals,
       f.value / nullif(r.total, 0) AS share
FROM facts f
JOIN refused r ON r.report_id = f.report_id
JOIN indicators i ON i.code = f.indicator
WHERE f.breakdown = 'total' AND f.scope LIKE '${scope}'
  AND i.parent IN ('application.answered.refused', 'application.result.refused')
ORDER BY f.jurisdiction, f.body, f.year, f.scope DESC, f.value DESC;
