-- The lifecycle states in month $mi of every user entered by then, from `lifecycle_user_states`
-- (lifecycle_user_states.sql), in one pass: the users with activity in the preference window
-- (`preference_users`, preference_users.sql) are listed, the others (no tag, 'unknown':
-- domain.md section 6) counted, not listed.
--   listed           a row of one user with activity in the window; false on the rows that
--                    count the others
--   user_id          the listed user (on the counting rows: one of the counted users, so that
--                    the column keeps its type without NULLs)
--   state            the user's state / the counted users' state
--   months_inactive  months in a row without activity, ending with $mi
--   n                1 for a listed user; else the users of the (state, months_inactive)
--                    without activity in the window
SELECT p.user_id IS NOT NULL AS listed, any_value(s.user_id) AS user_id, s.state, s.months_inactive,
       count(*) AS n
FROM lifecycle_user_states AS s
LEFT JOIN preference_users AS p ON p.user_id = s.user_id
GROUP BY p.user_id IS NOT NULL, p.user_id, s.state, s.months_inactive
