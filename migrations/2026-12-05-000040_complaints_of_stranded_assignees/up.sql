-- An open matter assigned to someone deactivated, or left with no post that
-- lets them follow matters up, was seen by nobody: the supervisors' list of
-- unassigned matters and the morning sheet skip assigned ones. Saving such an
-- account now puts their open matters back among the unassigned; this does
-- the same for the accounts saved before. The posts are those holding
-- RecordComplaints or ManageComplaints (`complaints::FOLLOW_UP_RIGHTS`).
-- Each matter put back gets an audit line naming whom it was with, which the
-- down script reads to give it back.
WITH stranded AS (
    SELECT c.id, c.assignee_id, c.assigned_at
    FROM complaints c
    JOIN users u ON u.id = c.assignee_id
    WHERE c.status = 'open'
      AND (NOT u.active
           OR NOT EXISTS (SELECT 1 FROM user_roles r
                          WHERE r.user_id = u.id
                            AND r.role_code IN ('employee', 'cs_specialist', 'archive_keeper',
                                                'cs_supervisor', 'center_manager')))
    FOR UPDATE OF c
), logged AS (
    INSERT INTO audit_log (action, entity, entity_id, ip, details)
    SELECT 'complaint.unassigned', 'complaint', s.id::text, 'migration',
           jsonb_build_object('was', s.assignee_id, 'assigned_at', s.assigned_at)
    FROM stranded s
)
UPDATE complaints c
SET assignee_id = NULL, assigned_at = NULL
FROM stranded s
WHERE c.id = s.id;
