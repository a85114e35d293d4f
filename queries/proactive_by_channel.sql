-- name: proactive_by_channel
-- description: Proactive disclosure by channel (gazette, website, Weibo, WeChat, other), with each channel's share.
--
-- One item published through several channels counts once in the total, so the shares may
-- add up to more than 1.
SELECT f.jurisdiction, f.body, f.scope, f.year, i.label_zh AS channel, f.value AS items,
       f.value / nullif(t.value, 0) AS share_of_total
FROM facts f
JOIN indicators i ON i.code = f.indicator AND i.relation = 'channel' AND i.parent = 'proactive.total'
LEFT JOIN facts t ON t.report_id = f.report_id AND t.indicator = 'proactive.total'
ORDER BY f.jurisdiction, f.body, f.year, f.scope DESC, f.value DESC;
