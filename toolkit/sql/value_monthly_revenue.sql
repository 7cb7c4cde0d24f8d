-- Orders per month, from the monthly aggregate of the orders: the month (mi, year * 12 +
-- month - 1), the users with a purchase (buyers), the purchases (orders) and the amount of every
-- order, refunds included (revenue, net of refunds).
SELECT mi, count(*) FILTER (WHERE orders > 0)::BIGINT AS buyers, sum(orders)::BIGINT AS orders, sum(amount)::DOUBLE AS revenue
FROM agg_orders
GROUP BY mi
ORDER BY mi
