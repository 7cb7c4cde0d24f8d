-- The lifecycle fold of a full build in one query: every row that folding the step
-- (lifecycle_step.sql) over the months $lo .. $hi gives, with the same columns and values,
-- from the monthly aggregates `agg_user_month` and `agg_registrations`.  The monthly run
-- takes one step of lifecycle_step.sql; a full build takes this query (the test
-- tests/test_lifecycle_fold.py checks both give identical snapshots).
--
-- The step's columns are closed forms of three months per user (for month M):
--   entry   the first month with a qualifying event or a registration
--   la(M)   the last active month up to M (the entry month counts as active)
--   ls(M)   the last month with an offline signal up to M
-- so that   inactive = M - la(M)   (entered users)
--           signal_ago = M - ls(M), while the step's chain of rows is unbroken: a user not
--             entered yet keeps a row only while the signal is under 12 months old, so a
--             signal followed by 12 months without entry is forgotten (NULL), as in the step
--           the *_before columns are the same at M - 1.
-- la and ls change only in the months where something happens to the user (`marks`), so each
-- mark starts a segment of months up to the next mark in which la and ls are constant; each
-- segment is expanded to its months.
WITH marks AS (        -- months with a qualifying event, a signal or the registration
    SELECT coalesce(a.user_id, r.user_id)                 AS user_id,
           coalesce(a.mi, r.mi)::INTEGER                  AS mi,
           coalesce(a.active, false)                      AS qualifying,
           coalesce(a.signal, false)                      AS signal,
           r.user_id IS NOT NULL                          AS registers
    FROM (SELECT user_id, mi, active, signal FROM agg_user_month
          WHERE mi BETWEEN $lo AND $hi AND (active OR signal)) AS a
    FULL JOIN (SELECT user_id, mi FROM agg_registrations WHERE mi BETWEEN $lo AND $hi) AS r
        ON r.user_id = a.user_id AND r.mi = a.mi
),
entries AS (
    SELECT *, min(CASE WHEN qualifying OR registers THEN mi END) OVER (PARTITION BY user_id) AS entry
    FROM marks
),
segments AS (          -- from each mark to the month before the next one (or $hi)
    SELECT user_id, entry, mi AS seg,
           qualifying OR coalesce(mi = entry, false)                      AS active,
           coalesce(lead(mi) OVER w - 1, $hi)                            AS seg_end,
           max(CASE WHEN qualifying OR mi = entry THEN mi END) OVER w    AS la,
           max(CASE WHEN signal THEN mi END) OVER w                      AS ls,
           max(CASE WHEN qualifying OR mi = entry THEN mi END) OVER before AS la_before,
           max(CASE WHEN signal THEN mi END) OVER before                 AS ls_before
    FROM entries
    WINDOW w AS (PARTITION BY user_id ORDER BY mi),
           before AS (PARTITION BY user_id ORDER BY mi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
months AS (            -- a segment before entry lasts while its signal is under 12 months old
    SELECT user_id, entry, seg, active, la, ls, la_before, ls_before,
           unnest(range(seg, CASE WHEN entry IS NULL OR seg < entry THEN least(seg_end, ls + 11) ELSE seg_end END + 1))
               AS mi
    FROM segments
),
rows AS (              -- la and ls of M and of M - 1
    SELECT user_id, mi, entry, mi = seg AND active AS active,
           la, ls,
           CASE WHEN mi = seg THEN la_before ELSE la END AS la1,
           CASE WHEN mi = seg THEN ls_before ELSE ls END AS ls1
    FROM months
)
SELECT user_id, mi::INTEGER AS mi,
       (CASE WHEN mi >= entry THEN entry END)::INTEGER                                       AS entry,
       active,
       (CASE WHEN mi >= entry THEN mi - la END)::INTEGER                                     AS inactive,
       (CASE WHEN mi > entry THEN mi - 1 - la1 END)::INTEGER                                 AS inactive_before,
       (CASE WHEN mi - ls < 12 OR entry <= ls + 12 THEN mi - ls END)::INTEGER                AS signal_ago,
       (CASE WHEN mi - 1 - ls1 < 12 OR entry <= ls1 + 12 THEN mi - 1 - ls1 END)::INTEGER     AS signal_ago_before
FROM rows
