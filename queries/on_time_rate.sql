-- name: on_time_rate
-- description: Share of applications completed on time (按时办结数 / 申请办结数), 2014–2018 tables.
SELECT jurisdiction, body, scope, year,
       max(CASE WHEN indicator = 'application.completed'          THEN value END) AS completed,
       max(CASE WHEN indicator = 'application.completed.on_time'  THEN value END) AS on_time,
       max(CASE WHEN indicator = 'application.completed.extended' THEN value END) AS extended,
       max(CASE WHEN indicator = 'application.completed.on_time' THEN value END)
         / nullif(max(CASE WHEN indicator = 'application.completed' THEN value END), 0) AS on_time_rate
FROM facts
WHERE indicator LIKE 'application.completed%' AND breakdown = 'total'
GROUP BY jurisdiction, body, scope, year
ORDER BY jurisdiction, body, year, scope DESC;
