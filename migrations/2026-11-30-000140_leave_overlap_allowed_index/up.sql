-- Requests the no-overlap constraint leaves out (they overlapped before it
-- existed) still stand in the way of new leave: the forms look them up by
-- person through this index (the constraint's own index leaves them out).
CREATE INDEX leave_requests_overlap_allowed_idx ON leave_requests (user_id)
    WHERE overlap_allowed AND status IN ('pending', 'approved');
