-- Retention cohorts (留存矩阵) from the lifecycle snapshots (`lifecycle_current`, rows of
-- lifecycle_step.sql): one row per segment, entry cohort and calendar month from the entry
-- month to $to_mi.  Entry and activity are the lifecycle's (domain.md sections 2-3): the
-- cohort is the entry month, a user is active in a month with a qualifying event and always
-- in the entry month.  Every entered user has a snapshot row in every month since entry.
--   segment    the user's value of the column $by (`agg_user_segments`); 'unknown' without
--              one; 'all' when $by is empty (no breakdown)
--   cohort_mi  the entry month (month index)
--   mi         the calendar month (age = mi - cohort_mi, 0 = the entry month)
--   users      users of the cohort (the same in every month: the cohort size)
--   active     of them, active in the month
SELECT CASE WHEN $by = '' THEN 'all' ELSE coalesce(s.segment, 'unknown') END AS segment,
       c.entry AS cohort_mi, c.mi, count(*) AS users, count(*) FILTER (WHERE c.active) AS active
FROM lifecycle_current AS c
LEFT JOIN (SELECT user_id, segment FROM agg_user_segments WHERE segment_column = $by) AS s
       ON s.user_id = c.user_id
WHERE c.entry IS NOT NULL AND c.mi BETWEEN c.entry AND $to_mi
GROUP BY ALL
