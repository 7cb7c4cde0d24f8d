-- The days of month $mi with a qualifying event, over every user: one row, one bit mask
-- (bit d - 1 set for day d), from the monthly aggregates (NULL when the month has none).
SELECT bit_or(q_days) AS days FROM agg_user_month WHERE mi = $mi
