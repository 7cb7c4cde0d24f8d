-- Users with an event in $referral_events (the funnel's referral step): one row per user.
-- The one funnel input read from the events, and only when referral events are configured.
SELECT DISTINCT user_id FROM events WHERE user_id IS NOT NULL AND list_contains($referral_events, event_name)
