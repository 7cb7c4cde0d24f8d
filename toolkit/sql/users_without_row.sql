-- Users with events but no row in `users`: one row (users, an example id).  They enter in the
-- month of their first event, like users without a registration time, and their segment
-- columns (channel, city) are unknown.  `users_all` also holds registrations after the data
-- horizon, which are rows all the same.
SELECT count(*) AS users, min(user_id)::VARCHAR AS example
FROM (SELECT DISTINCT user_id FROM events) AS e
WHERE NOT EXISTS (SELECT 1 FROM users_all AS u WHERE u.user_id = e.user_id)
