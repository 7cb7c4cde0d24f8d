-- The fingerprint of the registrations behind each month: one row per month with
-- registrations (a user's month is that of their earliest registration, as in
-- agg_registrations.sql): users and a checksum of their ids.
SELECT mi, count(*) AS rows, sum(hash(user_id))::VARCHAR AS checksum
FROM (
    SELECT user_id, min(year(registered_at) * 12 + month(registered_at) - 1) AS mi
    FROM users
    WHERE user_id IS NOT NULL AND registered_at IS NOT NULL
    GROUP BY user_id
)
GROUP BY mi
