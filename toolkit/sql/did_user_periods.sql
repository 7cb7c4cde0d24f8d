-- Difference-in-differences input for a campaign without a control arm: one row per user
-- (members of $campaign_id and, as the comparison, every other user who entered before the
-- campaign month: a qualifying event or a registration before its first day), with activity in
-- the campaign period and in the period of equal length before it.
--   treated  member of the campaign
--   before   a qualifying event in [start - length, start - 1]
--   after    a qualifying event in [start, end]
WITH c AS (
    SELECT start_date AS s, end_date AS e, CAST((end_date - start_date) + 1 AS INTEGER) AS len
    FROM campaigns WHERE campaign_id = $campaign_id
),
members AS (SELECT DISTINCT user_id FROM campaign_members WHERE campaign_id = $campaign_id),
entered AS (
    SELECT DISTINCT e.user_id FROM events AS e, c
    WHERE e.user_id IS NOT NULL AND e.event_time < date_trunc('month', c.s)
      AND CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, e.event_name)
               ELSE list_contains($active_events, e.event_name) END
    UNION
    SELECT u.user_id FROM users AS u, c
    WHERE u.user_id IS NOT NULL AND u.registered_at < date_trunc('month', c.s)
),
acts AS (
    SELECT user_id,
           bool_or(CAST(event_time AS DATE) BETWEEN c.s - c.len AND c.s - 1) AS before,
           bool_or(CAST(event_time AS DATE) BETWEEN c.s AND c.e) AS after
    FROM events, c
    WHERE CAST(event_time AS DATE) BETWEEN c.s - c.len AND c.e
      AND CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, event_name)
               ELSE list_contains($active_events, event_name) END
    GROUP BY user_id
)
SELECT u.user_id, m.user_id IS NOT NULL AS treated,
       coalesce(a.before, false) AS before, coalesce(a.after, false) AS after
FROM (SELECT user_id FROM entered UNION SELECT user_id FROM members) AS u
LEFT JOIN members AS m USING (user_id)
LEFT JOIN acts AS a USING (user_id)
