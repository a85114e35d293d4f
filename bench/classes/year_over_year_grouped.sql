-- class: year-over-year change (window over a grouped CTE)
WITH by_province AS (
    SELECT province, year, sum(value) AS v
    FROM facts
    WHERE indicator = 'application.new' AND breakdown = 'total'
    GROUP BY province, year
)
SELECT province, year, v, v - lag(v) OVER (PARTITION BY province ORDER BY year) AS change
FROM by_province
ORDER BY province, year
