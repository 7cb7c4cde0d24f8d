-- The counts behind the monthly lifecycle table: one row per month and state with users in
-- it, from `lifecycle_states` (lifecycle_states.sql over every snapshot month from $from_mi
-- to $to_mi).
--   n               users in the state
--   signal          of them, churned with a signal in the last k months / returned with a
--                   signal while churned (0 for the other states)
--   entries         of them, users entering in the month (all of 'new')
SELECT mi, state, count(*) AS n,
       count(*) FILTER (WHERE (state = 'churned' AND signal_recent) OR (state = 'returned' AND signal_before)) AS signal
FROM lifecycle_states
WHERE mi BETWEEN $from_mi AND $to_mi
GROUP BY mi, state
