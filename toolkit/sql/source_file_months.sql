-- Rows of the events per file of a folder source and month (business-local), for the
-- fingerprints: one row per file and month with events, over `event_files` (the normalised
-- events of the files read, every row, with the column source_file).
SELECT source_file, year(event_time) * 12 + month(event_time) - 1 AS mi, count(*) AS rows
FROM event_files
WHERE event_time IS NOT NULL
GROUP BY ALL
