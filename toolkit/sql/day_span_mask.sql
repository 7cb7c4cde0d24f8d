-- A macro: the day mask (bit d - 1 for day d, as in the monthly aggregates' day masks) of the
-- days of month index mi that lie in the span first_day .. last_day (dates, inclusive).
CREATE OR REPLACE TEMP MACRO day_span_mask(mi, first_day, last_day) AS
    ((1::UBIGINT << (CASE WHEN mi = year(last_day) * 12 + month(last_day) - 1
                          THEN day(last_day) ELSE 31 END)::UBIGINT) - 1::UBIGINT)
    & ~((1::UBIGINT << (CASE WHEN mi = year(first_day) * 12 + month(first_day) - 1
                            THEN day(first_day) - 1 ELSE 0 END)::UBIGINT) - 1::UBIGINT)
