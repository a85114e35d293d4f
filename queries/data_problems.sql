-- name: data_problems
-- description: What ingest could not store: cells left out and rows that map to no indicator.
SELECT 'problem' AS kind, report_id, source_file, source_line, label, raw_text AS raw, message
FROM problems
UNION ALL
SELECT 'unmapped', report_id, source_file, source_line, label, raw_value, 'maps to no indicator'
FROM unmapped
ORDER BY report_id, source_line;
