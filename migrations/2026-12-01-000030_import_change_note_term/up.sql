-- The change note of a version an import published was stored as the Chinese
-- word 导入; it is now a catalog term, shown in each reader's language.
UPDATE handbook_versions SET change_note = '{handbook.import.change_note}'
WHERE change_note = '导入';
