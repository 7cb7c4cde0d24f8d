-- The users entered by month $mi without activity in the preference window (no tag,
-- 'unknown': domain.md section 6), counted instead of listed: one row per (state,
-- months_inactive) of `lifecycle_user_states` (lifecycle_user_states.sql) among the users
-- not in `preference_users`.
--   n  users
SELECT s.state, s.months_inactive, count(*) AS n
FROM lifecycle_user_states AS s
ANTI JOIN preference_users AS p ON p.user_id = s.user_id
GROUP BY ALL
