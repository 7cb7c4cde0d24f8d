-- The monthly lifecycle table: one row per month from $first_mi to $last_mi
-- (months without any event included), from `lifecycle_words`.
-- Each user is walked through every month from entry to $last_mi; the state of month m
-- (domain.md section 3, churn window k) is read off a 13-month window of the user's bits:
--   win  bits of months m-12 .. m, month m-12+j at bit 2j (qualifying) and 2j+1 (signal),
--        taken from the word of m and the word before it
-- and the masks that select the months each state looks at (computed for k by Lifecycle):
--   $act_now     qualifying in m                $act_last    qualifying in m-1
--   $act_prev_k  qualifying in m-k .. m-1       $act_prev_k1 qualifying in m-k+1 .. m-1
--   $sig_k       signal in m-k+1 .. m           $sig_prev_k  signal in m-k .. m-1
-- Counts of the seven states, the churned split by the offline signal, returned users
-- split by the signal they had while churned, and the cumulative users (a running count
-- of entries, computed independently of the states).  Rates are derived in Python.
WITH user_month AS (
    SELECT entry, mi,
           (CASE WHEN p >= 12 THEN bits >> (2 * p - 24)::UBIGINT
                 ELSE ((bits & ((1::UBIGINT << (40 + 2 * p)::UBIGINT) - 1::UBIGINT)) << (24 - 2 * p)::UBIGINT) | (prev_bits >> (40 + 2 * p)::UBIGINT) END
            & 67108863::UBIGINT)::UINTEGER AS win
    FROM (SELECT entry, bits, prev_bits, mi, mi - $phase - 32 * w AS p
          FROM (SELECT entry, w, bits, prev_bits,
                       unnest(range(greatest(entry, 32 * w + $phase), least($last_mi, 32 * w + $phase + 31) + 1)) AS mi
                FROM lifecycle_words))
),
coded AS (                  -- 0 new, 1 new_retained, 2 active, 3 woken, 4 returned with signal,
    SELECT mi,              -- 5 returned without, 6 dormant, 7 churned with signal, 8 churned without
           CASE WHEN mi = entry THEN 0
                WHEN win & $act_now <> 0 THEN
                     CASE WHEN mi = entry + 1 THEN 1
                          WHEN win & $act_last <> 0 THEN 2
                          WHEN win & $act_prev_k <> 0 THEN 3
                          WHEN win & $sig_prev_k <> 0 THEN 4
                          ELSE 5 END
                WHEN win & $act_prev_k1 <> 0 THEN 6
                WHEN win & $sig_k <> 0 THEN 7
                ELSE 8 END AS code
    FROM user_month
),
counts AS (SELECT mi, code, count(*) AS n FROM coded GROUP BY ALL),
entries AS (
    SELECT entry AS mi, count(*) AS n FROM lifecycle_words WHERE w = (entry - $phase) // 32 GROUP BY ALL
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
