-- What a Parquet file's statistics say about its event times: one row with the earliest and
-- latest event_time over its row groups, its rows, and whether every row group has both
-- statistics.  The aggregate layer takes a file whose times lie in one month as holding
-- that month's rows without reading it (naive timestamps only: they are business-local).
SELECT min(TRY_CAST(stats_min_value AS TIMESTAMP)) AS first_time,
       max(TRY_CAST(stats_max_value AS TIMESTAMP)) AS last_time,
       sum(row_group_num_rows)::BIGINT AS rows,
       bool_and(TRY_CAST(stats_min_value AS TIMESTAMP) IS NOT NULL
                AND TRY_CAST(stats_max_value AS TIMESTAMP) IS NOT NULL
                AND coalesce(stats_null_count, 0) = 0) AS complete
FROM parquet_metadata($path)
WHERE lower(path_in_schema) = 'event_time'
