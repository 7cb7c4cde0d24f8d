-- Per-user segment lookup from the users table (a small dimension table, read whole each run):
-- one row per user and segment column of $columns (the configuration's segment_columns) with
-- a value, in long form.
--   segment_column  the users column
--   segment         its value as text, from the user's earliest registration row (the
--                   registration that gives the entry month); users without a value have
--                   no row here and are the segment 'unknown' wherever a breakdown joins it
-- COLUMNS() picks the configured columns by name, so no column name is formatted into the text.
SELECT user_id, segment_column, segment
FROM (
    UNPIVOT (
        SELECT user_id, CAST(COLUMNS(lambda c: list_contains($columns, c)) AS VARCHAR)
        FROM (SELECT * FROM users WHERE user_id IS NOT NULL
              QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY registered_at NULLS LAST) = 1)
    ) ON COLUMNS(* EXCLUDE (user_id)) INTO NAME segment_column VALUE segment
)
WHERE trim(segment) <> ''
