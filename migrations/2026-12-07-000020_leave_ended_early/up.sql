-- Approved leave ended before its planned last day (the employee came back
-- early, or the dates approved were wrong): the end moves, the planned one is
-- kept, with who recorded the change, when and why.
ALTER TABLE leave_requests
    ADD COLUMN planned_end_date DATE,
    ADD COLUMN planned_end_am BOOLEAN,
    ADD COLUMN ended_by BIGINT REFERENCES users (id),
    ADD COLUMN ended_at TIMESTAMPTZ,
    ADD COLUMN ended_note TEXT NOT NULL DEFAULT '' CHECK (char_length(ended_note) <= 500),
    ADD CONSTRAINT leave_requests_ended_whole CHECK (
        (ended_by IS NULL) = (ended_at IS NULL)
        AND (ended_at IS NULL) = (planned_end_date IS NULL)
        AND (planned_end_date IS NULL) = (planned_end_am IS NULL));
