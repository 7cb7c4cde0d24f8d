-- Difference-in-differences input for a campaign without a control arm: one row per user
-- (members of $campaign_id and, as the comparison, every other user who entered before the
-- campaign month: a qualifying event or a registration before its first day), with activity in
-- the campaign period and in the period of equal length before it, from the monthly
-- aggregates and `campaign_periods` (day masks of both periods).
--   treated  member of the campaign
--   before   a qualifying event in [start - length, start - 1]
--   after    a qualifying event in [start, end]
WITH c AS (
    SELECT year(start_date) * 12 + month(start_date) - 1 AS mi FROM campaigns WHERE campaign_id = $campaign_id
),
members AS (SELECT DISTINCT user_id FROM campaign_members WHERE campaign_id = $campaign_id),
entered AS (
    SELECT a.user_id FROM agg_user_month AS a, c WHERE a.active AND a.mi < c.mi
    UNION
    SELECT r.user_id FROM agg_registrations AS r, c WHERE r.mi < c.mi
),
acts AS (
    SELECT a.user_id, bool_or(k.period = 'before') AS before, bool_or(k.period = 'during') AS after
    FROM campaign_periods AS k
    JOIN agg_user_month AS a ON a.mi = k.mi AND a.q_days::UBIGINT & k.mask <> 0
    WHERE k.campaign_id = $campaign_id
    GROUP BY a.user_id
)
SELECT u.user_id, m.user_id IS NOT NULL AS treated,
       coalesce(a.before, false) AS before, coalesce(a.after, false) AS after
FROM (SELECT user_id FROM entered UNION SELECT user_id FROM members) AS u
LEFT JOIN members AS m USING (user_id)
LEFT JOIN acts AS a USING (user_id)
