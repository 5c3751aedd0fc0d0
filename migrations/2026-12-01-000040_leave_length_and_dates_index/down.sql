CREATE INDEX leave_requests_dates_idx ON leave_requests (start_date, end_date) WHERE status = 'approved';
DROP INDEX leave_requests_start_end_idx;
ALTER TABLE leave_requests DROP CONSTRAINT leave_requests_at_most_a_year;
