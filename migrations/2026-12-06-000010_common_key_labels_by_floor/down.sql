-- Back to A-3层 and A--1层. A label typed as A-3F before the migration, had
-- anyone typed one, would come back as A-3层 too: labels of common keys are
-- made by kefu, not typed, so none was.
UPDATE keys k SET label = b.code || '-' || k.floor || '层'
FROM buildings b
WHERE k.category = 'common' AND k.building_id = b.id AND k.floor IS NOT NULL
  AND k.label = b.code || '-' ||
      CASE WHEN k.floor < 0 THEN 'B' || (-k.floor) ELSE k.floor || 'F' END;
