-- Handed-over tasks read as escalated ones (passed on before a decision):
-- the trail's 'handed_over_to' events keep the difference.
UPDATE approval_tasks SET status = 'escalated' WHERE status = 'handed_over';
ALTER TABLE approval_tasks DROP CONSTRAINT approval_tasks_status_check;
ALTER TABLE approval_tasks ADD CONSTRAINT approval_tasks_status_check
    CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'escalated'));
