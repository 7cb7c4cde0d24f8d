-- The lifecycle horizon after the window scan, from `user_window_bits`: one row with
--   outside     users with a qualifying or signal event outside the window (bit 127): when
--               not 0, Lifecycle runs the general scan instead
--   all_bits    every user's window bits ORed: the highest bit is in the last event month
--   first_mi    the first entry month (NULL when no user has a qualifying event or a registration)
--   last_reg    the latest registration month
SELECT count(*) FILTER (WHERE bits >> 127 <> 0::UHUGEINT) AS outside,
       bit_or(bits)                                       AS all_bits,
       min(entry)                                         AS first_mi,
       max(reg)                                           AS last_reg
FROM user_window_bits
