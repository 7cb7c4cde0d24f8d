-- Preference input, the one scan: distinct (user, day, category) of qualifying events
-- in [$start, $end) (business-local).  category is the feature_map category; events
-- missing from feature_map count as 'other'; a feature_map row with an empty category
-- (e.g. app_open) gives NULL: the day counts as active but for no category.
WITH fm AS (SELECT event_name, nullif(trim(category), '') AS category, true AS mapped FROM feature_map)
SELECT DISTINCT e.user_id,
       CAST(e.event_time AS DATE) AS day,
       CASE WHEN fm.mapped THEN fm.category ELSE 'other' END AS category
FROM events AS e
LEFT JOIN fm ON fm.event_name = e.event_name
WHERE e.user_id IS NOT NULL
  AND e.event_time >= $start AND e.event_time < $end
  AND CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, e.event_name)
           ELSE list_contains($active_events, e.event_name) END
