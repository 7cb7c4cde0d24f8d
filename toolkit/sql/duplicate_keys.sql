-- Keys that occur more than once in a small table: one row, the number of duplicated keys,
-- the number of surplus rows and one example key.  Reads `keyed` (one column `k`, the key).
SELECT count(*) AS keys, coalesce(sum(n - 1), 0) AS surplus_rows, CAST(any_value(k) AS VARCHAR) AS example
FROM (SELECT k, count(*) AS n FROM keyed WHERE k IS NOT NULL GROUP BY k HAVING count(*) > 1)
