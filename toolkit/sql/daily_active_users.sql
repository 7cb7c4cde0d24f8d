-- Daily active users: one row per business-local day with at least one qualifying event.
-- Qualifying as in user_month_bits.sql ($active_events; empty = every event not in $signal_events).
SELECT CAST(event_time AS DATE) AS day, count(DISTINCT user_id) AS users
FROM events
WHERE user_id IS NOT NULL AND event_time IS NOT NULL
  AND CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, event_name)
           ELSE list_contains($active_events, event_name) END
GROUP BY ALL
ORDER BY day
