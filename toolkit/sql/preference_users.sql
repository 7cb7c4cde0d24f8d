-- Users with activity in the window, from `preference_day_bits`: one row per user, in
-- user_id order, numbered from 0 (ui) so per-category rows can be placed in an array.
--   active_days  days with any qualifying event (the union of the user's day masks)
SELECT row_number() OVER (ORDER BY user_id) - 1 AS ui, user_id, active_days
FROM (
    SELECT user_id, CAST(sum(bit_count(days)) AS INTEGER) AS active_days
    FROM (SELECT user_id, w, bit_or(days) AS days FROM preference_day_bits GROUP BY user_id, w)
    GROUP BY user_id
)
