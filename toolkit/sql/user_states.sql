-- Each user's lifecycle state in month $mi: one row per user who has entered by $mi,
-- from `lifecycle_user_months` (run for $mi alone) and `lifecycle_words`.
--   state           one of the seven states (domain.md section 3)
--   last_active_mi  the user's last active month up to $mi
--   months_inactive months in a row without activity, ending with $mi (0 when active)
--   signal_recent   an offline-signal event in the last $k months ending with $mi
-- The last active month is the highest qualifying bit up to $mi: in the latest word
-- with one ($upto_bits keeps the qualifying bits of $mi's word up to $mi), found by
-- smearing the highest bit down and counting the bits.
WITH acts AS (
    SELECT user_id,
           arg_max(CASE WHEN w = ($mi - $phase) // 32 THEN bits & $upto_bits::UBIGINT
                        ELSE bits & $act_bits::UBIGINT END, w) AS a,
           max(w) AS w
    FROM lifecycle_words
    WHERE w <= ($mi - $phase) // 32 AND entry <= $mi
      AND (CASE WHEN w = ($mi - $phase) // 32 THEN bits & $upto_bits::UBIGINT
                ELSE bits & $act_bits::UBIGINT END) <> 0
    GROUP BY user_id
),
smeared AS (
    SELECT user_id, w, a AS s0, s0 | (s0 >> 1) AS s1, s1 | (s1 >> 2) AS s2, s2 | (s2 >> 4) AS s3,
           s3 | (s3 >> 8) AS s4, s4 | (s4 >> 16) AS s5, s5 | (s5 >> 32) AS s6
    FROM acts
),
last_act AS (
    SELECT user_id, 32 * w + $phase + (bit_count(s6) - 1) // 2 AS last_active_mi FROM smeared
)
SELECT m.user_id,
       ['new', 'new_retained', 'active', 'woken', 'returned', 'returned', 'dormant', 'churned',
        'churned'][m.code + 1]               AS state,
       l.last_active_mi,
       $mi - l.last_active_mi                AS months_inactive,
       m.signal_recent
FROM lifecycle_user_months AS m
JOIN last_act AS l USING (user_id)
