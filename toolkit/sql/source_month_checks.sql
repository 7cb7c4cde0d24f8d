-- Rows and a checksum of the events per month (business-local), the fingerprint of an events
-- source outside the data folder (a Spark catalog table or path), read whole each run: with
-- no file sizes or times to compare, a month's events corrected in place (the same count of
-- rows, other values: an overwritten Hive partition) change its checksum.  One row per month
-- with events (events without a time are not in any month).
SELECT year(event_time) * 12 + month(event_time) - 1 AS mi, count(*) AS rows,
       sum(hash(user_id, event_time, event_name)) AS checksum
FROM events
WHERE event_time IS NOT NULL
GROUP BY ALL
