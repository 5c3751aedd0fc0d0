ALTER TABLE visit_notes DROP COLUMN reopened;
