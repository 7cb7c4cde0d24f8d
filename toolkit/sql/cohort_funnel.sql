-- AARRR funnel per entry-month cohort: one row per entry month from $from_mi to $to_mi with
-- users entering, from the lifecycle snapshots (`lifecycle_current`) and the monthly
-- aggregates of those months and the two after (a cohort's row reads no other month, so a
-- finished cohort's row can be kept).
--   acquired   users entering in the month
--   activated  of them, users of a feature (an event of a feature_map category: feature_used
--              of agg_user_month) in the entry month
--   retained   of them, active in the month after entry
--   paying     of them, with a purchase in the entry month or the two after (agg_orders)
--   revenue    the amount of their orders in that window, net of refunds (orders.amount; 0
--              without orders)
--   referring  of them, in `funnel_referring` (funnel_referring.sql: an event of the
--              configured referral events since entry; the table is empty when none are
--              configured, and the step is then reported as not defined)
WITH entries AS (
    SELECT user_id, entry FROM lifecycle_current WHERE mi = entry AND mi BETWEEN $from_mi AND $to_mi
),
activated AS (
    SELECT a.user_id FROM agg_user_month AS a JOIN entries AS n ON n.user_id = a.user_id AND a.mi = n.entry
    WHERE a.feature_used AND a.mi BETWEEN $from_mi AND $to_mi
),
retained AS (
    SELECT user_id FROM lifecycle_current WHERE mi = entry + 1 AND active AND mi BETWEEN $from_mi + 1 AND $to_mi + 1
),
paying AS (
    SELECT o.user_id, sum(o.orders) AS orders, sum(o.amount) AS amount FROM agg_orders AS o JOIN entries AS n USING (user_id)
    WHERE o.mi BETWEEN n.entry AND n.entry + 2 AND o.mi BETWEEN $from_mi AND $to_mi + 2
    GROUP BY o.user_id
)
SELECT n.entry AS mi,
       count(*)                           AS acquired,
       count(a.user_id)                   AS activated,
       count(r.user_id)                   AS retained,
       count(p.user_id) FILTER (WHERE p.orders > 0) AS paying,
       coalesce(sum(p.amount), 0)::DOUBLE AS revenue,
       count(f.user_id)                   AS referring
FROM entries AS n
LEFT JOIN activated AS a USING (user_id)
LEFT JOIN retained AS r USING (user_id)
LEFT JOIN paying AS p USING (user_id)
LEFT JOIN funnel_referring AS f USING (user_id)
GROUP BY n.entry
ORDER BY n.entry
