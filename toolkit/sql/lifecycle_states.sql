-- The seven lifecycle states (domain.md section 3) for churn window $k (1 .. 12), read off
-- the snapshot rows (`lifecycle_current`, rows of lifecycle_step.sql): one row per user and month of
-- the snapshot, for users who have entered.  Each WHEN is one rule of the table in section 3,
-- in its order; the first that holds gives the state.
--   signal_recent  an offline-signal event in the k months ending with the month
--                  (churned_signal = churned with it)
--   signal_before  an offline-signal event in the k months before the month
--                  (returned_signal = returned with it: the signal while churned)
SELECT user_id, mi, entry, inactive,
       CASE
           WHEN entry = mi                        THEN 'new'           -- entered in M
           WHEN entry = mi - 1 AND active         THEN 'new_retained'  -- entered in M-1, active in M
           WHEN active AND inactive_before = 0    THEN 'active'        -- entered before M-1, active in M and in M-1
           WHEN active AND inactive_before < $k   THEN 'woken'         -- active in M, inactive 1..k-1 months right before M
           WHEN active                            THEN 'returned'      -- active in M, inactive k or more months right before M
           WHEN inactive < $k                     THEN 'dormant'       -- inactive in M, fewer than k months in a row (including M)
           ELSE                                        'churned'       -- inactive k or more months in a row, ending with M
       END AS state,
       coalesce(signal_ago < $k, false)        AS signal_recent,
       coalesce(signal_ago_before < $k, false) AS signal_before
FROM lifecycle_current
WHERE entry IS NOT NULL
