-- Event names that feature_map gives two or more different categories (a category left empty
-- counts as one, "not a feature"): one row per such name, its categories in order of name.
SELECT event_name, list(DISTINCT coalesce(trim(category), '') ORDER BY coalesce(trim(category), '')) AS categories
FROM feature_map
WHERE event_name IS NOT NULL
GROUP BY event_name
HAVING count(DISTINCT coalesce(trim(category), '')) > 1
ORDER BY event_name
