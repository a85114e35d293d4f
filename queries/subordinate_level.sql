-- name: subordinate_level
-- description: The subordinate level (counties, townships…) derived as 全市 − 本级, figure by figure.
-- param: indicator = application.received
--
-- Only where a body reported both scopes for a year. `indicator` is a LIKE pattern
-- (e.g. review.% or application.received).
SELECT w.jurisdiction, w.body, w.year, w.indicator, i.label_zh,
       w.value               AS whole,
       o.value               AS own,
       w.value - o.value     AS subordinate
-- 本级 rows first: the join builds its hash table on them (fewer than the 全市 rows).
FROM (SELECT * FROM facts WHERE scope = 'own' AND breakdown = 'total') o
JOIN facts w
  ON w.body = o.body AND w.year = o.year AND w.indicator = o.indicator AND w.breakdown = o.breakdown
JOIN indicators i ON i.code = w.indicator
WHERE w.scope = 'whole' AND w.indicator LIKE '${indicator}'
ORDER BY w.jurisdiction, w.year, w.indicator;
