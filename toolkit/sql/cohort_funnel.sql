-- AARRR funnel per entry-month cohort: one row per entry month, from `lifecycle_words`
-- (entry months, and the qualifying bit of the month after entry: bit 2p of its word).
--   acquired   users entering in the month
--   activated  of them, users of a feature (a feature_map event with a category) in the entry month
--   retained   of them, active in the month after entry
--   paying     of them, with an order in the entry month or the two after
--   referring  of them, with an event in $referral_events at any time (NULL when none are configured)
WITH entries AS (SELECT user_id, entry FROM lifecycle_words WHERE w = (entry - $phase) // 32),
activated AS (
    SELECT DISTINCT e.user_id
    FROM events AS e
    JOIN feature_map AS f ON f.event_name = e.event_name AND coalesce(trim(f.category), '') <> ''
    JOIN entries AS n ON n.user_id = e.user_id
    WHERE year(e.event_time) * 12 + month(e.event_time) - 1 = n.entry
),
retained AS (
    SELECT user_id FROM lifecycle_words
    WHERE entry + 1 <= $last_mi AND w = (entry + 1 - $phase) // 32
      AND (bits >> (2 * ((entry + 1 - $phase) % 32))::UBIGINT) & 1 = 1
),
paying AS (
    SELECT DISTINCT o.user_id FROM orders AS o JOIN entries AS n USING (user_id)
    WHERE year(o.order_time) * 12 + month(o.order_time) - 1 BETWEEN n.entry AND n.entry + 2
),
referring AS (SELECT DISTINCT user_id FROM events WHERE list_contains($referral_events, event_name))
SELECT n.entry AS mi,
       count(*)            AS acquired,
       count(a.user_id)    AS activated,
       count(r.user_id)    AS retained,
       count(p.user_id)    AS paying,
       CASE WHEN len($referral_events) = 0 THEN NULL ELSE count(f.user_id) END AS referring
FROM entries AS n
LEFT JOIN activated AS a USING (user_id)
LEFT JOIN retained AS r USING (user_id)
LEFT JOIN paying AS p USING (user_id)
LEFT JOIN referring AS f USING (user_id)
GROUP BY n.entry
ORDER BY n.entry
