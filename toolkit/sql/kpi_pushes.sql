-- Pushes sent per month (the monitoring table 监控表): one row per month with a push.
--   mi      the month of sent_at, year * 12 + month - 1
--   pushes  messages sent (both arms: the control arm is selected, not sent, but planned alike)
SELECT year(sent_at) * 12 + month(sent_at) - 1 AS mi, count(*)::BIGINT AS pushes
FROM pushes
WHERE sent_at IS NOT NULL
GROUP BY ALL
