-- Monthly aggregate of the orders: one row per user and month with an order, for the orders
-- in [$start, $end) (a build reads the orders of the months it computes).
--   orders, amount   orders and their total amount in the month, summed as a decimal of six
--                    places (exact: every sum of it, here and in the analyses, is the same
--                    whatever order the threads add the amounts in)
SELECT user_id, year(order_time) * 12 + month(order_time) - 1 AS mi,
       count(*)::BIGINT AS orders, sum(amount::DECIMAL(38, 6)) AS amount
FROM orders
WHERE user_id IS NOT NULL AND order_time IS NOT NULL AND order_time >= $start AND order_time < $end
GROUP BY ALL
