-- Gives the matters the up script put back to whom they were with, when
-- nobody has assigned them since (the audit lines stay: the log is kept).
UPDATE complaints c
SET assignee_id = (a.details ->> 'was')::bigint,
    assigned_at = (a.details ->> 'assigned_at')::timestamptz
FROM audit_log a
WHERE a.action = 'complaint.unassigned'
  AND a.ip = 'migration'
  AND a.entity = 'complaint'
  AND a.entity_id = c.id::text
  AND c.status = 'open'
  AND c.assignee_id IS NULL;
