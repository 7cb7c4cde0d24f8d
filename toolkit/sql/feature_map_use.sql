-- Each feature_map row with the events of its name in the data: one row per (event_name,
-- category as trimmed, '' for not a feature), 0 events for a name the data never hold.
SELECT f.event_name, coalesce(trim(f.category), '') AS category, count(e.event_name) AS events
FROM (SELECT DISTINCT event_name, category FROM feature_map WHERE event_name IS NOT NULL) AS f
LEFT JOIN events AS e ON e.event_name = f.event_name
GROUP BY ALL
ORDER BY category, events DESC, f.event_name
