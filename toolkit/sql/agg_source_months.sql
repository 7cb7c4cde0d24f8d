-- Rows of the events per month (business-local), for the fingerprint of a source file:
-- one row per month with events (events without a time are not in any month).
SELECT year(event_time) * 12 + month(event_time) - 1 AS mi, count(*) AS rows
FROM events
WHERE event_time IS NOT NULL
GROUP BY ALL
