-- class: 全市 - 本级 by jurisdiction (self-join)
SELECT w.jurisdiction, w.year, sum(w.value - o.value) AS subordinate
FROM facts w
JOIN facts o
  ON o.body = w.body AND o.year = w.year AND o.indicator = w.indicator AND o.breakdown = w.breakdown
WHERE w.scope = 'whole' AND o.scope = 'own' AND w.breakdown = 'total' AND w.indicator LIKE 'application.%'
GROUP BY w.jurisdiction, w.year
ORDER BY w.jurisdiction, w.year
