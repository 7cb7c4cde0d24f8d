-- Scene evaluation: one row per (rule, push month, arm): users pushed and users reactivated
-- (a user pushed twice in a month counts once, reactivated when either push was followed by a
-- qualifying event), from the outcomes of every push (scene_push_outcomes.sql, in front of
-- this query as a common table expression): only pushes whose $days days end by $until.
SELECT rule_id, month, arm, count(DISTINCT user_id) AS pushed,
       count(DISTINCT user_id) FILTER (WHERE reactivated) AS reactivated
FROM scene_push_outcomes
GROUP BY ALL
ORDER BY rule_id, month, arm
