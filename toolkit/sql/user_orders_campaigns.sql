-- Per user up to the end of the month ($end, exclusive): the last order and the campaigns
-- joined whose period overlaps [$start, $end).  One row per user with either.
WITH o AS (
    SELECT user_id, max(order_time) AS last_order_time,
           -- two orders at the last time: the larger amount (and its item), the same every run
           arg_max(amount, struct_pack(t := order_time, a := amount)) AS last_order_amount,
           arg_max(CAST(item AS VARCHAR), struct_pack(t := order_time, a := amount, i := CAST(item AS VARCHAR)))
               AS last_order_item
    FROM orders WHERE order_time < $end GROUP BY user_id
),
c AS (
    SELECT m.user_id, string_agg(DISTINCT m.campaign_id, ',' ORDER BY m.campaign_id) AS campaigns_3m
    FROM campaign_members AS m JOIN campaigns AS k USING (campaign_id)
    WHERE k.start_date < CAST($end AS DATE) AND k.end_date >= CAST($start AS DATE)
    GROUP BY m.user_id
)
SELECT * FROM o FULL OUTER JOIN c USING (user_id)
