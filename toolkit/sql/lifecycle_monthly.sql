-- The monthly lifecycle table: one row per month from $first_mi to $last_mi
-- (months without any event included), from `lifecycle_rows` and churn window $k.
-- Counts of the seven states (domain.md section 3), the churned split by the
-- offline signal, returned users split by the signal they had while churned,
-- and the cumulative users (running count of entries, computed independently
-- of the states).  Rates are derived from these counts in Python.
WITH act_rows AS (
    SELECT user_id, mi, entry, prev_act, gap_end,
           CASE WHEN mi = entry THEN 'new'
                WHEN mi = entry + 1 THEN 'new_retained'
                WHEN prev_act = mi - 1 THEN 'active'
                WHEN mi - prev_act - 1 < $k THEN 'woken'
                ELSE 'returned' END AS state
    FROM lifecycle_rows
    WHERE act
),
gap_signals AS (           -- months with a signal and no activity, after entry, and the next such month
    SELECT user_id, mi, prev_act, entry, gap_end,
           lead(mi) OVER (PARTITION BY user_id ORDER BY mi) AS next_gap_sig
    FROM lifecycle_rows
    WHERE NOT act AND signal
),
intervals AS (              -- (state, first month, last month), each adding one user per month
    SELECT state, mi AS a, mi AS b FROM act_rows
    UNION ALL               -- returned users who had a signal in the k months before (while churned)
    SELECT 'returned_signal', r.mi, r.mi FROM act_rows r
    SEMI JOIN gap_signals s ON s.user_id = r.user_id AND s.mi BETWEEN r.mi - $k AND r.mi - 1
    WHERE r.state = 'returned'
    UNION ALL
    SELECT 'dormant', mi + 1, least(mi + $k - 1, gap_end) FROM act_rows
    WHERE $k >= 2 AND mi + 1 <= least(mi + $k - 1, gap_end)
    UNION ALL
    SELECT 'churned', mi + $k, gap_end FROM act_rows
    WHERE mi + $k <= gap_end
    UNION ALL               -- a signal month in a gap covers it and the k-1 months after, up to the next one
    SELECT 'churned_signal',
           greatest(mi, prev_act + $k),
           least(mi + $k - 1, coalesce(next_gap_sig - 1, mi + $k - 1), gap_end)
    FROM gap_signals
    WHERE greatest(mi, prev_act + $k) <= least(mi + $k - 1, coalesce(next_gap_sig - 1, mi + $k - 1), gap_end)
),
deltas AS (
    SELECT state, a AS mi, count(*) AS d FROM intervals GROUP BY ALL
    UNION ALL
    SELECT state, b + 1, -count(*) FROM intervals WHERE b + 1 <= $last_mi GROUP BY ALL
),
months AS (SELECT range AS mi FROM range($first_mi, $last_mi + 1)),
states AS (SELECT unnest(['new', 'new_retained', 'active', 'woken', 'returned', 'dormant', 'churned',
                          'churned_signal', 'returned_signal']) AS state),
grid AS (
    SELECT m.mi, s.state, coalesce(sum(d.d), 0) AS d
    FROM months m CROSS JOIN states s
    LEFT JOIN deltas d ON d.mi = m.mi AND d.state = s.state
    GROUP BY ALL
),
levels AS (
    SELECT mi, state, sum(d) OVER (PARTITION BY state ORDER BY mi) AS n FROM grid
),
entries AS (
    SELECT entry AS mi, count(*) AS n FROM lifecycle_rows WHERE mi = entry GROUP BY ALL
)
SELECT l.mi,
       sum(n) FILTER (WHERE state = 'new')             AS new,
       sum(n) FILTER (WHERE state = 'new_retained')    AS new_retained,
       sum(n) FILTER (WHERE state = 'active')          AS active,
       sum(n) FILTER (WHERE state = 'woken')           AS woken,
       sum(n) FILTER (WHERE state = 'returned')        AS returned,
       sum(n) FILTER (WHERE state = 'dormant')         AS dormant,
       sum(n) FILTER (WHERE state = 'churned')         AS churned,
       sum(n) FILTER (WHERE state = 'churned_signal')  AS churned_signal,
       sum(n) FILTER (WHERE state = 'returned_signal') AS returned_signal,
       any_value(c.cumulative)                         AS cumulative
FROM levels l
JOIN (SELECT m.mi, sum(coalesce(e.n, 0)) OVER (ORDER BY m.mi) AS cumulative
      FROM months m LEFT JOIN entries e USING (mi)) c USING (mi)
GROUP BY l.mi
ORDER BY l.mi
