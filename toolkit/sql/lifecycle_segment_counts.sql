-- The counts behind the monthly lifecycle table, per segment of the users column $by: one
-- row per segment, month and state with users in it, from `lifecycle_states`
-- (lifecycle_states.sql) over the months $from_mi .. $to_mi.  The columns are those of
-- lifecycle_state_counts.sql plus
--   segment  the user's value of $by (`agg_user_segments`); 'unknown' without one.
-- A user's segment does not change over time, so each segment's counts satisfy the
-- lifecycle identity on their own and the segments add up to lifecycle_state_counts.
SELECT coalesce(s.segment, 'unknown') AS segment, l.mi, l.state, count(*) AS n,
       count(*) FILTER (WHERE (l.state = 'churned' AND l.signal_recent)
                           OR (l.state = 'returned' AND l.signal_before)) AS signal
FROM lifecycle_states AS l
LEFT JOIN (SELECT user_id, segment FROM agg_user_segments WHERE segment_column = $by) AS s
       ON s.user_id = l.user_id
WHERE l.mi BETWEEN $from_mi AND $to_mi
GROUP BY ALL
