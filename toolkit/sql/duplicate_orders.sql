-- Orders that repeat another order exactly (every column alike: same user, time, amount, item):
-- one row, the number of such groups, the surplus rows and their amount, one example.
SELECT count(*) AS groups, coalesce(sum(n - 1), 0) AS surplus_rows,
       coalesce(sum((n - 1) * amount), 0) AS surplus_amount,
       any_value(CAST(user_id AS VARCHAR) || ' at ' || CAST(order_time AS VARCHAR)) AS example
FROM (SELECT *, count(*) AS n FROM orders GROUP BY ALL HAVING count(*) > 1)
