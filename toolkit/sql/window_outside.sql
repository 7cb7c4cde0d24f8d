-- How many users of `user_window_bits` have events outside the window (bit 127 set):
-- one row, one number; when it is not 0 Lifecycle runs the general scan.
SELECT count(*) FROM user_window_bits WHERE bits >> 127 <> 0::UHUGEINT
