-- Scene push outcomes: one row per push (rule, push month, arm, user, push day), reactivated
-- when the user has a qualifying event on one of the $days days after the day of the push
-- (business-local days), from the day masks of the monthly aggregate `agg_user_month` of the
-- months $from_mi .. $to_mi (constants: the months from the day after the first push to $days
-- days after the last, so that only those months' aggregates are read).  Only pushes whose
-- $days days end by $until are here: a later push's outcome is not known yet (it would count
-- as not reactivated).  scene_evaluation.sql counts these rows per rule, month and arm.
WITH p AS (
    SELECT rule_id, strftime(sent_at, '%Y-%m') AS month, lower(trim(arm)) AS arm, user_id,
           CAST(sent_at AS DATE) AS sent_day
    FROM pushes
    WHERE user_id IS NOT NULL AND sent_at IS NOT NULL
      AND CAST(sent_at AS DATE) + CAST($days AS INTEGER) <= CAST($until AS DATE)
),
spans AS (                -- the days after each push day, month by month
    SELECT user_id, sent_day, sent_day + 1 AS first_day, sent_day + CAST($days AS INTEGER) AS last_day,
           unnest(range(year(sent_day + 1) * 12 + month(sent_day + 1) - 1,
                        year(sent_day + CAST($days AS INTEGER)) * 12 + month(sent_day + CAST($days AS INTEGER)))) AS mi
    FROM (SELECT DISTINCT user_id, sent_day FROM p)
),
masks AS (                -- bit d - 1 for each day d of month mi inside the span
    SELECT user_id, sent_day, mi,
           day_span_mask(mi, first_day, last_day) AS mask   -- day_span_mask.sql
    FROM spans
),
hits AS (
    SELECT DISTINCT s.user_id, s.sent_day
    FROM masks AS s
    JOIN agg_user_month AS a ON a.user_id = s.user_id AND a.mi = s.mi AND a.q_days::UBIGINT & s.mask <> 0
    WHERE a.mi BETWEEN $from_mi AND $to_mi
)
SELECT DISTINCT p.rule_id, p.month, p.arm, p.user_id, p.sent_day, h.user_id IS NOT NULL AS reactivated
FROM p LEFT JOIN hits AS h ON h.user_id = p.user_id AND h.sent_day = p.sent_day
