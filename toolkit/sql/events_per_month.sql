-- Events and active users per business month: one row per month with events.
SELECT strftime(date_trunc('month', event_time), '%Y-%m') AS month,
       count(*)                                          AS events,
       count(DISTINCT user_id)                           AS users
FROM events
WHERE event_time IS NOT NULL
GROUP BY ALL
ORDER BY month
