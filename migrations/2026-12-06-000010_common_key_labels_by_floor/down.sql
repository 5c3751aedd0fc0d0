UPDATE keys k SET label = b.code || '-' || k.floor || '层'
FROM buildings b
WHERE k.category = 'common' AND k.building_id = b.id AND k.floor IS NOT NULL
  AND k.label = b.code || '-' || k.floor || 'F';
