ALTER TABLE leave_requests DROP CONSTRAINT leave_requests_no_overlap;
ALTER TABLE leave_requests DROP COLUMN overlap_allowed;
DROP FUNCTION leave_span(date, boolean, date, boolean);
DROP EXTENSION IF EXISTS btree_gist;
