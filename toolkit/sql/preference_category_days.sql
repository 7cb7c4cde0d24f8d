-- Days per user and category (domain.md section 6), from `preference_day_bits` and
-- `preference_users`: one row per (user, category) used in the window.
--   ui    the user's number in preference_users
--   cat   the category's position in $categories, from 0
--   days  active days with the category (share = days / active_days)
SELECT u.ui, list_position($categories, c.category) - 1 AS cat, c.days
FROM (
    SELECT user_id, category, CAST(sum(bit_count(days)) AS INTEGER) AS days
    FROM preference_day_bits
    WHERE category IS NOT NULL
    GROUP BY user_id, category
) AS c
JOIN preference_users AS u USING (user_id)
