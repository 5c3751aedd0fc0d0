ALTER TABLE leave_requests
    DROP CONSTRAINT leave_requests_ended_whole,
    DROP COLUMN ended_note,
    DROP COLUMN ended_at,
    DROP COLUMN ended_by,
    DROP COLUMN planned_end_am,
    DROP COLUMN planned_end_date;
