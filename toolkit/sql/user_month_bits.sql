-- The one scan of the events: one row per user and "word" of 32 consecutive months,
-- with two bits per month (bit 2p: a qualifying event in the word's month p;
-- bit 2p + 1: an offline-signal event in it), from `lifecycle_event_kinds` (months
-- and kinds of the events).
-- Month mi lies in word (mi - $phase) // 32 at position (mi - $phase) % 32, where
-- $phase (< 0, from the first event row) only decides where words start, so that a
-- history of up to 32 months usually fits one word; the results do not depend on it.
-- Grouping by user (and word) instead of (user, month) keeps the hash table small;
-- rows without a user or time, and events of neither kind, are dropped after grouping.
-- Registrations join in later (lifecycle_words.sql), off the hot path of the scan.
SELECT user_id, (mi - $phase) // 32 AS w,
       bit_or(kind::UBIGINT << (2 * ((mi - $phase) % 32))::UBIGINT) AS bits
FROM lifecycle_event_kinds
GROUP BY user_id, w
HAVING user_id IS NOT NULL AND w IS NOT NULL AND bits <> 0
