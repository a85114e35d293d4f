-- class: correction rate by province x level x year
SELECT province, level, year,
       sum(CASE WHEN indicator = 'review.corrected' THEN value END)
         / nullif(sum(CASE WHEN indicator = 'review.total' THEN value END), 0) AS review_rate
FROM facts
WHERE breakdown = 'total' AND indicator IN ('review.total', 'review.corrected')
GROUP BY province, level, year
ORDER BY province, level, year
