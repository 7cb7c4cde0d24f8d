-- The lifecycle horizon, from the monthly aggregates: one row with
--   act_first  the first month with a qualifying event, looked for in $first_from .. $first_to
--   act_last   the last month with a qualifying or signal event, in $last_from .. $last_to
--   reg_first  the first month with a registration, in $first_from .. $first_to
--   reg_last   the last month with a registration, in $last_from .. $last_to
--   ev_first   the first month with any event, in $first_from .. $first_to
-- The lifecycle runs from least(act_first, reg_first) (the first entry month) to
-- greatest(act_last, reg_last), and is shown from greatest(that, ev_first): months of
-- registrations before the events begin hold no activity to read.  The bounds are constants, so that only those months'
-- aggregates are read: the caller looks at the first and the last month of the aggregates,
-- then year, and reads every month only for a value those do not give (Lifecycle._horizon).
SELECT (SELECT min(mi) FROM agg_user_month WHERE active AND mi BETWEEN $first_from AND $first_to) AS act_first,
       (SELECT max(mi) FROM agg_user_month WHERE (active OR signal) AND mi BETWEEN $last_from AND $last_to) AS act_last,
       (SELECT min(mi) FROM agg_registrations WHERE mi BETWEEN $first_from AND $first_to) AS reg_first,
       (SELECT max(mi) FROM agg_registrations WHERE mi BETWEEN $last_from AND $last_to) AS reg_last,
       (SELECT min(mi) FROM agg_user_month WHERE mi BETWEEN $first_from AND $first_to) AS ev_first
