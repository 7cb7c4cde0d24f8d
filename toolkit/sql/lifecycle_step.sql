-- The lifecycle step (domain.md sections 2-3): every user's row of month $mi from their row
-- of month $mi - 1 (`lifecycle_prev`, rows of this query) and their activity in $mi (the
-- monthly aggregates `agg_user_month` and `agg_registrations`).  A full build folds this
-- step over the months; the monthly run takes one step.  One row per user who has entered
-- by $mi, plus users not entered yet with an offline signal in the last 12 months (entry
-- NULL: they carry the signal forward, since a signal before entry still counts as recent).
--   entry              the entry month: kept once set; else $mi when the user has a
--                      qualifying event or registers in $mi (domain.md section 2)
--   active             a qualifying event in $mi, or $mi is the entry month ("a user counts
--                      as active in their entry month")
--   inactive           months in a row without activity, ending with $mi (0 when active)
--   inactive_before    the same, ending with $mi - 1 (NULL in the entry month)
--   signal_ago         months since the last offline-signal event up to $mi (0: one in $mi;
--                      NULL: none yet)
--   signal_ago_before  the same up to $mi - 1
-- The seven states follow from these columns alone, for any churn window k: see
-- lifecycle_states.sql, where each state's rule reads as domain.md section 3.
WITH month_activity AS (
    SELECT user_id, active, signal FROM agg_user_month WHERE mi = $mi
),
month_registrations AS (
    SELECT user_id FROM agg_registrations WHERE mi = $mi
),
joined AS (
    SELECT coalesce(p.user_id, a.user_id, r.user_id)       AS user_id,
           p.entry                                        AS entered,
           coalesce(a.active, false)                      AS qualifying,
           coalesce(a.signal, false)                      AS signal,
           r.user_id IS NOT NULL                          AS registers,
           p.inactive                                     AS inactive_before,
           p.signal_ago                                   AS signal_ago_before
    FROM lifecycle_prev AS p
    FULL JOIN month_activity AS a ON a.user_id = p.user_id
    FULL JOIN month_registrations AS r ON r.user_id = coalesce(p.user_id, a.user_id)
),
stepped AS (
    SELECT user_id,
           coalesce(entered, CASE WHEN qualifying OR registers THEN $mi END)  AS entry,
           qualifying OR (entered IS NULL AND registers)                     AS active,
           inactive_before,
           CASE WHEN signal THEN 0 ELSE signal_ago_before + 1 END             AS signal_ago,
           signal_ago_before
    FROM joined
)
SELECT user_id, $mi::INTEGER AS mi, entry::INTEGER AS entry, active,
       (CASE WHEN active THEN 0 ELSE inactive_before + 1 END)::INTEGER       AS inactive,
       inactive_before::INTEGER AS inactive_before, signal_ago::INTEGER AS signal_ago,
       signal_ago_before::INTEGER AS signal_ago_before
FROM stepped
WHERE entry IS NOT NULL OR signal_ago < 12
