-- Days per user and category (domain.md section 6) in the window of months $from_mi ..
-- $to_mi, from the monthly aggregate `agg_user_categories` and `preference_users`: one row
-- per (user, category) used in the window.
--   ui    the user's number in preference_users
--   cat   the category's position in $categories, from 0
--   days  active days with the category (share = days / active_days)
SELECT u.ui, list_position($categories, c.category) - 1 AS cat, c.days
FROM (
    SELECT user_id, category, CAST(sum(bit_count(days)) AS INTEGER) AS days
    FROM agg_user_categories
    WHERE mi BETWEEN $from_mi AND $to_mi
    GROUP BY user_id, category
) AS c
JOIN preference_users AS u USING (user_id)
