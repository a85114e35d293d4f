-- name: review_correction_rate
-- description: Correction rates in administrative review and litigation, by jurisdiction, scope and year.
--
-- rate            = corrected / total                (被依法纠错数 / 行政复议数量), full precision
-- rate_concluded  = corrected / (total - pending)    only where the template reports pending
--                                                     cases (2019 onward); NULL before
-- A rate is NULL where there were no cases.
WITH figures AS (
    SELECT jurisdiction, body, scope, year,
           max(CASE WHEN indicator = 'review.total'         THEN value END) AS review_total,
           max(CASE WHEN indicator = 'review.corrected'     THEN value END) AS review_corrected,
           max(CASE WHEN indicator = 'review.pending'       THEN value END) AS review_pending,
           max(CASE WHEN indicator = 'litigation.total'     THEN value END) AS litigation_total,
           max(CASE WHEN indicator = 'litigation.corrected' THEN value END) AS litigation_corrected,
           max(CASE WHEN indicator = 'litigation.pending'   THEN value END) AS litigation_pending
    FROM facts
    WHERE breakdown = 'total'
      AND indicator IN ('review.total', 'review.corrected', 'review.pending',
                        'litigation.total', 'litigation.corrected', 'litigation.pending')
    GROUP BY jurisdiction, body, scope, year
)
SELECT jurisdiction, body, scope, year,
       review_total,
       review_corrected,
       review_corrected / nullif(review_total, 0)                       AS review_rate,
       review_corrected / nullif(review_total - review_pending, 0)      AS review_rate_concluded,
       litigation_total,
       litigation_corrected,
       litigation_corrected / nullif(litigation_total, 0)                   AS litigation_rate,
       litigation_corrected / nullif(litigation_total - litigation_pending, 0) AS litigation_rate_concluded
FROM figures
ORDER BY jurisdiction, body, year, scope DESC;
