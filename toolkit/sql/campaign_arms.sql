-- Campaign outcomes per arm: one row per (campaign, arm).
-- members: users of the arm; converted: members with a qualifying event between the
-- campaign's start_date and end_date (inclusive, business-local days); ordered: members
-- with an order in that period.
WITH active_days AS (
    SELECT DISTINCT user_id, CAST(event_time AS DATE) AS day
    FROM events
    WHERE user_id IN (SELECT user_id FROM campaign_members)
      AND CASE WHEN len($active_events) = 0 THEN NOT list_contains($signal_events, event_name)
               ELSE list_contains($active_events, event_name) END
)
SELECT c.campaign_id, lower(trim(m.arm)) AS arm,
       count(DISTINCT m.user_id) AS members,
       count(DISTINCT m.user_id) FILTER (WHERE EXISTS (
           SELECT 1 FROM active_days a
           WHERE a.user_id = m.user_id AND a.day BETWEEN c.start_date AND c.end_date)) AS converted,
       count(DISTINCT m.user_id) FILTER (WHERE EXISTS (
           SELECT 1 FROM orders o
           WHERE o.user_id = m.user_id AND CAST(o.order_time AS DATE) BETWEEN c.start_date AND c.end_date)) AS ordered
FROM campaigns AS c
JOIN campaign_members AS m ON m.campaign_id = c.campaign_id
WHERE m.user_id IS NOT NULL
GROUP BY ALL
ORDER BY c.campaign_id, arm
