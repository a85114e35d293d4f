-- class: every figure grouped by template (full scan)
SELECT template, count(*) AS figures, sum(value) AS total
FROM facts
GROUP BY template
ORDER BY template
