ALTER TABLE handbook_versions DROP COLUMN imported_hash;
