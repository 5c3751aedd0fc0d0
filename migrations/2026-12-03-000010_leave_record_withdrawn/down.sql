ALTER TABLE leave_requests
    DROP CONSTRAINT leave_requests_withdrawn_together,
    DROP COLUMN withdrawn_note,
    DROP COLUMN withdrawn_at,
    DROP COLUMN withdrawn_by;
