-- A common area's key is labelled by building and floor as lifts write it in
-- either language (A-3F), no longer with the Chinese 层 (A-3层).
UPDATE keys k SET label = b.code || '-' || k.floor || 'F'
FROM buildings b
WHERE k.category = 'common' AND k.building_id = b.id AND k.floor IS NOT NULL
  AND k.label = b.code || '-' || k.floor || '层';
