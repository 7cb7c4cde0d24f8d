-- The month (year * 12 + month - 1) of the first event row read: one row, or none
-- without events.  Lifecycle starts its 32-month words there (a choice of speed only).
SELECT year(event_time) * 12 + month(event_time) - 1 FROM events WHERE event_time IS NOT NULL LIMIT 1
