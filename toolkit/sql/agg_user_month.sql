-- The one scan of the events, for the months in [$start, $end) (business-local times): one
-- row per user and month with an event, the monthly aggregate every analysis reads (through
-- toolkit/aggregates), never the events.
--   mi             the month, year * 12 + month - 1
--   active         a qualifying event in the month (event_name in $active_events; when that
--                  is empty, every event not in $signal_events)
--   signal         an offline-signal event in the month ($signal_events)
--   q_days         bit d - 1 set for each day d of the month with a qualifying event
--   s_days         the same for offline-signal events
--   events         events of any kind
--   feature_used   an event (of any kind) of a feature_map category in the month
--   category_days  32 day masks, one per feature category: position i (from 1) holds the days
--                  with a qualifying event of category $categories[i] (the feature_map
--                  categories, then 'other' for names missing from feature_map; a name mapped to
--                  an empty category, e.g. app_open, has none).  Settings allow 32 categories.
-- Masks per category slot instead of a group per (user, month, category) keep the grouping at
-- (user, month), about the cost of listing the distinct (user, month) pairs.
-- Rows without a user are left out, as the lifecycle scan always did.
SELECT user_id, mi,
       bool_or(q) AS active,
       bool_or(s) AS signal,
       bit_or(CASE WHEN q THEN bit ELSE 0::UINTEGER END) AS q_days,
       bit_or(CASE WHEN s THEN bit ELSE 0::UINTEGER END) AS s_days,
       count(*) AS events,
       coalesce(bool_or(ci < len($categories) - 1), false) AS feature_used,
       [
           bit_or(CASE WHEN qc = 0 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 1 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 2 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 3 THEN bit ELSE 0::UINTEGER END),
           bit_or(CASE WHEN qc = 4 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 5 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 6 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 7 THEN bit ELSE 0::UINTEGER END),
           bit_or(CASE WHEN qc = 8 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 9 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 10 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 11 THEN bit ELSE 0::UINTEGER END),
           bit_or(CASE WHEN qc = 12 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 13 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 14 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 15 THEN bit ELSE 0::UINTEGER END),
           bit_or(CASE WHEN qc = 16 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 17 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 18 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 19 THEN bit ELSE 0::UINTEGER END),
           bit_or(CASE WHEN qc = 20 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 21 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 22 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 23 THEN bit ELSE 0::UINTEGER END),
           bit_or(CASE WHEN qc = 24 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 25 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 26 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 27 THEN bit ELSE 0::UINTEGER END),
           bit_or(CASE WHEN qc = 28 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 29 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 30 THEN bit ELSE 0::UINTEGER END), bit_or(CASE WHEN qc = 31 THEN bit ELSE 0::UINTEGER END)
       ] AS category_days
FROM (
    SELECT *, 1::UINTEGER << d AS bit, CASE WHEN q THEN ci END AS qc      -- qc: the category slot of a qualifying event
    FROM (
    SELECT user_id,
           year(event_time) * 12 + month(event_time) - 1 AS mi,
           (day(event_time) - 1)::UINTEGER AS d,
           CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, event_name)
                ELSE list_contains($active_events, event_name) END AS q,
           list_contains($signal_events, event_name) AS s,
           list_position($categories,
                         CASE WHEN list_contains($fm_names, event_name)
                              THEN nullif(list_extract($fm_categories, list_position($fm_names, event_name)), '')
                              ELSE 'other' END) - 1 AS ci
    FROM events
    WHERE event_time >= $start AND event_time < $end AND user_id IS NOT NULL
    )
)
GROUP BY user_id, mi
