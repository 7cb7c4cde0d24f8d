-- Health of the events table as read (every row, also those the analyses leave out): one row.
-- rows, distinct users, first and last event time, nulls in the required
-- columns, exact duplicate rows (equal in every column), and events after $now.
SELECT
    count(*)                                             AS rows,
    count(DISTINCT user_id)                              AS users,
    min(event_time)                                      AS first_event,
    max(event_time)                                      AS last_event,
    count(*) - count(user_id)                            AS null_user_id,
    count(*) - count(event_time)                         AS null_event_time,
    count(*) - count(event_name)                         AS null_event_name,
    count(*) - count(DISTINCT e)                         AS duplicate_rows,
    count(*) FILTER (WHERE event_time > $now)            AS future_events
FROM events_all AS e
