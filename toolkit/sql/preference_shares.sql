-- Preference shares (domain.md section 6) from `preference_days`: one row per (user, category)
-- used in the window, and one row with an empty category for a user whose active days had no
-- category at all.  share = active days with the category / active days (shares of a user need
-- not add up to 1).
WITH active AS (
    SELECT user_id, count(DISTINCT day) AS active_days FROM preference_days GROUP BY user_id
),
used AS (
    SELECT user_id, category, count(*) AS days FROM preference_days WHERE category IS NOT NULL GROUP BY ALL
)
SELECT a.user_id, a.active_days, u.category, u.days, u.days / a.active_days AS share
FROM active AS a LEFT JOIN used AS u USING (user_id)
