-- Users with events but no row in `users`: one row (users, an example id).  They enter in the
-- month of their first event, like users without a registration time, and their segment
-- columns (channel, city) are unknown.  `users_all` also holds registrations after the data
-- horizon, which are rows all the same; its ids are gathered first (MATERIALIZED) so that the
-- join is not pushed into a CSV reader, where an id of the wrong type fails the read instead
-- of being the NULL that validate reports on its own.
WITH known AS MATERIALIZED (
    SELECT DISTINCT user_id FROM users_all WHERE user_id IS NOT NULL
)
SELECT count(*) AS users, min(user_id)::VARCHAR AS example
FROM (SELECT DISTINCT user_id FROM events) AS e
WHERE user_id NOT IN (SELECT user_id FROM known)
