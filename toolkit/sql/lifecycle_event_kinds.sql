-- The events as the lifecycle scans read them: one row per event with
--   mi     its month, year * 12 + month - 1 (business-local; event_time is already local)
--   kind   bit 0: qualifying (event_name in $active_events; when that is empty, every
--          event not a signal), bit 1: offline signal (event_name in $signal_events)
-- When every other event qualifies, the name is looked up once (DuckDB folds the CASE
-- on the bound list): a second lookup per event costs about a tenth of the scan.
SELECT user_id,
       year(event_time) * 12 + month(event_time) - 1 AS mi,
       CASE WHEN len($active_events) = 0
            THEN 1 + list_contains($signal_events, event_name)::UTINYINT
            ELSE list_contains($active_events, event_name)::UTINYINT
                 + 2 * list_contains($signal_events, event_name)::UTINYINT END AS kind
FROM events
