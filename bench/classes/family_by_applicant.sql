-- class: an indicator family by year and applicant
SELECT year, breakdown, sum(value) AS total
FROM facts
WHERE indicator LIKE 'application.result.%'
GROUP BY year, breakdown
ORDER BY year, breakdown
