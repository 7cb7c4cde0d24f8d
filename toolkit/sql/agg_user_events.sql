-- Monthly aggregate of event names, for the months in [$start, $end) (business-local times):
-- one row per user, month and event name the user had in the month.  Computed per month on
-- demand (toolkit/aggregates/build.py ensure_monthly), e.g. for the funnel's referral step
-- (the users with an event of `referral_events`).
--   mi      the month, year * 12 + month - 1
--   events  events of that name in the month
SELECT user_id, year(event_time) * 12 + month(event_time) - 1 AS mi, event_name, count(*)::BIGINT AS events
FROM events
WHERE event_time >= $start AND event_time < $end AND user_id IS NOT NULL AND event_name IS NOT NULL
GROUP BY user_id, year(event_time) * 12 + month(event_time) - 1, event_name
