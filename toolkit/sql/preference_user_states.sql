-- The lifecycle states in month $mi of the users with activity in the preference window
-- (`preference_users`, preference_users.sql), from `lifecycle_user_states`
-- (lifecycle_user_states.sql): one row per such user.  The users without activity in the
-- window are counted, not listed: preference_unknown_groups.sql.
SELECT s.user_id, s.state, s.months_inactive
FROM lifecycle_user_states AS s
SEMI JOIN preference_users AS p ON p.user_id = s.user_id
