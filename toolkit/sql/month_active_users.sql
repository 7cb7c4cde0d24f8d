-- The users with a qualifying event in month $mi: one row, their number (the month's MAU),
-- from the monthly aggregates.
SELECT count(*) AS users FROM agg_user_month WHERE mi = $mi AND active
