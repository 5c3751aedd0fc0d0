-- A leave lasts at most 366 days, both ends counted (the form's limit,
-- leave::MAX_DAYS); the database now refuses a longer one too. Knowing that, the
-- month's register reads a month's leave, in any state, from an index on the
-- first day starting 365 days before the month, instead of reading every row
-- but approved leave (the only state the old partial index held).
ALTER TABLE leave_requests
    ADD CONSTRAINT leave_requests_at_most_a_year CHECK (end_date - start_date <= 365);
CREATE INDEX leave_requests_start_end_idx ON leave_requests (start_date, end_date);
DROP INDEX leave_requests_dates_idx;
