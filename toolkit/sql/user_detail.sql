-- Monthly user detail (人工表格分析, domain.md section 8): one row per user with events before
-- month $end_mi, from the monthly aggregates `agg_user_last` (months up to $end_mi - 1) and
-- `agg_user_month`; "the last 3 months" are months $start_mi .. $end_mi - 1.
--   last_active_time / last_event     the last qualifying event
--   drove_3m                          an offline-signal event in the window (是否开车)
--   last_feature / last_feature_time  the last qualifying event with a feature category (last page or feature used)
--   last_core_event / _time           the last event of category $core_category (e.g. 最近一次控车功能)
-- Events at the same last time: the name last in alphabetical order (agg_user_last.sql), the same
-- every run.
WITH last AS (
    SELECT user_id,
           max(last_q_time)                                                         AS last_active_time,
           arg_max(last_q_event, struct_pack(t := last_q_time, n := last_q_event))  AS last_event,
           arg_max(last_q_event, struct_pack(t := last_q_time, n := last_q_event))
               FILTER (WHERE category IS NOT NULL)                                  AS last_feature,
           max(last_q_time) FILTER (WHERE category IS NOT NULL)                     AS last_feature_time,
           arg_max(last_event, struct_pack(t := last_time, n := last_event))
               FILTER (WHERE category = $core_category)                             AS last_core_event,
           max(last_time) FILTER (WHERE category = $core_category)                  AS last_core_time
    FROM agg_user_last
    WHERE mi < $end_mi
    GROUP BY user_id
),
drove AS (
    SELECT user_id, bool_or(signal) AS drove_3m FROM agg_user_month
    WHERE mi >= $start_mi AND mi < $end_mi GROUP BY user_id
)
SELECT l.user_id, l.last_active_time, l.last_event, coalesce(d.drove_3m, false) AS drove_3m,
       l.last_feature, l.last_feature_time, l.last_core_event, l.last_core_time
FROM last AS l LEFT JOIN drove AS d USING (user_id)
