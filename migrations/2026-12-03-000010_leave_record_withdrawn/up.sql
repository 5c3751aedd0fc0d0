-- Sick leave recorded after the fact by mistake (a wrong person or wrong dates)
-- is withdrawn by one who records leave, with the reason: it no longer blocks
-- the employee's own leave, and its breach proposal is dismissed.
ALTER TABLE leave_requests
    ADD COLUMN withdrawn_by bigint REFERENCES users (id),
    ADD COLUMN withdrawn_at timestamptz,
    ADD COLUMN withdrawn_note text NOT NULL DEFAULT '' CHECK (length(withdrawn_note) <= 500),
    ADD CONSTRAINT leave_requests_withdrawn_together
        CHECK ((withdrawn_by IS NULL) = (withdrawn_at IS NULL));
