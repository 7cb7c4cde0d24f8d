-- Tags per user from `preference_long` (the rows of preference_shares.sql): one row per user
-- with activity in the window.  tags: the categories with share >= $threshold, largest first
-- (ties in the order of $categories); primary_tag: the largest share, or 'unknown' when the
-- user's active days carry no category.
SELECT user_id,
       any_value(active_days) AS active_days,
       coalesce(array_to_string(list(category ORDER BY share DESC, list_position($categories, category))
                                FILTER (WHERE share >= $threshold), ','), '') AS tags,
       coalesce(first(category ORDER BY share DESC, list_position($categories, category))
                FILTER (WHERE category IS NOT NULL), 'unknown') AS primary_tag
FROM preference_long
GROUP BY user_id
