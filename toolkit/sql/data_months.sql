-- The months the (cleaned) events cover: one row, the first event's day and the last event's day
-- (business-local).  The last complete month and the months a command accepts derive from it.
SELECT CAST(min(event_time) AS DATE) AS first_day, CAST(max(event_time) AS DATE) AS last_day
FROM events
