-- The period of the usable events (the first and the last event time, business-local), for
-- events the store's checks do not read (engine: spark with events_table or events_path): the
-- build writes it to the cache's manifest, and the months a command or report accepts come from it.
SELECT min(event_time) AS first_time, max(event_time) AS last_time
FROM events
