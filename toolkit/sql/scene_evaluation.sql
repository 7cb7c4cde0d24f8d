-- Scene evaluation: one row per (rule, push month, arm): users pushed and users
-- reactivated, i.e. with a qualifying event after sent_at and within $days days of it.
WITH p AS (
    SELECT rule_id, strftime(sent_at, '%Y-%m') AS month, lower(trim(arm)) AS arm, user_id, sent_at
    FROM pushes WHERE user_id IS NOT NULL AND sent_at IS NOT NULL
),
hits AS (
    SELECT DISTINCT p.rule_id, p.month, p.user_id
    FROM p JOIN events AS e ON e.user_id = p.user_id
    WHERE e.event_time > p.sent_at AND e.event_time <= p.sent_at + to_days(CAST($days AS INTEGER))
      AND CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, e.event_name)
               ELSE list_contains($active_events, e.event_name) END
)
SELECT p.rule_id, p.month, p.arm, count(DISTINCT p.user_id) AS pushed, count(DISTINCT h.user_id) AS reactivated
FROM p LEFT JOIN hits AS h USING (rule_id, month, user_id)
GROUP BY ALL
ORDER BY p.rule_id, p.month, p.arm
