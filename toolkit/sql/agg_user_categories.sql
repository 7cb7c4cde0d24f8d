-- Monthly aggregate by feature category: one row per user, month and category with a
-- qualifying event of the category, from `agg_user_month`.category_days and
-- `agg_categories` (ci from 0, category: the category of each slot).
--   days   the days of the month with a qualifying event of the category (bit d - 1 for day d):
--          the preference tags' input (domain.md section 6)
SELECT u.user_id, u.mi, c.category, u.days
FROM (SELECT user_id, mi, unnest(category_days) AS days, unnest(range(32)) AS ci FROM agg_user_month) AS u
JOIN agg_categories AS c USING (ci)
WHERE u.days <> 0
