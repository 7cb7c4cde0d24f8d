-- Monthly aggregate: one row per user and month with an event, from `agg_scan` (the rows of
-- agg_user_month_category.sql).
--   active   a qualifying event in the month;  signal: an offline-signal event in it
--   q_days   the days of the month with a qualifying event (bit d - 1 for day d)
--   s_days   the days with a signal event;  events: events of any kind
SELECT user_id, mi, bit_or(q_days) <> 0 AS active, bit_or(s_days) <> 0 AS signal,
       bit_or(q_days) AS q_days, bit_or(s_days) AS s_days, sum(events)::BIGINT AS events
FROM agg_scan
GROUP BY user_id, mi
