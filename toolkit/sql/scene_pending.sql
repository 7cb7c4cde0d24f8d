-- Pushes sent by $end whose $days days after the push day are not over on $end (their outcome
-- is not known yet; scenes.evaluate leaves them out): one row per push month with the pushes.
SELECT strftime(sent_at, '%Y-%m') AS month, count(*) AS pushes
FROM pushes
WHERE user_id IS NOT NULL AND sent_at IS NOT NULL
  AND CAST(sent_at AS DATE) <= CAST($end AS DATE)
  AND CAST(sent_at AS DATE) + CAST($days AS INTEGER) > CAST($end AS DATE)
GROUP BY ALL
ORDER BY month
