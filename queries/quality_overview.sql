-- name: quality_overview
-- description: Data-quality findings (gongkai check) by rule and jurisdiction: which figures to trust.
--
-- Run `gongkai check` first: it fills the `checks` table.
SELECT r.jurisdiction, c.rule, c.severity,
       count(*)                       AS findings,
       count(DISTINCT c.report_id)    AS reports
FROM checks c
JOIN reports r ON r.report_id = c.report_id
GROUP BY r.jurisdiction, c.rule, c.severity
ORDER BY r.jurisdiction, c.severity, c.rule;
