-- The one scan of the events: one row per (user, month) in which the user had a
-- qualifying event, a signal event, or registered.  Months are numbered
-- year * 12 + month - 1 (business-local; event_time is already local).
--   active      at least one qualifying event ($active_events; empty = every event not in $signal_events)
--   signal      at least one offline-signal event ($signal_events)
--   registered  the users table puts registered_at in this month
-- The lifecycle queries read this as the relation `user_months`.
SELECT user_id, mi, bool_or(q) AS active, bool_or(s) AS signal, bool_or(r) AS registered
FROM (
    SELECT user_id,
           year(event_time) * 12 + month(event_time) - 1 AS mi,
           CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, event_name)
                ELSE list_contains($active_events, event_name) END AS q,
           list_contains($signal_events, event_name) AS s,
           false AS r
    FROM events
    WHERE user_id IS NOT NULL AND event_time IS NOT NULL
    UNION ALL
    SELECT user_id, year(registered_at) * 12 + month(registered_at) - 1, false, false, true
    FROM users
    WHERE user_id IS NOT NULL AND registered_at IS NOT NULL
)
WHERE q OR s OR r
GROUP BY user_id, mi
