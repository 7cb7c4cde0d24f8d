-- The fast scan of the events, for histories that fit one 63-month window: one row per
-- user with two bits per month of the window starting at month $window_start
-- (bit 2j: a qualifying event in month $window_start + j; bit 2j + 1: an offline-signal
-- event in it; j = 0 .. 62), in a UHUGEINT.  Bit 127 flags a user with a qualifying or
-- signal event outside the window: Lifecycle then runs the general scan
-- (user_month_bits.sql) instead.  Grouping by user alone is cheaper than by user and word.
-- Months are numbered year * 12 + month - 1; kind: bit 0 qualifying, bit 1 signal, as in
-- user_month_bits.sql.
SELECT user_id,
       bit_or(CASE WHEN j BETWEEN 0 AND 62 THEN kind::UHUGEINT << (2 * j)::UHUGEINT
                   WHEN j IS NULL OR kind = 0 THEN 0::UHUGEINT
                   ELSE 1::UHUGEINT << 127 END) AS bits
FROM (
    SELECT user_id,
           year(event_time) * 12 + month(event_time) - 1 - $window_start AS j,
           CASE WHEN len($active_events) = 0     -- every event but the signal qualifies: one lookup
                THEN 1 + list_contains($signal_events, event_name)::UTINYINT
                ELSE list_contains($active_events, event_name)::UTINYINT
                     + 2 * list_contains($signal_events, event_name)::UTINYINT END AS kind
    FROM events
)
GROUP BY user_id
HAVING user_id IS NOT NULL AND bits <> 0
