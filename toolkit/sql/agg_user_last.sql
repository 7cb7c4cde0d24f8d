-- Monthly aggregate of each user's last events, for the months in [$start, $end): one row per
-- user, month and feature category of their events (NULL: a name missing from feature_map or
-- mapped to an empty category).  Scanned per month when the user detail table first needs
-- the month, and kept beside the month's other aggregates.
--   last_q_time, last_q_event   the last qualifying event (time, name)
--   last_time, last_event       the last event of any kind
-- Two events at the same last time: the name last in alphabetical order (arg_max of the time
-- alone picked either, so two runs, or the two engines, named different events).
SELECT user_id, mi, category,
       max(event_time) FILTER (WHERE q)                                                       AS last_q_time,
       arg_max(event_name, struct_pack(t := event_time, n := event_name)) FILTER (WHERE q)  AS last_q_event,
       max(event_time)                                                                        AS last_time,
       arg_max(event_name, struct_pack(t := event_time, n := event_name))                   AS last_event
FROM (
    SELECT user_id, event_time, event_name,
           year(event_time) * 12 + month(event_time) - 1 AS mi,
           CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, event_name)
                ELSE list_contains($active_events, event_name) END AS q,
           nullif(list_extract($fm_categories, list_position($fm_names, event_name)), '') AS category
    FROM events
    WHERE event_time >= $start AND event_time < $end AND user_id IS NOT NULL
)
GROUP BY user_id, mi, category
