-- name: year_over_year
-- description: Year-over-year change of one indicator for every body and scope.
-- param: indicator = application.received
SELECT jurisdiction, body, scope, year, value,
       lag(value) OVER w                               AS previous_year,
       value - lag(value) OVER w                       AS change,
       (value - lag(value) OVER w) / nullif(lag(value) OVER w, 0) AS relative_change
FROM facts
WHERE indicator = '${indicator}' AND breakdown = 'total'
WINDOW w AS (PARTITION BY body, scope ORDER BY year)
ORDER BY jurisdiction, body, scope DESC, year;
