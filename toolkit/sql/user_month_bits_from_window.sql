-- `user_month_bits` (see user_month_bits.sql: one row per user and 32-month word w, month
-- p of the word being 32 * w + $phase + p, at bits 2p and 2p + 1) cut from the window bits
-- of `user_window_bits` (month $window_start + j at bits 2j and 2j + 1, j = 0 .. 62).
-- The window touches three words at most: $first_w, the word of $window_start, whose
-- first month is $offset (-31 .. 0) months into the window, and the two after it.
-- Words without bits are left out.
SELECT * FROM (
    SELECT user_id, $first_w AS w,
           ((bits & ((1::UHUGEINT << (64 + 2 * $offset)::UHUGEINT) - 1::UHUGEINT))
             << (-2 * $offset)::UHUGEINT)::UBIGINT AS bits
    FROM user_window_bits
    UNION ALL
    SELECT user_id, $first_w + 1,
           ((bits >> (2 * ($offset + 32))::UHUGEINT) & 18446744073709551615::UHUGEINT)::UBIGINT
    FROM user_window_bits
    UNION ALL
    SELECT user_id, $first_w + 2,     -- months 64 + $offset .. 62 of the window, if any
           (bits >> (2 * least($offset + 64, 63))::UHUGEINT)::UBIGINT
    FROM user_window_bits
)
WHERE bits <> 0
