-- name: correction_by_province_level
-- description: Correction rates in administrative review by province and level of the reporting body, year by year.
-- param: scope = %
--
-- Levels come from the gazetteer: province, prefecture, county, township, department.
-- Reports whose jurisdiction did not resolve have no province and are grouped under NULL.
SELECT province, level, year,
       count(DISTINCT report_id)                                                     AS reports,
       sum(CASE WHEN indicator = 'review.total'     THEN value END)                  AS review_total,
       sum(CASE WHEN indicator = 'review.corrected' THEN value END)                  AS review_corrected,
       sum(CASE WHEN indicator = 'review.corrected' THEN value END)
         / nullif(sum(CASE WHEN indicator = 'review.total' THEN value END), 0)       AS review_rate
FROM facts
WHERE breakdown = 'total' AND indicator IN ('review.total', 'review.corrected') AND scope LIKE '${scope}'
GROUP BY province, level, year
ORDER BY province, level, year;
