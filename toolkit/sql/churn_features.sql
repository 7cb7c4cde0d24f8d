-- Churn early-warning features (流失预警): one row per user and month M in $from_mi .. $to_mi
-- for the users active in M (states new, new_retained, active, woken, returned of
-- `lifecycle_states` with churn window $k), from the monthly aggregates only.
--   recency_days     days from the last qualifying day of M to the month's last day (the whole
--                    month when M is counted active by a registration alone)
--   days_0/1/2       active days (qualifying-event days) in M, M-1, M-2
--   signal_days      days with an offline-signal event in M; signal_3m: any in M-2 .. M
--   categories_3m    feature categories used in M-2 .. M (`agg_user_categories`)
--   orders_3m, amount_3m   orders and their amount in M-2 .. M (`agg_orders`)
--   campaign_3m      a member of a campaign whose period touches M-2 .. M
--   tenure_months    months since the entry month
--   inactive_next    not active in M + 1 (NULL when M + 1 is after $last_mi: outcome unknown)
-- Ordered by month and user, so that the rows (and the random draw of a capped fit) do not
-- depend on how the engine scheduled the query.
WITH users_m AS (
    SELECT user_id, mi, entry, state FROM lifecycle_states
    WHERE mi BETWEEN $from_mi AND $to_mi AND state IN ('new', 'new_retained', 'active', 'woken', 'returned')
),
wanted AS (   -- each user-month with the three months its features read: M (ago 0), M-1, M-2
    SELECT u.user_id, u.mi, u.mi - o.ago AS src, o.ago
    FROM users_m AS u CROSS JOIN (SELECT unnest([0, 1, 2]) AS ago) AS o
),
activity AS (
    SELECT w.user_id, w.mi,
           max(CASE WHEN w.ago = 0 THEN bit_count(a.q_days) END)                 AS days_0,
           max(CASE WHEN w.ago = 1 THEN bit_count(a.q_days) END)                 AS days_1,
           max(CASE WHEN w.ago = 2 THEN bit_count(a.q_days) END)                 AS days_2,
           max(CASE WHEN w.ago = 0 AND a.q_days <> 0 THEN floor(log2(a.q_days)) END) AS last_bit,
           max(CASE WHEN w.ago = 0 THEN bit_count(a.s_days) END)                 AS signal_days,
           bool_or(a.s_days <> 0)                                                 AS signal_3m
    FROM wanted AS w JOIN agg_user_month AS a ON a.user_id = w.user_id AND a.mi = w.src
    WHERE a.mi BETWEEN $from_mi - 2 AND $to_mi
    GROUP BY w.user_id, w.mi
),
cats AS (
    SELECT w.user_id, w.mi, count(DISTINCT c.category) AS categories_3m
    FROM wanted AS w JOIN agg_user_categories AS c ON c.user_id = w.user_id AND c.mi = w.src
    WHERE c.mi BETWEEN $from_mi - 2 AND $to_mi
    GROUP BY w.user_id, w.mi
),
bought AS (
    SELECT w.user_id, w.mi, sum(o.orders) AS orders_3m, sum(o.amount) AS amount_3m
    FROM wanted AS w JOIN agg_orders AS o ON o.user_id = w.user_id AND o.mi = w.src
    WHERE o.mi BETWEEN $from_mi - 2 AND $to_mi
    GROUP BY w.user_id, w.mi
),
member_months AS (
    SELECT DISTINCT m.user_id, year(k.start_date) * 12 + month(k.start_date) - 1 AS first_mi,
           year(k.end_date) * 12 + month(k.end_date) - 1 AS last_mi
    FROM campaign_members AS m JOIN campaigns AS k USING (campaign_id)
    WHERE k.start_date IS NOT NULL AND k.end_date IS NOT NULL
),
campaign AS (
    SELECT DISTINCT u.user_id, u.mi
    FROM users_m AS u JOIN member_months AS c ON c.user_id = u.user_id
         AND c.first_mi <= u.mi AND c.last_mi >= u.mi - 2
),
next AS (
    SELECT user_id, mi - 1 AS mi, active FROM lifecycle_current
    WHERE mi BETWEEN $from_mi + 1 AND least($to_mi + 1, $last_mi) AND entry IS NOT NULL
)
SELECT u.user_id, u.mi, u.state,
       (CASE WHEN a.last_bit IS NULL THEN day(last_day(make_date((u.mi // 12)::INTEGER, (u.mi % 12 + 1)::INTEGER, 1)))
             ELSE day(last_day(make_date((u.mi // 12)::INTEGER, (u.mi % 12 + 1)::INTEGER, 1))) - 1 - a.last_bit
        END)::DOUBLE                                                  AS recency_days,
       coalesce(a.days_0, 0)::DOUBLE AS days_0, coalesce(a.days_1, 0)::DOUBLE AS days_1,
       coalesce(a.days_2, 0)::DOUBLE AS days_2,
       coalesce(a.signal_days, 0)::DOUBLE AS signal_days, coalesce(a.signal_3m, false) AS signal_3m,
       coalesce(c.categories_3m, 0)::DOUBLE AS categories_3m,
       coalesce(b.orders_3m, 0)::DOUBLE AS orders_3m, coalesce(b.amount_3m, 0)::DOUBLE AS amount_3m,
       g.user_id IS NOT NULL AS campaign_3m,
       (u.mi - u.entry)::DOUBLE AS tenure_months,
       CASE WHEN u.mi + 1 <= $last_mi THEN NOT coalesce(n.active, false) END AS inactive_next
FROM users_m AS u
LEFT JOIN activity AS a USING (user_id, mi)
LEFT JOIN cats AS c USING (user_id, mi)
LEFT JOIN bought AS b USING (user_id, mi)
LEFT JOIN campaign AS g USING (user_id, mi)
LEFT JOIN next AS n USING (user_id, mi)
ORDER BY u.mi, u.user_id
