-- Each user's lifecycle state in month $mi (churn window $k): one row per user
-- who has entered by $mi, from `lifecycle_rows`.
--   state           one of the seven states (domain.md section 3)
--   last_active_mi  the user's last active month up to $mi
--   months_inactive months in a row without activity, ending with $mi (0 when active)
--   signal_recent   an offline-signal event in the last $k months ending with $mi
WITH last_act AS (
    SELECT user_id, mi, entry, prev_act
    FROM lifecycle_rows
    WHERE act AND mi <= $mi
    QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY mi DESC) = 1
),
recent_signal AS (
    SELECT DISTINCT user_id FROM lifecycle_rows
    WHERE signal AND mi BETWEEN $mi - $k + 1 AND $mi
)
SELECT l.user_id,
       CASE WHEN l.mi = $mi THEN
                CASE WHEN l.mi = l.entry THEN 'new'
                     WHEN l.mi = l.entry + 1 THEN 'new_retained'
                     WHEN l.prev_act = l.mi - 1 THEN 'active'
                     WHEN l.mi - l.prev_act - 1 < $k THEN 'woken'
                     ELSE 'returned' END
            WHEN $mi - l.mi < $k THEN 'dormant'
            ELSE 'churned' END          AS state,
       l.mi                             AS last_active_mi,
       $mi - l.mi                       AS months_inactive,
       s.user_id IS NOT NULL            AS signal_recent
FROM last_act l
LEFT JOIN recent_signal s USING (user_id)
