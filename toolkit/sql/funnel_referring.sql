-- The funnel's referral step: one row per entered user with an event of $referral_events (the
-- configuration's referral_events) in a month from their entry month to $to_mi, from the
-- monthly aggregate of event names (`agg_user_events`), never the events.
SELECT DISTINCT e.user_id
FROM agg_user_events AS e
JOIN lifecycle_current AS n ON n.user_id = e.user_id AND n.mi = n.entry
WHERE list_contains($referral_events, e.event_name) AND e.mi BETWEEN n.entry AND $to_mi
