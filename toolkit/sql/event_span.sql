-- The period of the (cleaned) events as the store's event checks found it (events_span, one row:
-- the first and the last kept event time, business-local), without scanning the events again.
-- The months a command accepts and the last complete month derive from it.
SELECT first_time, last_time FROM events_span
