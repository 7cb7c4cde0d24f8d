-- The orders of one month [$start, $end): one row, their number and the first and last order time.
SELECT count(*) AS orders, min(order_time) AS first_order, max(order_time) AS last_order
FROM orders
WHERE order_time >= $start AND order_time < $end
