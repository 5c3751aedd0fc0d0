-- A task can be handed over: its approver was deactivated, lost the post the
-- task was given under, or no longer serves the request's project, so the
-- step goes at once to whoever would be chosen now.
ALTER TABLE approval_tasks DROP CONSTRAINT approval_tasks_status_check;
ALTER TABLE approval_tasks ADD CONSTRAINT approval_tasks_status_check
    CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'escalated', 'handed_over'));
