ALTER TABLE visits DROP COLUMN version;
