-- Event names that have no row in feature_map: one row per event name, most frequent first.
-- A feature_map row whose category is empty marks a name deliberately left out (e.g. app_open).
SELECT e.event_name, count(*) AS events
FROM events AS e
ANTI JOIN feature_map AS f ON f.event_name = e.event_name
GROUP BY ALL
ORDER BY events DESC, e.event_name
