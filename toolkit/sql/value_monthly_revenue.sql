-- Orders per month, from the monthly aggregate of the orders: the month (mi, year * 12 +
-- month - 1), the users with an order (buyers), the orders and their amount (revenue).
SELECT mi, count(*)::BIGINT AS buyers, sum(orders)::BIGINT AS orders, sum(amount)::DOUBLE AS revenue
FROM agg_orders
GROUP BY mi
ORDER BY mi
