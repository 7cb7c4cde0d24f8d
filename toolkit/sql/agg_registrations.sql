-- Registrations: one row per user with a registered_at, in the month of the earliest one, for
-- the users whose earliest registration is in [$start, $end): the users with a registration
-- in that period are found first (a build reads the registrations of the months it computes),
-- then their earliest over all their rows (a user registered again in a later month keeps
-- the month of the first).
WITH reg AS (
    SELECT user_id, registered_at FROM users WHERE user_id IS NOT NULL AND registered_at IS NOT NULL
)
SELECT user_id, min(year(registered_at) * 12 + month(registered_at) - 1) AS mi
FROM reg
WHERE user_id IN (SELECT user_id FROM reg WHERE registered_at >= $start AND registered_at < $end)
GROUP BY user_id
HAVING min(registered_at) >= $start
