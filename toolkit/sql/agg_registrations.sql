-- Registrations: one row per user with a registered_at, in the month of the earliest one.
SELECT user_id, min(year(registered_at) * 12 + month(registered_at) - 1) AS mi
FROM users
WHERE user_id IS NOT NULL AND registered_at IS NOT NULL
GROUP BY user_id
