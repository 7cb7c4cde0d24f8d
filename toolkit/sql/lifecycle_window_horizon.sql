-- The lifecycle horizon after the window scan, from `user_window_bits` and the users
-- table: one row with
--   outside              users with a qualifying or signal event outside the window (bit
--                        127): when not 0, Lifecycle runs the general scan instead
--   all_bits             every user's window bits ORed: the lowest qualifying bit (2j) is
--                        the first activity, the highest bit the last event month
--   first_reg, last_reg  the earliest and latest registration month
SELECT (SELECT count(*) FILTER (WHERE bits >> 127 <> 0::UHUGEINT) FROM user_window_bits) AS outside,
       (SELECT bit_or(bits) FROM user_window_bits)                                       AS all_bits,
       min(year(registered_at) * 12 + month(registered_at) - 1)                          AS first_reg,
       max(year(registered_at) * 12 + month(registered_at) - 1)                          AS last_reg
FROM users WHERE user_id IS NOT NULL AND registered_at IS NOT NULL
