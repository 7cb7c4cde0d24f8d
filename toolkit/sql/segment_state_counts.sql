-- The monthly state counts of a breakdown (the columns of lifecycle_state_counts.sql made
-- wide, per segment), from the segment cells `segment_cells` (rows of
-- lifecycle_segment_cells.sql): one row per segment and month $from_mi .. $to_mi, zeros for
-- a month without users of the segment; segments in name order, 'unknown' last.
--   new .. churned   users in each state
--   churned_signal   churned with an offline signal in the last k months
--   returned_signal  returned with a signal while churned
--   cumulative       users entered by the month (every state)
WITH segs AS (SELECT DISTINCT segment FROM segment_cells),
grid AS (SELECT segment, unnest(range($from_mi, $to_mi + 1)) AS mi FROM segs)
SELECT g.segment, g.mi,
       coalesce(sum(c.n) FILTER (WHERE c.state = 'new'), 0)::BIGINT          AS new,
       coalesce(sum(c.n) FILTER (WHERE c.state = 'new_retained'), 0)::BIGINT AS new_retained,
       coalesce(sum(c.n) FILTER (WHERE c.state = 'active'), 0)::BIGINT       AS active,
       coalesce(sum(c.n) FILTER (WHERE c.state = 'woken'), 0)::BIGINT        AS woken,
       coalesce(sum(c.n) FILTER (WHERE c.state = 'returned'), 0)::BIGINT     AS returned,
       coalesce(sum(c.n) FILTER (WHERE c.state = 'dormant'), 0)::BIGINT      AS dormant,
       coalesce(sum(c.n) FILTER (WHERE c.state = 'churned'), 0)::BIGINT      AS churned,
       coalesce(sum(c.signal) FILTER (WHERE c.state = 'churned'), 0)::BIGINT  AS churned_signal,
       coalesce(sum(c.signal) FILTER (WHERE c.state = 'returned'), 0)::BIGINT AS returned_signal,
       coalesce(sum(c.n), 0)::BIGINT                                         AS cumulative
FROM grid AS g
LEFT JOIN segment_cells AS c ON c.segment = g.segment AND c.mi = g.mi
GROUP BY g.segment, g.mi
ORDER BY g.segment = 'unknown', g.segment, g.mi
