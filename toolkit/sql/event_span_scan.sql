-- The period of the (cleaned) events, scanned: the first and the last event time (business-local).
-- Used for a connection whose events were not opened by the store (no events_span table).
SELECT min(event_time) AS first_time, max(event_time) AS last_time FROM events
