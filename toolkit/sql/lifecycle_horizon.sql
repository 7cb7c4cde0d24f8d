-- The lifecycle horizon, from the monthly aggregates: one row with
--   first_mi  the first entry month: the earliest qualifying event or registration
--   last_mi   the last month with a qualifying or signal event or a registration
SELECT least((SELECT min(mi) FROM agg_user_month WHERE active), (SELECT min(mi) FROM agg_registrations)) AS first_mi,
       greatest((SELECT max(mi) FROM agg_user_month WHERE active OR signal),
                (SELECT max(mi) FROM agg_registrations)) AS last_mi
