-- The counts behind the monthly lifecycle table, in long form: one row per month and
-- state code with users in it, from `lifecycle_user_months` (every user's state month by
-- month, codes as there), plus one row per month with entries under code -1, counted from
-- the entry words of `lifecycle_words` independently of the states.  Each row of both
-- inputs stands for n_users users (the monthly table groups identical users).
-- Lifecycle lays the rows out as the monthly table (months without a row get zeros; the
-- cumulative users are the running sum of entries) and derives the rates.
WITH states AS (
    SELECT mi, code, sum(n_users) AS n FROM lifecycle_user_months GROUP BY mi, code
)
SELECT mi, code::INTEGER AS code, n::BIGINT AS n FROM states
UNION ALL
SELECT entry, -1, sum(n_users)::BIGINT FROM lifecycle_words WHERE w = (entry - $phase) // 32 GROUP BY entry
