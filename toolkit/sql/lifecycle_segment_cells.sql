-- The lifecycle by segment of the users column $by, in one pass over `lifecycle_states`
-- (lifecycle_states.sql over the months $from_mi .. $to_mi): one row per segment, entry
-- cohort, month and state with users in it.  Summed over the cohorts these are the counts of
-- lifecycle_state_counts.sql per segment; summed over the states (active: the five active
-- states) they are the retention cohorts of cohort_retention.sql per segment, so one join of
-- the snapshots with the segments serves both.
--   segment    the user's value of $by (`agg_user_segments`); 'unknown' without one
--   cohort_mi  the entry month
--   n          users in the state
--   signal     of them, churned with a signal in the last k months / returned with a
--              signal while churned (0 for the other states)
-- A user's segment does not change over time, so each segment's counts satisfy the
-- lifecycle identity on their own and the segments add up to the whole table.
SELECT coalesce(s.segment, 'unknown') AS segment, l.entry AS cohort_mi, l.mi, l.state, count(*) AS n,
       count(*) FILTER (WHERE (l.state = 'churned' AND l.signal_recent)
                           OR (l.state = 'returned' AND l.signal_before)) AS signal
FROM lifecycle_states AS l
LEFT JOIN (SELECT user_id, segment FROM agg_user_segments WHERE segment_column = $by) AS s
       ON s.user_id = l.user_id
WHERE l.mi BETWEEN $from_mi AND $to_mi
GROUP BY ALL
