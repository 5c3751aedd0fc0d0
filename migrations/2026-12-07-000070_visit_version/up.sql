-- A visit register's version, raised by each correction: a correction sent
-- from a form read before another is refused rather than undoing it unseen.
ALTER TABLE visits ADD COLUMN version integer NOT NULL DEFAULT 1;
