-- Lifecycle words (the rows of lifecycle_words.sql: user_id, entry, w, bits, prev_bits,
-- n_users; with $grouped, identical users once) straight from the window scan,
-- `user_window_bits` (entry months, and month $window_start + j at bits 2j and 2j + 1,
-- j = 0 .. 62): one row per user and 32-month word from the user's entry word to the word
-- of $last_mi, without the joins of the general build.  Word w's month p is
-- 32 * w + $phase + p; word $first_w, the word of $window_start, starts $offset (-31 .. 0)
-- months into the window, so word w starts at window month j = $offset + 32 * (w - $first_w)
-- and holds window months j .. j + 31 (none outside 0 .. 62).
WITH windows AS (         -- with $grouped, users with the same entry and window bits once
    SELECT CASE WHEN $grouped THEN NULL ELSE user_id END AS user_id, entry, bits AS win, count(*) AS n_users
    FROM user_window_bits
    WHERE entry <= $last_mi
    GROUP BY ALL
),
grid AS (
    SELECT user_id, n_users, entry, win, (entry - $phase) // 32 AS entry_w,
           unnest(range((entry - $phase) // 32, ($last_mi - $phase) // 32 + 1)) AS w
    FROM windows
),
starts AS (
    SELECT user_id, n_users, entry, entry_w, w, win, $offset + 32 * (w - $first_w) AS j FROM grid
),
words AS (
    SELECT user_id, n_users, entry, entry_w, w,
           CASE WHEN j >= 63 OR j <= -32 THEN 0::UBIGINT
                WHEN j >= 0 THEN ((win >> (2 * j)::UHUGEINT) & 18446744073709551615::UHUGEINT)::UBIGINT
                ELSE ((win & ((1::UHUGEINT << (64 + 2 * j)::UHUGEINT) - 1::UHUGEINT))
                      << (-2 * j)::UHUGEINT)::UBIGINT END AS bits,
           CASE WHEN j - 32 >= 63 OR j - 32 <= -32 THEN 0::UBIGINT
                WHEN j - 32 >= 0 THEN ((win >> (2 * (j - 32))::UHUGEINT) & 18446744073709551615::UHUGEINT)::UBIGINT
                ELSE ((win & ((1::UHUGEINT << (64 + 2 * (j - 32))::UHUGEINT) - 1::UHUGEINT))
                      << (-2 * (j - 32))::UHUGEINT)::UBIGINT END AS prev_bits
    FROM starts
)
SELECT user_id, entry, w,
       bits | CASE WHEN entry_w = w THEN 1::UBIGINT << (2 * ((entry - $phase) % 32))::UBIGINT
                   ELSE 0::UBIGINT END AS bits,
       prev_bits | CASE WHEN entry_w = w - 1 THEN 1::UBIGINT << (2 * ((entry - $phase) % 32))::UBIGINT
                        ELSE 0::UBIGINT END AS prev_bits,
       n_users
FROM words
