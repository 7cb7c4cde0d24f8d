-- Preference input, the one scan: one row per (user, category, word of 64 days) of
-- qualifying events in [$start, $end) (business-local dates), with a bit per day:
-- bit d of word w is day $start + 64 * w + d (a three-month window takes two words).
-- category is the feature_map category; events missing from feature_map count as 'other';
-- a feature_map row with an empty category (e.g. app_open) gives NULL: the day counts as
-- active but for no category.  Qualifying: event_name in $active_events; when that is
-- empty, every event not in $signal_events.
-- Grouping by (user, category) with a day mask instead of by (user, day, category) keeps
-- the hash table small; days are counted afterwards with bit_count.
WITH fm AS (SELECT event_name, nullif(trim(category), '') AS category, true AS mapped FROM feature_map)
SELECT user_id, category, d // 64 AS w, bit_or(1::UBIGINT << (d % 64)::UBIGINT) AS days
FROM (
    SELECT e.user_id,
           CASE WHEN fm.mapped THEN fm.category ELSE 'other' END AS category,
           CAST(e.event_time AS DATE) - $start AS d
    FROM events AS e
    LEFT JOIN fm ON fm.event_name = e.event_name
    WHERE e.event_time >= $start AND e.event_time < $end
      AND CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, e.event_name)
               ELSE list_contains($active_events, e.event_name) END
)
GROUP BY user_id, category, w
HAVING user_id IS NOT NULL
