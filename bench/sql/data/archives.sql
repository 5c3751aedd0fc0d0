-- Resident archives: `kefu.bench_rows` documents (1,000,000 for the large set),
-- eight owner papers per archive, so an eighth as many archives, each with its
-- own room and owner in a bench project of 1,000-room buildings. Set-based.
WITH n AS (
    SELECT current_setting('kefu.bench_rows')::int / 8 AS archives
), proj AS (
    INSERT INTO projects (name, address) VALUES ('基准花园', 'bench') RETURNING id
), bld AS (
    INSERT INTO buildings (project_id, code, name)
    SELECT proj.id, 'B' || b, 'B' || b || '栋'
    FROM proj, n, generate_series(1, (n.archives + 999) / 1000) b
    RETURNING id, project_id, code
), room AS (
    INSERT INTO rooms (building_id, kind, unit, floor, number)
    SELECT bld.id, 'home', (1 + (r % 1000) / 250)::text, 1 + (r % 250) / 8,
           (100 * (1 + (r % 250) / 8) + 1 + r % 8)::text
    FROM bld, n, generate_series(0, 999) r
    WHERE (substr(bld.code, 2)::int - 1) * 1000 + r < n.archives
    RETURNING id, building_id, unit, floor, number
), res AS (
    INSERT INTO residents (room_id, kind, name, phone)
    SELECT room.id, 'owner', '业主' || room.id, '139' || lpad((room.id % 100000000)::text, 8, '0')
    FROM room
    RETURNING id, room_id, name
), arch AS (
    INSERT INTO archives (resident_id, room_id, kind, project_id, building_id, building_code,
                          floor, unit, number, resident_name, present_required)
    SELECT res.id, room.id, 'owner', bld.project_id, bld.id, bld.code,
           room.floor, room.unit, room.number, res.name, 8
    FROM res JOIN room ON room.id = res.room_id JOIN bld ON bld.id = room.building_id
    RETURNING id
), keeper AS (
    SELECT id FROM users WHERE username = 'keeper'
)
INSERT INTO archive_documents (archive_id, type_id, title, received_on, pages, cabinet, box,
                               confidential, retain_until, created_by)
SELECT arch.id, t.id, t.name_zh, date '2015-01-01' + (arch.id % 3000)::int, 1 + arch.id % 5,
       'A' || arch.id % 20, 'B' || arch.id % 200, t.personal,
       CASE WHEN t.retention_event = 'received'
            THEN (date '2015-01-01' + (arch.id % 3000)::int + make_interval(years => t.retention_years))::date END,
       keeper.id
FROM arch, keeper, archive_doc_types t
WHERE t.archive_kind = 'owner' AND t.required;
ANALYZE archives;
ANALYZE archive_documents;
