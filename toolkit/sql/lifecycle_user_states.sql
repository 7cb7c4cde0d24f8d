-- Each user's lifecycle state in month $mi: one row per user who has entered by $mi, from
-- `lifecycle_states` (lifecycle_states.sql).
--   state           one of the seven states (domain.md section 3)
--   last_active_mi  the user's last active month up to $mi (the entry month counts as active)
--   months_inactive months in a row without activity, ending with $mi (0 when active)
--   signal_recent   an offline-signal event in the last $k months ending with $mi
SELECT user_id, state, mi - inactive AS last_active_mi, inactive AS months_inactive, signal_recent
FROM lifecycle_states
WHERE mi = $mi
