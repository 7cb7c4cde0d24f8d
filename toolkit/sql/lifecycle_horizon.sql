-- The lifecycle horizon: one row (first_mi, last_mi).
-- first_mi: the first entry month (qualifying event or registration);
-- last_mi: the last month with a qualifying or signal event or a registration.
SELECT min(mi) FILTER (WHERE active OR registered), max(mi)
FROM (
    SELECT mi, active, false AS registered FROM user_months
    UNION ALL
    SELECT year(registered_at) * 12 + month(registered_at) - 1, false, true
    FROM users WHERE user_id IS NOT NULL AND registered_at IS NOT NULL
)
