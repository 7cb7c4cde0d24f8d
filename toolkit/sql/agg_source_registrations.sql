-- The fingerprint of the registrations behind each month: one row per month with
-- registrations (from agg_registrations.sql, `agg_reg`): users and a checksum of their ids.
SELECT mi, count(*) AS rows, sum(hash(user_id))::VARCHAR AS checksum FROM agg_reg GROUP BY mi
