-- Orders of a negative amount (refunds or cancellations): their number, their total and the users
-- who have them.  They lower revenue (agg_orders.amount) and are not purchases (agg_orders.orders).
SELECT count(*) AS n, coalesce(sum(amount), 0)::DOUBLE AS amount, count(DISTINCT user_id) AS users
FROM orders
WHERE amount < 0
