-- name: ranking
-- description: Jurisdictions ranked by one indicator in one year.
-- param: indicator = application.received
-- param: year = 2017
-- param: scope = whole
-- param: limit = 20
SELECT rank() OVER (ORDER BY value DESC) AS rank, jurisdiction, body, value
FROM facts
WHERE indicator = '${indicator}' AND year = ${year} AND scope LIKE '${scope}' AND breakdown = 'total'
ORDER BY value DESC, jurisdiction
LIMIT ${limit};
