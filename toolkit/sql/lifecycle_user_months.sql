-- Every user's lifecycle state month by month (domain.md section 3), from `lifecycle_words`:
-- one row per user and month from the later of entry and $from_mi up to $to_mi.
--   n_users        how many users the row stands for (as in the words: 1, or a group's size)
--   code           0 new, 1 new_retained, 2 active, 3 woken, 4 returned with a signal while
--                  churned, 5 returned without, 6 dormant, 7 churned with a signal, 8 churned without
--   signal_recent  an offline-signal event in the last k months, ending with the month
-- The states are worked out for all 32 months of a word at once, on bit masks that hold
-- month p of the word at bit 2p (the layout of `lifecycle_words`), level by level:
--   ext        months first - 12 .. first + 31 at bits 0 .. 87 (the word after the last 12
--              months of the previous word), both bits of each month as in the words
--   d1 .. d8   ext moved on by 1, 1-2, 1-4, 1-8 months (ORed), so that
--   yk, yk1    hold at each month what happened in the k (k - 1) months before it:
--              d_m | (d_m moved on by K - m months) covers 1 .. K for m the largest power
--              of two <= K ($m_k, $sh_k for K = k; $m_k1, $sh_k1 for K = k - 1; m = 0: none)
--   a, s       qualifying and signal in the month;  last: qualifying in the month before
--   pka, pks   qualifying / signal in the k months before;  pk1a: qualifying in the k - 1 before
--   sigk       signal in the k months ending with the month
--   en, en1    the entry month and the month after it
-- Each state is then a mask (c1 .. c8; new is en), and the code's four bits are packed two
-- per month into q and r, read off month by month with two shifts.
-- One level of subquery per step: DuckDB would otherwise repeat, in every column that
-- names an alias of the same SELECT, the whole expression the alias stands for.
SELECT user_id, n_users, entry, mi,
       (((q >> (2 * (mi - first))::UBIGINT) & 3::UBIGINT)
        | (((r >> (2 * (mi - first))::UBIGINT) & 3::UBIGINT) << 2))::UTINYINT AS code,
       (sigk >> (2 * (mi - first))::UBIGINT) & 1::UBIGINT = 1::UBIGINT  AS signal_recent
FROM (
    SELECT user_id, n_users, entry, first, sigk, q, r,     -- (the unnest alone: the rest would be computed per month)
           unnest(range(greatest(entry, $from_mi, first), least($to_mi, first + 31) + 1)) AS mi
    FROM (
      SELECT user_id, n_users, entry, first, sigk,
             c1 | c3 | c5 | c7 | ((c2 | c3 | c6 | c7) << 1) AS q,
             c4 | c5 | c6 | c7 | (c8 << 1)                  AS r
      FROM (
        SELECT user_id, n_users, entry, first, sigk,
               a & en1 AS c1, ra & last AS c2, ra & ~last & pka AS c3,
               ra & ~pka & pks AS c4, ra & ~pka & ~pks AS c5,
               na & pk1a AS c6, na & ~pk1a & sigk AS c7, na & ~pk1a & ~sigk AS c8
        FROM (
            SELECT user_id, n_users, entry, first, a, en1, last, pka, pks, pk1a, sigk,
                   a & ~(en | en1)            AS ra,       -- active after the first two months
                   $act_bits::UBIGINT & ~a    AS na        -- not active
            FROM (
                SELECT user_id, n_users, entry, first, a, last, pka, pks, pk1a,
                       s | ((pk1 >> 1) & $act_bits::UBIGINT) AS sigk,
                       CASE WHEN entry BETWEEN first AND first + 31
                            THEN 1::UBIGINT << (2 * (entry - first))::UBIGINT ELSE 0::UBIGINT END AS en,
                       CASE WHEN entry + 1 BETWEEN first AND first + 31
                            THEN 1::UBIGINT << (2 * (entry + 1 - first))::UBIGINT ELSE 0::UBIGINT END AS en1
                FROM (
                    SELECT user_id, n_users, entry, first, pk1,
                           now & $act_bits::UBIGINT AS a,
                           (now >> 1) & $act_bits::UBIGINT AS s,
                           before & $act_bits::UBIGINT AS last,
                           pk & $act_bits::UBIGINT AS pka,
                           (pk >> 1) & $act_bits::UBIGINT AS pks,
                           pk1 & $act_bits::UBIGINT AS pk1a
                    FROM (
                        SELECT user_id, n_users, entry, first,
                               ((ext >> 24) & 18446744073709551615::UHUGEINT)::UBIGINT AS now,
                               ((ext >> 22) & 18446744073709551615::UHUGEINT)::UBIGINT AS before,
                               (((dk | (dk << $sh_k::UHUGEINT)) >> 24) & 18446744073709551615::UHUGEINT)::UBIGINT AS pk,
                               (((dk1 | (dk1 << $sh_k1::UHUGEINT)) >> 24) & 18446744073709551615::UHUGEINT)::UBIGINT AS pk1
                        FROM (
                            SELECT user_id, n_users, entry, first, ext,
                                   CASE $m_k WHEN 1 THEN d1 WHEN 2 THEN d2 WHEN 4 THEN d4 WHEN 8 THEN d4 | (d4 << 8)
                                             ELSE 0::UHUGEINT END AS dk,
                                   CASE $m_k1 WHEN 1 THEN d1 WHEN 2 THEN d2 WHEN 4 THEN d4 WHEN 8 THEN d4 | (d4 << 8)
                                              ELSE 0::UHUGEINT END AS dk1
                            FROM (
                                SELECT user_id, n_users, entry, first, ext, d1, d2, d2 | (d2 << 4) AS d4
                                FROM (
                                    SELECT user_id, n_users, entry, first, ext, d1, d1 | (d1 << 2) AS d2
                                    FROM (
                                        SELECT user_id, n_users, entry, first, ext, ext << 2 AS d1
                                        FROM (
                                            SELECT user_id, n_users, entry, 32 * w + $phase AS first,
                                                   ((bits::UHUGEINT << 64) | prev_bits::UHUGEINT) >> 40 AS ext
                                            FROM lifecycle_words
                                            WHERE 32 * w + $phase <= $to_mi AND 32 * w + $phase + 31 >= $from_mi
                                        )
                                    )
                                )
                            )
                        )
                    )
                )
            )
        )
    )
)
)
