-- Lifecycle rows: one row per (user, month) that matters for the states, from `user_months`
-- and the registration months of the users table.
-- A user enters in the earliest month with a qualifying event or registration,
-- and counts as active (act) in that month.  For each row:
--   entry      the user's entry month
--   act        active in this month (qualifying event, or the entry month)
--   signal     an offline-signal event in this month
--   prev_act   the last act month before this one (NULL at entry)
--   gap_end    the last inactive month after this one before the next act month, capped at $last_mi
-- Rows after $last_mi are dropped; so are months before entry.
WITH registrations AS (
    SELECT user_id, min(year(registered_at) * 12 + month(registered_at) - 1) AS mi, true AS registered
    FROM users
    WHERE user_id IS NOT NULL AND registered_at IS NOT NULL
    GROUP BY user_id
),
merged AS (
    SELECT user_id, mi, coalesce(u.active, false) AS active, coalesce(u.signal, false) AS signal,
           coalesce(r.registered, false) AS registered
    FROM user_months AS u
    FULL OUTER JOIN registrations AS r USING (user_id, mi)
),
w AS (
    SELECT user_id, mi, active, signal,
           min(CASE WHEN active OR registered THEN mi END) OVER (PARTITION BY user_id) AS entry,
           lag(CASE WHEN active THEN mi END IGNORE NULLS) OVER by_month  AS prev_active,
           lead(CASE WHEN active THEN mi END IGNORE NULLS) OVER by_month AS next_active
    FROM merged
    WINDOW by_month AS (PARTITION BY user_id ORDER BY mi)
)
SELECT user_id, mi, entry,
       active OR mi = entry AS act,
       signal,
       CASE WHEN mi = entry THEN NULL ELSE coalesce(prev_active, entry) END AS prev_act,
       least(coalesce(next_active, $last_mi + 1) - 1, $last_mi) AS gap_end
FROM w
WHERE mi >= entry AND mi <= $last_mi AND (active OR mi = entry OR signal)
