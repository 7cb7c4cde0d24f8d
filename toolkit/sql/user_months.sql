-- The one scan of the events: one row per (user, month) in which the user had a
-- qualifying event or a signal event.  Months are numbered year * 12 + month - 1
-- (business-local; event_time is already local).
--   active   at least one qualifying event ($active_events; empty = every event not in $signal_events)
--   signal   at least one offline-signal event ($signal_events)
-- Registrations join in later (lifecycle_rows.sql), off the hot path of the scan.
SELECT user_id,
       year(event_time) * 12 + month(event_time) - 1 AS mi,
       bool_or(CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, event_name)
                    ELSE list_contains($active_events, event_name) END) AS active,
       bool_or(list_contains($signal_events, event_name)) AS signal
FROM events
WHERE user_id IS NOT NULL AND event_time IS NOT NULL
  AND (len($active_events) = 0 OR list_contains($active_events, event_name)
       OR list_contains($signal_events, event_name))
GROUP BY ALL
