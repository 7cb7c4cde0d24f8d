-- The monthly lifecycle table: one row per month from $first_mi to $last_mi
-- (months without any event included), from `lifecycle_user_months` (every user's state
-- month by month) and `lifecycle_words` (grouped: each row stands for n_users users).
-- Counts of the seven states, the churned split by the offline signal, returned users
-- split by the signal they had while churned, and the cumulative users (a running count
-- of entries, computed independently of the states).  Rates are derived in Python.
WITH counts AS (SELECT mi, code, sum(n_users) AS n FROM lifecycle_user_months GROUP BY ALL),
entries AS (
    SELECT entry AS mi, sum(n_users) AS n FROM lifecycle_words WHERE w = (entry - $phase) // 32 GROUP BY ALL
),
months AS (SELECT range AS mi FROM range($first_mi, $last_mi + 1)),
cumulative AS (
    SELECT m.mi, sum(coalesce(e.n, 0)) OVER (ORDER BY m.mi) AS cumulative
    FROM months AS m LEFT JOIN entries AS e USING (mi)
)
SELECT m.mi,
       coalesce(sum(n) FILTER (WHERE code = 0), 0)          AS new,
       coalesce(sum(n) FILTER (WHERE code = 1), 0)          AS new_retained,
       coalesce(sum(n) FILTER (WHERE code = 2), 0)          AS active,
       coalesce(sum(n) FILTER (WHERE code = 3), 0)          AS woken,
       coalesce(sum(n) FILTER (WHERE code IN (4, 5)), 0)    AS returned,
       coalesce(sum(n) FILTER (WHERE code = 6), 0)          AS dormant,
       coalesce(sum(n) FILTER (WHERE code IN (7, 8)), 0)    AS churned,
       coalesce(sum(n) FILTER (WHERE code = 7), 0)          AS churned_signal,
       coalesce(sum(n) FILTER (WHERE code = 4), 0)          AS returned_signal,
       any_value(c.cumulative)                              AS cumulative
FROM cumulative AS c
JOIN months AS m USING (mi)
LEFT JOIN counts AS n USING (mi)
GROUP BY m.mi
ORDER BY m.mi
