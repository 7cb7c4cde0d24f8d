-- Retention cohorts (留存矩阵) from the lifecycle snapshots (`lifecycle_current`, rows of
-- lifecycle_step.sql): one row per entry cohort and calendar month from the entry month, for
-- the calendar months $from_mi .. $to_mi.  Entry and activity are the lifecycle's (domain.md
-- sections 2-3): the cohort is the entry month, a user is active in a month with a qualifying
-- event and always in the entry month.  Every entered user has a snapshot row in every month
-- since entry.  A month's rows depend on its snapshot alone, so the cache keeps them per month
-- (counts-cohorts.parquet).  (Per segment of a users column, the same counts come from
-- lifecycle_segment_cells.sql.)
--   segment    'all'
--   cohort_mi  the entry month (month index)
--   mi         the calendar month (age = mi - cohort_mi, 0 = the entry month)
--   users      users of the cohort (the same in every month: the cohort size)
--   active     of them, active in the month
SELECT 'all' AS segment, entry AS cohort_mi, mi, count(*) AS users, count(*) FILTER (WHERE active) AS active
FROM lifecycle_current
WHERE entry IS NOT NULL AND mi BETWEEN entry AND $to_mi AND mi >= $from_mi
GROUP BY entry, mi
