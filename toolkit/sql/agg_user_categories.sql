-- Monthly aggregate for the preference tags (domain.md section 6): one row per user, month
-- and category with a qualifying event of the category, from `agg_scan`.
--   days   the days of the month with such an event (bit d - 1 for day d)
SELECT user_id, mi, category, q_days AS days
FROM agg_scan
WHERE category IS NOT NULL AND q_days <> 0
