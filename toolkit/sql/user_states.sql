-- Each user's lifecycle state in month $mi (churn window $k): one row per user who
-- has entered by $mi, from `lifecycle_words` (see lifecycle_monthly.sql for the
-- window `win` and the masks $act_now .. $sig_k, which are the same here).
--   state           one of the seven states (domain.md section 3)
--   last_active_mi  the user's last active month up to $mi
--   months_inactive months in a row without activity, ending with $mi (0 when active)
--   signal_recent   an offline-signal event in the last $k months ending with $mi
-- The last active month is the highest qualifying bit up to $mi: in the latest word
-- with one ($upto_bits keeps the qualifying bits of $mi's word up to $mi), found by
-- smearing the highest bit down and counting the bits.
WITH at_month AS (
    SELECT user_id, entry,
           ((((bits::UHUGEINT << 64) | prev_bits::UHUGEINT) >> (40 + 2 * ($mi - $phase - 32 * w))::UHUGEINT)
            & 67108863::UHUGEINT)::UINTEGER AS win
    FROM lifecycle_words
    WHERE w = ($mi - $phase) // 32 AND entry <= $mi
),
acts AS (
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
       CASE WHEN $mi = m.entry THEN 'new'
            WHEN m.win & $act_now <> 0 THEN
                 CASE WHEN $mi = m.entry + 1 THEN 'new_retained'
                      WHEN m.win & $act_last <> 0 THEN 'active'
                      WHEN m.win & $act_prev_k <> 0 THEN 'woken'
                      ELSE 'returned' END
            WHEN m.win & $act_prev_k1 <> 0 THEN 'dormant'
            ELSE 'churned' END               AS state,
       l.last_active_mi,
       $mi - l.last_active_mi                AS months_inactive,
       m.win & $sig_k <> 0                   AS signal_recent
FROM at_month AS m
JOIN last_act AS l USING (user_id)
