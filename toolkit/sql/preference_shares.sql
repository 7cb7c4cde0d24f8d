-- Preference shares (domain.md section 6) from `preference_days`: one row per (user, category)
-- used in the window.  share = active days with the category / active days (shares of a user
-- need not add up to 1).
WITH active AS (
    SELECT user_id, count(DISTINCT day) AS active_days FROM preference_days GROUP BY user_id
)
SELECT d.user_id, d.category, count(*) AS days, any_value(a.active_days) AS active_days,
       count(*) / any_value(a.active_days) AS share
FROM preference_days AS d
JOIN active AS a USING (user_id)
WHERE d.category IS NOT NULL
GROUP BY d.user_id, d.category
