-- Users with at least one active day in the preference window: one row per user with their active days.
SELECT user_id, count(DISTINCT day) AS active_days FROM preference_days GROUP BY user_id
