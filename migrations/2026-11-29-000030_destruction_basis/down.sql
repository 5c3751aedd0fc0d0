ALTER TABLE archive_destructions DROP COLUMN basis;
