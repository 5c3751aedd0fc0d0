-- A key cabinet is a name within a project: two service centres may each have
-- a "1号柜", and counting one must not mark the other's keys missing.
ALTER TABLE key_counts ADD COLUMN project_id bigint REFERENCES projects (id);

-- A past count belongs to the project most of the keys it listed belong to.
UPDATE key_counts c SET project_id = (
    SELECT b.project_id FROM key_count_lines l
    JOIN keys k ON k.id = l.key_id
    JOIN buildings b ON b.id = k.building_id
    WHERE l.count_id = c.id
    GROUP BY b.project_id ORDER BY count(*) DESC, b.project_id LIMIT 1);
-- A count that listed no key: the project of that cabinet when only one
-- project has a cabinet of that name; otherwise it stays unplaced (NULL).
UPDATE key_counts c SET project_id = (
    SELECT min(b.project_id) FROM keys k
    JOIN buildings b ON b.id = k.building_id
    WHERE k.cabinet = c.cabinet
    HAVING count(DISTINCT b.project_id) = 1)
WHERE c.project_id IS NULL;

-- Each cabinet's latest count, read per project.
DROP INDEX key_counts_cabinet_idx;
CREATE INDEX key_counts_cabinet_idx ON key_counts (project_id, cabinet, id DESC);
-- The cabinets in use, one index probe per cabinet and building.
CREATE INDEX keys_cabinet_building_idx ON keys (cabinet, building_id);
