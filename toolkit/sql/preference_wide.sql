-- Shares wide: one row per user with a categorised active day in the window, one column
-- share_<category> per category used by anyone (from `preference_long`).
PIVOT (SELECT user_id, 'share_' || category AS category, share FROM preference_long WHERE category IS NOT NULL)
ON category USING first(share)
GROUP BY user_id
