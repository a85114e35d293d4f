-- name: subordinate_level
-- description: The subordinate level (counties, townships…) derived as 全市 − 本级, figure by figure.
-- param: indicator = %
--
-- Only where a body reported both scopes for a year. `indicator` is a LIKE pattern
-- (e.g. review.% or application.received).
SELECT w.jurisdiction, w.body, w.year, w.indicator, i.label_zh,
       w.value               AS whole,
       o.value               AS own,
       w.value - o.value     AS subordinate
FROM facts w
JOIN facts o
  ON o.body = w.body AND o.year = w.year AND o.indicator = w.indicator
 AND o.breakdown = w.breakdown AND o.scope = 'own'
JOIN indicators i ON i.code = w.indicator
WHERE w.scope = 'whole' AND w.breakdown = 'total' AND w.indicator LIKE '${indicator}'
ORDER BY w.jurisdiction, w.year, w.indicator;
