-- Every user's lifecycle state month by month (domain.md section 3), from `lifecycle_words`:
-- one row per user and month from the later of entry and $from_mi up to $to_mi.
--   win   bits of months m-12 .. m, month m-12+j at bit 2j (qualifying) and 2j+1 (signal),
--         taken from the word of m and the word before it (13 months cover any k <= 12)
--   code  0 new, 1 new_retained, 2 active, 3 woken, 4 returned with a signal while churned,
--         5 returned without, 6 dormant, 7 churned with a signal, 8 churned without
-- The masks select the months each state looks at (computed for churn window k by Lifecycle):
--   $act_now     qualifying in m                $act_last    qualifying in m-1
--   $act_prev_k  qualifying in m-k .. m-1       $act_prev_k1 qualifying in m-k+1 .. m-1
--   $sig_k       signal in m-k+1 .. m           $sig_prev_k  signal in m-k .. m-1
SELECT user_id, entry, mi, win,
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
FROM (
    SELECT user_id, entry, mi,
           ((((bits::UHUGEINT << 64) | prev_bits::UHUGEINT) >> (40 + 2 * (mi - $phase - 32 * w))::UHUGEINT)
            & 67108863::UHUGEINT)::UINTEGER AS win
    FROM (SELECT user_id, entry, w, bits, prev_bits,
                 unnest(range(greatest(entry, $from_mi, 32 * w + $phase),
                              least($to_mi, 32 * w + $phase + 31) + 1)) AS mi
          FROM lifecycle_words
          WHERE 32 * w + $phase <= $to_mi AND 32 * w + $phase + 31 >= $from_mi)
)
