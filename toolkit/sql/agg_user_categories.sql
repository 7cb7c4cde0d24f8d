-- Monthly aggregate by feature category, for the months in [$start, $end): one row per user,
-- month and category with a qualifying event of the category.  A scan of its own, run per
-- month only when a section needs the month (the preference tags read three months) and kept
-- beside the month's other aggregates.
--   category  the event's feature_map category ($fm_names -> $fm_categories); 'other' for a
--             name missing from feature_map; a name mapped to an empty category (app_open)
--             counts for no category
--   days      the days of the month with a qualifying event of the category (bit d - 1 for
--             day d): the preference tags' input (domain.md section 6)
SELECT user_id, mi, category, bit_or(1::UINTEGER << d) AS days
FROM (
    SELECT user_id,
           year(event_time) * 12 + month(event_time) - 1 AS mi,
           (day(event_time) - 1)::UINTEGER AS d,
           CASE WHEN list_contains($fm_names, event_name)
                THEN nullif(list_extract($fm_categories, list_position($fm_names, event_name)), '')
                ELSE 'other' END AS category
    FROM events
    WHERE event_time >= $start AND event_time < $end AND user_id IS NOT NULL
      AND CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, event_name)
               ELSE list_contains($active_events, event_name) END
)
WHERE category IS NOT NULL
GROUP BY user_id, mi, category
