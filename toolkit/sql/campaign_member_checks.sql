-- What in campaign_members would make a campaign's numbers wrong or leave members out, one
-- row per finding (campaign_effects.check_campaigns words them):
--   kind   'arm'   an arm value other than treatment / control (key: the value as written,
--                  lower-cased and trimmed; NULL for an empty arm)
--          'both'  users who are members of both arms of a campaign (key: the campaign)
--          'held'  members per campaign (key: the campaign), for campaigns without members and
--                  members of campaigns missing from the campaigns table
--   n      members (rows) or users
WITH arms AS (
    SELECT campaign_id, user_id, lower(trim(CAST(arm AS VARCHAR))) AS arm FROM campaign_members
)
SELECT 'arm' AS kind, arm AS key, count(*) AS n FROM arms
WHERE arm IS NULL OR arm NOT IN ('treatment', 'control')
GROUP BY ALL
UNION ALL
SELECT 'both', campaign_id, count(*) FROM (
    SELECT campaign_id, user_id FROM arms GROUP BY ALL HAVING count(DISTINCT arm) > 1
) GROUP BY ALL
UNION ALL
SELECT 'held', campaign_id, count(*) FROM arms GROUP BY ALL
ORDER BY kind, n DESC, key
