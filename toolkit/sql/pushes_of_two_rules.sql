-- Push months in which users have pushes of more than one rule (a user gets one rule a month,
-- the first by priority; a second rules file run for the month pushed them again): one row per
-- month with the users and the rules involved.
SELECT m AS month, count(*) AS users, list_sort(list_distinct(flatten(list(rules)))) AS rules
FROM (
    SELECT user_id, strftime(sent_at, '%Y-%m') AS m, list(DISTINCT rule_id) AS rules
    FROM pushes
    WHERE user_id IS NOT NULL AND sent_at IS NOT NULL
    GROUP BY ALL
    HAVING len(rules) > 1
)
GROUP BY m
ORDER BY m
