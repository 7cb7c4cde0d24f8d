-- Lifecycle rows: one row per (user, month) that matters for the states, from `user_months`.
-- A user enters in the earliest month with a qualifying event or registration,
-- and counts as active (act) in that month.  For each row:
--   entry          the user's entry month
--   act            active in this month (qualifying event, or the entry month)
--   prev_act       the last act month before this one (NULL at entry)
--   gap_end        the last inactive month after this one before the next act month, capped at $last_mi
--   prev_gap_sig   the last month before this one with a signal and no qualifying event
--   next_gap_sig   the next month after this one with a signal and no qualifying event
-- Rows after $last_mi are dropped; so are months before entry.
WITH w AS (
    SELECT user_id, mi, active, signal,
           min(CASE WHEN active OR registered THEN mi END) OVER (PARTITION BY user_id) AS entry,
           max(CASE WHEN active THEN mi END) OVER prior  AS prev_active,
           min(CASE WHEN active THEN mi END) OVER later  AS next_active,
           max(CASE WHEN signal AND NOT active THEN mi END) OVER prior AS prev_gap_sig,
           min(CASE WHEN signal AND NOT active THEN mi END) OVER later AS next_gap_sig
    FROM user_months
    WINDOW prior AS (PARTITION BY user_id ORDER BY mi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
           later AS (PARTITION BY user_id ORDER BY mi ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
)
SELECT user_id, mi, entry,
       active OR mi = entry AS act,
       signal,
       CASE WHEN mi = entry THEN NULL ELSE coalesce(prev_active, entry) END AS prev_act,
       least(coalesce(next_active, $last_mi + 1) - 1, $last_mi) AS gap_end,
       prev_gap_sig, next_gap_sig
FROM w
WHERE mi >= entry AND mi <= $last_mi AND (active OR mi = entry OR signal)
