-- RFM value inputs and scores (用户价值分层) at the end of month $end_mi, over the window of
-- months $from_mi .. $end_mi, from the monthly aggregates (`agg_user_month`, `agg_orders`)
-- and the orders' times (`orders`, for the day of the last order).  One row per scored user:
--   $orders true  (the data has orders): users with an order in the window;
--                 recency = days from the last purchase to the last day of the month ($month_end),
--                 frequency = purchases in the window (orders of a negative amount are refunds, not
--                 purchases), monetary = the amount of the window's orders, net of refunds
--   $orders false (no orders: RF only): users with a qualifying event in the window;
--                 recency = days from the last qualifying day, frequency = active days, monetary NULL
-- Scores 1 .. $bins by quantile of the users' rank, larger = better (more recent, more often,
-- more money): score = 1 + floor($bins * (rank - 1) / n), rank = RANK() in ascending order of
-- goodness, so tied users share the score of the first of them (ties never split).
-- Each dimension is "high" when its score > $bins / 2; the tier is named by the three highs.
WITH activity AS (
    SELECT user_id, sum(bit_count(q_days))::BIGINT AS active_days,
           -- last qualifying day: the highest set bit of the month's day mask (bit d - 1 = day d)
           max(make_date((mi // 12)::INTEGER, (mi % 12 + 1)::INTEGER, 1)
               + floor(log2(q_days))::INTEGER) AS last_day
    FROM agg_user_month
    WHERE mi BETWEEN $from_mi AND $end_mi AND q_days <> 0
    GROUP BY user_id
),
bought AS (
    SELECT user_id, sum(orders)::BIGINT AS orders, sum(amount)::DOUBLE AS amount
    FROM agg_orders WHERE mi BETWEEN $from_mi AND $end_mi GROUP BY user_id
),
last_order AS (
    SELECT user_id, max(order_time)::DATE AS last_day
    FROM orders WHERE order_time >= $start AND order_time < $end AND user_id IS NOT NULL
      AND NOT coalesce(amount < 0, false)
    GROUP BY user_id
),
inputs AS (
    SELECT b.user_id, date_diff('day', l.last_day, $month_end)::BIGINT AS recency_days,
           b.orders AS frequency, b.amount AS monetary
    FROM bought AS b JOIN last_order AS l USING (user_id)
    WHERE $orders AND b.orders > 0
    UNION ALL
    SELECT user_id, date_diff('day', last_day, $month_end)::BIGINT, active_days, NULL::DOUBLE
    FROM activity WHERE NOT $orders
),
scored AS (
    SELECT *,
           1 + floor($bins * (rank() OVER (ORDER BY recency_days DESC) - 1) / count(*) OVER ())::INTEGER AS r_score,
           1 + floor($bins * (rank() OVER (ORDER BY frequency ASC) - 1) / count(*) OVER ())::INTEGER AS f_score,
           CASE WHEN $orders THEN
               1 + floor($bins * (rank() OVER (ORDER BY monetary ASC) - 1) / count(*) OVER ())::INTEGER END AS m_score
    FROM inputs
)
SELECT user_id, recency_days, frequency, monetary, r_score, f_score, m_score,
       r_score > $bins / 2 AS r_high, f_score > $bins / 2 AS f_high, m_score > $bins / 2 AS m_high
FROM scored
