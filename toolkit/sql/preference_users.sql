-- Users with activity in the window of months $from_mi .. $to_mi, from the monthly aggregate
-- `agg_user_month`: one row per user, in user_id order, numbered from 0 (ui) so per-category
-- rows can be placed in an array.
--   active_days  days with any qualifying event (the days of each month's mask, summed)
SELECT row_number() OVER (ORDER BY user_id) - 1 AS ui, user_id, active_days
FROM (
    SELECT user_id, CAST(sum(bit_count(q_days)) AS INTEGER) AS active_days
    FROM agg_user_month
    WHERE mi BETWEEN $from_mi AND $to_mi AND q_days <> 0
    GROUP BY user_id
)
