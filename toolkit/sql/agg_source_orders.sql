-- The fingerprint of the orders behind each month: one row per month with orders: orders and
-- a checksum of (user, time, amount).
SELECT year(order_time) * 12 + month(order_time) - 1 AS mi, count(*) AS rows,
       sum(hash(user_id, order_time, amount))::VARCHAR AS checksum
FROM orders
WHERE user_id IS NOT NULL AND order_time IS NOT NULL
GROUP BY ALL
