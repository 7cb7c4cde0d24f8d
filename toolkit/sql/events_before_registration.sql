-- Events earlier than the user's registered_at: one row (events, users).
SELECT count(*) AS events, count(DISTINCT e.user_id) AS users
FROM events AS e
JOIN users AS u ON u.user_id = e.user_id
WHERE e.event_time < u.registered_at
