-- A digest of the segment lookup of the users column $by (`agg_user_segments`): one row, the
-- number of users with a value and a sum of a hash of each (user, value) pair.  Any change of
-- a user's value, or a user gaining or losing one, changes it (up to hash collisions); the
-- kept segment cells are named by it (toolkit/aggregates/segments.py).
SELECT count(*) AS users, coalesce(sum(hash(user_id, segment)::HUGEINT), 0)::VARCHAR AS total
FROM agg_user_segments
WHERE segment_column = $by
