-- The one scan of the events, for the months in [$start, $end) (business-local times):
-- one row per user, month and feature category of the events.  Every other monthly
-- aggregate (toolkit/aggregates) is derived from this table, never from the events.
--   mi        the month, year * 12 + month - 1
--   category  the event's feature_map category ($fm_names -> $fm_categories); 'other' for a
--             name missing from feature_map; NULL for a name mapped to an empty category
--   q_days    bit d - 1 set for each day d of the month with a qualifying event (qualifying:
--             event_name in $active_events; when that is empty, every event not in $signal_events)
--   s_days    the same for offline-signal events ($signal_events)
--   events    events of any kind
-- Rows without a user or a time are left out, as the lifecycle always did.
SELECT user_id, mi, category,
       bit_or(CASE WHEN q THEN 1::UINTEGER << d ELSE 0::UINTEGER END) AS q_days,
       bit_or(CASE WHEN s THEN 1::UINTEGER << d ELSE 0::UINTEGER END) AS s_days,
       count(*) AS events
FROM (
    SELECT user_id,
           year(event_time) * 12 + month(event_time) - 1 AS mi,
           (day(event_time) - 1)::UINTEGER AS d,
           CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, event_name)
                ELSE list_contains($active_events, event_name) END AS q,
           list_contains($signal_events, event_name) AS s,
           CASE WHEN list_contains($fm_names, event_name)
                THEN nullif(list_extract($fm_categories, list_position($fm_names, event_name)), '')
                ELSE 'other' END AS category
    FROM events
    WHERE event_time >= $start AND event_time < $end AND user_id IS NOT NULL
)
GROUP BY user_id, mi, category
