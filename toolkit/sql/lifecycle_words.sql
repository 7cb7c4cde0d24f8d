-- Lifecycle words: one row per user and 32-month word, from the user's entry word to
-- the word of $last_mi, from `user_month_bits` (bits as there: 2p qualifying, 2p + 1
-- signal, for the word's month p) and the registration months of the users table.
-- A user enters in the earliest month with a qualifying event or registration and
-- counts as active in that month: its qualifying bit is set here.
--   entry      the user's entry month
--   w          the word; its month p is 32 * w + $phase + p
--   bits       the word's bits (0 for a word without events), with the entry bit
--   prev_bits  the previous word's bits, likewise (the states of a month look back up to 12 months)
--   n_users    1: the row stands for one user; with $grouped, rows identical but for the
--              user are one row for n_users users (user_id NULL), as the monthly table
--              needs them: users with the same entry, activity and signal months go
--              through the same states (on the generated sample a third of the words differ)
-- Users who enter after $last_mi are left out.
WITH registrations AS (
    SELECT user_id, min(year(registered_at) * 12 + month(registered_at) - 1) AS reg
    FROM users
    WHERE user_id IS NOT NULL AND registered_at IS NOT NULL
    GROUP BY user_id
),
first_act AS (             -- lowest qualifying bit: bit_count(a xor (a - 1)) - 1 trailing zeros
    SELECT user_id,
           min(32 * w + $phase + (bit_count(xor(a, a - 1)) - 1) // 2) AS fa
    FROM (SELECT user_id, w, bits & $act_bits::UBIGINT AS a FROM user_month_bits)
    WHERE a <> 0
    GROUP BY user_id
),
entries AS (
    SELECT user_id, least(fa, reg) AS entry
    FROM first_act FULL OUTER JOIN registrations USING (user_id)
    WHERE least(fa, reg) <= $last_mi
),
grid AS (
    SELECT user_id, entry, (entry - $phase) // 32 AS entry_w,
           unnest(range((entry - $phase) // 32, ($last_mi - $phase) // 32 + 1)) AS w
    FROM entries
),
words AS (
    SELECT g.user_id, g.entry, g.w,
           coalesce(c.bits, 0::UBIGINT)
             | CASE WHEN g.entry_w = g.w THEN 1::UBIGINT << (2 * ((g.entry - $phase) % 32))::UBIGINT
                    ELSE 0::UBIGINT END AS bits,
           coalesce(p.bits, 0::UBIGINT)
             | CASE WHEN g.entry_w = g.w - 1 THEN 1::UBIGINT << (2 * ((g.entry - $phase) % 32))::UBIGINT
                    ELSE 0::UBIGINT END AS prev_bits
    FROM grid AS g
    LEFT JOIN user_month_bits AS c ON c.user_id = g.user_id AND c.w = g.w
    LEFT JOIN user_month_bits AS p ON p.user_id = g.user_id AND p.w = g.w - 1
)
SELECT CASE WHEN $grouped THEN NULL ELSE user_id END AS user_id, entry, w, bits, prev_bits, count(*) AS n_users
FROM words
GROUP BY ALL
