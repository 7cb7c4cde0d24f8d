-- The rows of the events source that the analyses cannot use, per source file: one row per file.
-- Reads the view `event_check_rows` (made by the store from the source): file, user_id_raw / user_id (as read / as normalised), time_raw / event_time,
-- event_name.  A value that is present as read but empty after normalising did not parse.
-- future: usable rows later than $horizon (the run's "now"), left out of every analysis.
-- last_time: the latest usable time (a file's counts are reused while it is not after the horizon).
-- span_first / span_last: the earliest and latest time of the rows `events` keeps (usable, not after
-- $horizon): the period of the data, kept with the counts so that a run need not scan for it.
SELECT
    file,
    count(*)                                                                           AS rows,
    count(*) FILTER (WHERE user_id_raw IS NULL)                                        AS null_user_id,
    count(*) FILTER (WHERE user_id_raw IS NOT NULL AND user_id IS NULL)                AS bad_user_id,
    CAST(any_value(user_id_raw) FILTER (WHERE user_id_raw IS NOT NULL AND user_id IS NULL) AS VARCHAR)
                                                                                       AS bad_user_id_example,
    count(*) FILTER (WHERE time_raw IS NULL)                                           AS null_event_time,
    count(*) FILTER (WHERE time_raw IS NOT NULL AND event_time IS NULL)                AS bad_event_time,
    CAST(any_value(time_raw) FILTER (WHERE time_raw IS NOT NULL AND event_time IS NULL) AS VARCHAR)
                                                                                       AS bad_event_time_example,
    count(*) FILTER (WHERE event_name IS NULL)                                         AS null_event_name,
    count(*) FILTER (WHERE user_id IS NULL OR event_time IS NULL OR event_name IS NULL) AS unusable,
    count(*) FILTER (WHERE user_id IS NOT NULL AND event_name IS NOT NULL AND event_time > $horizon)
                                                                                       AS future,
    max(event_time) FILTER (WHERE user_id IS NOT NULL AND event_name IS NOT NULL)      AS last_time,
    min(event_time) FILTER (WHERE user_id IS NOT NULL AND event_name IS NOT NULL AND event_time <= $horizon)
                                                                                       AS span_first,
    max(event_time) FILTER (WHERE user_id IS NOT NULL AND event_name IS NOT NULL AND event_time <= $horizon)
                                                                                       AS span_last
FROM event_check_rows
GROUP BY file
ORDER BY file
