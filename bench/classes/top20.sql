-- class: top 20 jurisdictions for one indicator and year
SELECT jurisdiction, body, value
FROM facts
WHERE indicator = 'application.new' AND year = 2022 AND scope = 'whole' AND breakdown = 'total'
ORDER BY value DESC, body
LIMIT 20
