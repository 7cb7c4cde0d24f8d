-- The fast scan of the events, for histories that fit one 63-month window: one row per
-- user with an event or a registration, with two bits per month of the window starting
-- at month $window_start (bit 2j: a qualifying event in month $window_start + j; bit
-- 2j + 1: an offline-signal event in it; j = 0 .. 62), in a UHUGEINT.  Bit 127 flags a
-- user with a qualifying or signal event outside the window: Lifecycle then runs the
-- general scan (user_month_bits.sql) instead.  Grouping by user alone is cheaper than by
-- user and word.
--   bits    the window bits (0 for a user with a registration only)
--   reg     the registration month (the earliest, if several; NULL without)
--   entry   the user's entry month: the earlier of the first qualifying event and reg
-- Months and event kinds come from `lifecycle_event_kinds`.  The registrations are joined
-- to the grouped events in the same query, where it costs next to nothing.
-- $act_bits: bit 2p of each month p of 32.
WITH scan AS (
    SELECT user_id,
           bit_or(CASE WHEN j BETWEEN 0 AND 62 THEN kind::UHUGEINT << (2 * j)::UHUGEINT
                       WHEN j IS NULL OR kind = 0 THEN 0::UHUGEINT
                       ELSE 1::UHUGEINT << 127 END) AS bits
    FROM (SELECT user_id, mi - $window_start AS j, kind FROM lifecycle_event_kinds)
    GROUP BY user_id
    HAVING user_id IS NOT NULL AND bits <> 0
),
halves AS (                -- the qualifying bits of window months 0 .. 31 and 32 .. 62
    SELECT user_id, bits,
           (bits & 18446744073709551615::UHUGEINT)::UBIGINT & $act_bits::UBIGINT AS lo,
           (bits >> 64)::UBIGINT & $act_bits::UBIGINT AS hi
    FROM scan
),
first_act AS (             -- lowest qualifying bit: bit_count(a xor (a - 1)) - 1 trailing zeros
    SELECT user_id, bits,
           $window_start + CASE WHEN lo <> 0 THEN (bit_count(xor(lo, lo - 1)) - 1) // 2
                                WHEN hi <> 0 THEN 32 + (bit_count(xor(hi, hi - 1)) - 1) // 2 END AS fa
    FROM halves
),
registrations AS (
    SELECT user_id, min(year(registered_at) * 12 + month(registered_at) - 1) AS reg
    FROM users
    WHERE user_id IS NOT NULL AND registered_at IS NOT NULL
    GROUP BY user_id
)
SELECT user_id, coalesce(bits, 0::UHUGEINT) AS bits, reg, least(fa, reg) AS entry
FROM first_act FULL OUTER JOIN registrations USING (user_id)
