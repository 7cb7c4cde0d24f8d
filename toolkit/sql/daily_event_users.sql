-- Daily users of the chosen events ($event_names, e.g. the offline signal): one row per day with such events.
SELECT CAST(event_time AS DATE) AS day, count(DISTINCT user_id) AS users
FROM events
WHERE user_id IS NOT NULL AND event_time IS NOT NULL AND list_contains($event_names, event_name)
GROUP BY ALL
ORDER BY day
