-- Monthly aggregate of the orders: one row per user and month with an order.
--   orders, amount   orders and their total amount in the month
SELECT user_id, year(order_time) * 12 + month(order_time) - 1 AS mi,
       count(*)::BIGINT AS orders, sum(amount) AS amount
FROM orders
WHERE user_id IS NOT NULL AND order_time IS NOT NULL
GROUP BY ALL
