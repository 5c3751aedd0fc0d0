-- A common area's key is labelled by building and floor as lifts write it in
-- either language (A-3F, a basement A-B1), no longer with the Chinese 层
-- (A-3层, A--1层).
UPDATE keys k SET label = b.code || '-' ||
    CASE WHEN k.floor < 0 THEN 'B' || (-k.floor) ELSE k.floor || 'F' END
FROM buildings b
WHERE k.category = 'common' AND k.building_id = b.id AND k.floor IS NOT NULL
  AND k.label = b.code || '-' || k.floor || '层';
