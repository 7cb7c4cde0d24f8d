-- The retention cohorts of a breakdown (the rows of cohort_retention.sql per segment), from the
-- segment cells `segment_cells` (rows of lifecycle_segment_cells.sql): one row per segment,
-- entry cohort and calendar month up to $to_mi.
--   users   users of the segment's cohort (every state)
--   active  of them, in one of the active states $active
SELECT segment, cohort_mi, mi, sum(n)::BIGINT AS users,
       coalesce(sum(n) FILTER (WHERE list_contains($active, state)), 0)::BIGINT AS active
FROM segment_cells
WHERE mi <= $to_mi
GROUP BY segment, cohort_mi, mi
