-- name: proactive_by_channel
-- description: Proactive disclosure by channel (gazette, website, Weibo, WeChat, other) by year and scope, with each channel's share.
-- param: scope = %
-- param: jurisdiction = %
-- param: province = %
-- param: level = %
--
-- One item published through several channels counts once in the total, so the shares may
-- add up to more than 1. `jurisdiction`, `province` (山东省) and `level` (prefecture, county…) are LIKE patterns (the whole country by default).
WITH totals AS (
    SELECT year, scope, sum(value) AS total
    FROM facts
    WHERE indicator = 'proactive.total' AND breakdown = 'total'
      AND scope LIKE '${scope}' AND jurisdiction LIKE '${jurisdiction}'
      AND ('${province}' = '%' OR province LIKE '${province}') AND ('${level}' = '%' OR level LIKE '${level}')
    GROUP BY year, scope
)
SELECT f.year, f.scope, i.label_zh AS channel, f.indicator,
       count(*)                             AS reports,
       sum(f.value)                         AS items,
       sum(f.value) / nullif(t.total, 0)    AS share_of_total
FROM facts f
JOIN indicators i ON i.code = f.indicator AND i.relation = 'channel' AND i.parent = 'proactive.total'
JOIN totals t ON t.year = f.year AND t.scope = f.scope
WHERE f.breakdown = 'total' AND f.scope LIKE '${scope}' AND f.jurisdiction LIKE '${jurisdiction}'
  AND ('${province}' = '%' OR f.province LIKE '${province}') AND ('${level}' = '%' OR f.level LIKE '${level}')
GROUP BY f.year, f.scope, i.label_zh, f.indicator, t.total
ORDER BY f.year, f.scope DESC, items DESC, f.indicator;
