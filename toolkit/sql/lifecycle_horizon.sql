-- The lifecycle horizon, from `user_month_bits` and the users table: one row with
--   first_w, first_bits  the earliest word with a qualifying event, and the qualifying bits
--                        of all users in it (their lowest month is the first activity)
--   last_w, last_bits    the latest word with any event, and all bits in it
--   first_reg, last_reg  the earliest and latest registration month
-- Lifecycle turns the bits into months: first_mi = min(first activity, first_reg),
-- last_mi = max(last event month, last_reg).  $act_bits: the qualifying bits (bit 2p of each month p).
WITH acts AS (
    SELECT w, bits & $act_bits::UBIGINT AS a FROM user_month_bits WHERE bits & $act_bits::UBIGINT <> 0
),
regs AS (
    SELECT year(registered_at) * 12 + month(registered_at) - 1 AS mi
    FROM users WHERE user_id IS NOT NULL AND registered_at IS NOT NULL
)
SELECT (SELECT min(w) FROM acts)                                                           AS first_w,
       (SELECT bit_or(a) FROM acts WHERE w = (SELECT min(w) FROM acts))                    AS first_bits,
       (SELECT max(w) FROM user_month_bits)                                                AS last_w,
       (SELECT bit_or(bits) FROM user_month_bits WHERE w = (SELECT max(w) FROM user_month_bits)) AS last_bits,
       (SELECT min(mi) FROM regs)                                                          AS first_reg,
       (SELECT max(mi) FROM regs)                                                          AS last_reg
