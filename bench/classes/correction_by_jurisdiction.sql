-- class: correction rate by jurisdiction, scope, year
SELECT jurisdiction, scope, year,
       sum(CASE WHEN indicator = 'review.corrected' THEN value END)
         / nullif(sum(CASE WHEN indicator = 'review.total' THEN value END), 0) AS review_rate
FROM facts
WHERE breakdown = 'total' AND indicator IN ('review.total', 'review.corrected')
GROUP BY jurisdiction, scope, year
ORDER BY jurisdiction, scope, year
