-- The text an import last wrote into a draft: a draft that still holds it is
-- the import's and a later import may replace it; one edited since is
-- someone's revision, which an import leaves alone.
ALTER TABLE handbook_versions ADD COLUMN imported_hash text;
