-- The periods of each campaign as month day masks (the layout of agg_user_month's q_days):
-- one row per campaign, period and month the period touches.
--   period  'during': start_date .. end_date; 'before': the days of equal length right before
--   mask    bit d - 1 set for each day d of month mi inside the period
-- Campaigns without both dates, or ending before they start, have no rows.
WITH periods AS (
    SELECT campaign_id, 'during' AS period, start_date AS first_day, end_date AS last_day FROM campaigns
    UNION ALL
    SELECT campaign_id, 'before', start_date - CAST((end_date - start_date) + 1 AS INTEGER), start_date - 1
    FROM campaigns
),
months AS (
    SELECT campaign_id, period, first_day, last_day,
           unnest(range(year(first_day) * 12 + month(first_day) - 1,
                        year(last_day) * 12 + month(last_day))) AS mi
    FROM periods
    WHERE first_day <= last_day
)
SELECT campaign_id, period, mi,
       day_span_mask(mi, first_day, last_day) AS mask   -- day_span_mask.sql
FROM months
