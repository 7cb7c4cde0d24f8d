-- Monthly user detail (人工表格分析, domain.md section 8): one row per user with events up to
-- the end of the month ($end, exclusive); the window of "the last 3 months" is [$start, $end).
--   last_active_time / last_event     the last qualifying event
--   drove_3m                          an offline-signal event in the window (是否开车)
--   last_feature / last_feature_time  the last event with a feature category (last page or feature used)
--   last_core_event / _time           the last event of category $core_category (e.g. 最近一次控车功能)
WITH ev AS (
    SELECT e.user_id, e.event_time, e.event_name, nullif(trim(f.category), '') AS category,
           CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, e.event_name)
                ELSE list_contains($active_events, e.event_name) END AS q,
           list_contains($signal_events, e.event_name) AS s
    FROM events AS e LEFT JOIN feature_map AS f ON f.event_name = e.event_name
    WHERE e.user_id IS NOT NULL AND e.event_time < $end
)
SELECT user_id,
       max(event_time) FILTER (WHERE q)                               AS last_active_time,
       arg_max(event_name, event_time) FILTER (WHERE q)               AS last_event,
       bool_or(s AND event_time >= $start)                            AS drove_3m,
       arg_max(event_name, event_time) FILTER (WHERE q AND category IS NOT NULL) AS last_feature,
       max(event_time) FILTER (WHERE q AND category IS NOT NULL)      AS last_feature_time,
       arg_max(event_name, event_time) FILTER (WHERE category = $core_category) AS last_core_event,
       max(event_time) FILTER (WHERE category = $core_category)       AS last_core_time
FROM ev
GROUP BY user_id
