-- Campaign outcomes per arm: one row per (campaign, arm), from the monthly aggregates.
-- members: users of the arm; converted: members with a qualifying event between the
-- campaign's start_date and end_date (inclusive, business-local days: the day masks of
-- `agg_user_month` against the campaign's in `campaign_periods`); ordered: members with a
-- purchase (an order of an amount not negative; a negative one is a refund) in that period
-- (from the orders table, which is not events).  $from_mi .. $to_mi: the
-- months of `campaign_periods` (constants, so that only those months' aggregates are read).
WITH converted AS (
    SELECT DISTINCT k.campaign_id, a.user_id
    FROM campaign_periods AS k
    JOIN agg_user_month AS a ON a.mi = k.mi AND a.q_days::UBIGINT & k.mask <> 0
    JOIN campaign_members AS m ON m.campaign_id = k.campaign_id AND m.user_id = a.user_id
    WHERE k.period = 'during' AND a.mi BETWEEN $from_mi AND $to_mi
)
SELECT c.campaign_id, lower(trim(m.arm)) AS arm,
       count(DISTINCT m.user_id) AS members,
       count(DISTINCT m.user_id) FILTER (WHERE v.user_id IS NOT NULL) AS converted,
       count(DISTINCT m.user_id) FILTER (WHERE EXISTS (
           SELECT 1 FROM orders AS o
           WHERE o.user_id = m.user_id AND CAST(o.order_time AS DATE) BETWEEN c.start_date AND c.end_date
             AND NOT coalesce(o.amount < 0, false))) AS ordered
FROM campaigns AS c
JOIN campaign_members AS m ON m.campaign_id = c.campaign_id
LEFT JOIN converted AS v ON v.campaign_id = c.campaign_id AND v.user_id = m.user_id
WHERE m.user_id IS NOT NULL
GROUP BY ALL
ORDER BY c.campaign_id, arm
