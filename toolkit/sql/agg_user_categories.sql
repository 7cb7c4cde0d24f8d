-- Monthly aggregate by feature category: one row per user, month and category with an event
-- of the category (of any kind), from `agg_scan`.
--   days    the days of the month with a qualifying event of the category (bit d - 1 for
--           day d): the preference tags' input (domain.md section 6); 0 when the user's
--           events of the category in the month do not qualify
--   events  events of the category
SELECT user_id, mi, category, q_days AS days, events
FROM agg_scan
WHERE category IS NOT NULL
