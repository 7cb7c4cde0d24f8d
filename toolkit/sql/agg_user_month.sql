-- The one scan of the events, for the months in [$start, $end) (business-local times): one
-- row per user and month with an event, the monthly aggregate every analysis reads (through
-- toolkit/aggregates), never the events.
--   mi            the month, year * 12 + month - 1
--   active        a qualifying event in the month (event_name in $active_events; when that
--                 is empty, every event not in $signal_events)
--   signal        an offline-signal event in the month ($signal_events)
--   q_days        bit d - 1 set for each day d of the month with a qualifying event
--   s_days        the same for offline-signal events
--   feature_used  an event (of any kind) of a feature_map category ($fm_names with a
--                 non-empty category in $fm_categories) in the month
-- The three are gathered by one aggregate over a packed word (bits 0-30: qualifying days,
-- bit 31: a feature event, bits 32-62: signal days): each further aggregate per event costs
-- about half a distinct (user, month) scan (docs/benchmarks.md).
-- Rows without a user are left out, as the lifecycle scan always did.
SELECT user_id, mi,
       (bits & 2147483647::UBIGINT) <> 0                         AS active,
       (bits >> 32) <> 0                                         AS signal,
       (bits & 2147483647::UBIGINT)::UINTEGER                    AS q_days,
       (bits >> 32)::UINTEGER                                    AS s_days,
       ((bits >> 31) & 1::UBIGINT) = 1::UBIGINT                  AS feature_used
FROM (
    SELECT user_id, mi, bit_or((q::UBIGINT << d) | (f::UBIGINT << 31) | (s::UBIGINT << (32 + d))) AS bits
    FROM (
        SELECT user_id,
               year(event_time) * 12 + month(event_time) - 1 AS mi,
               (day(event_time) - 1)::UBIGINT AS d,
               CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, event_name)
                    ELSE list_contains($active_events, event_name) END AS q,
               list_contains($signal_events, event_name) AS s,
               coalesce(list_extract($fm_categories, list_position($fm_names, event_name)), '') <> '' AS f
        FROM events
        WHERE event_time >= $start AND event_time < $end AND user_id IS NOT NULL
    )
    GROUP BY user_id, mi
)
