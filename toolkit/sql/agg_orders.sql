-- Monthly aggregate of the orders: one row per user and month with an order, for the orders
-- in [$start, $end) (a build reads the orders of the months it computes).
--   orders           purchases in the month: orders whose amount is not negative (a negative
--                    amount is a refund or a cancellation, not a purchase)
--   amount           the total amount of every order of the month, refunds included (revenue is
--                    net of them), summed as a decimal of six places (exact: every sum of it,
--                    here and in the analyses, is the same whatever order the threads add the
--                    amounts in)
-- A month with only refunds has a row with orders = 0: its users are not buyers that month.
SELECT user_id, year(order_time) * 12 + month(order_time) - 1 AS mi,
       count(*) FILTER (WHERE NOT coalesce(amount < 0, false))::BIGINT AS orders, sum(amount::DECIMAL(38, 6)) AS amount
FROM orders
WHERE user_id IS NOT NULL AND order_time IS NOT NULL AND order_time >= $start AND order_time < $end
GROUP BY ALL
