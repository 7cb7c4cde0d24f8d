-- Monthly aggregate of the orders: one row per user and month with an order, for the orders
-- in [$start, $end) (a build reads the orders of the months it computes).
--   orders, amount   orders and their total amount in the month
SELECT user_id, year(order_time) * 12 + month(order_time) - 1 AS mi,
       count(*)::BIGINT AS orders, sum(amount) AS amount
FROM orders
WHERE user_id IS NOT NULL AND order_time IS NOT NULL AND order_time >= $start AND order_time < $end
GROUP BY ALL
