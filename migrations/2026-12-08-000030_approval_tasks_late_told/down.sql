ALTER TABLE approval_tasks DROP COLUMN late_told_at;
