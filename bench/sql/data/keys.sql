-- The key cabinet: a bench building's 1,000 common-area keys and `kefu.bench_rows`
-- loans of them (1,000,000 for the large set), one key per loan, all returned but
-- the newest 20, which are out. Set-based; the keys out are then marked 借出.
WITH n AS (
    SELECT current_setting('kefu.bench_rows')::int AS rows
), staff AS (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(display_name ORDER BY id) AS names
    FROM users WHERE username IN ('employee', 'specialist', 'engineer')
), clerk AS (
    SELECT id FROM users WHERE username = 'specialist'
), proj AS (
    INSERT INTO projects (name, address) VALUES ('基准钥匙苑', 'bench') RETURNING id
), bld AS (
    INSERT INTO buildings (project_id, code, name) SELECT id, 'K1', 'K1栋' FROM proj
    RETURNING id
), k AS (
    INSERT INTO keys (category, building_id, floor, door, label, cabinet, hook, custodian)
    SELECT 'common', bld.id, 1 + i / 5, 'D' || (1 + i % 5),
           'K1-' || (1 + i / 5) || 'F-D' || (1 + i % 5), 'E1', 1 + i, 'engineering'
    FROM bld, generate_series(0, 999) i
    RETURNING id
), kids AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM k
), loans AS (
    INSERT INTO key_loans (category, building_id, borrower_kind, borrower_id, borrower_name,
                           work_order, purpose, due_at, status, requested_by, created_at,
                           handed_out_by, handed_out_at, returned_to, returned_at)
    SELECT 'common', bld.id, 'staff', staff.ids[1 + g % 3], staff.names[1 + g % 3],
           'WO-' || g, '公共区域巡检维修（bench ' || g || '）',
           now() - make_interval(mins => n.rows - g) + interval '4 hours',
           CASE WHEN g > n.rows - 20 THEN 'out' ELSE 'returned' END,
           staff.ids[1 + g % 3], now() - make_interval(mins => n.rows - g),
           clerk.id, now() - make_interval(mins => n.rows - g),
           CASE WHEN g <= n.rows - 20 THEN clerk.id END,
           CASE WHEN g <= n.rows - 20 THEN now() - make_interval(mins => n.rows - g) + interval '2 hours' END
    FROM n, staff, clerk, bld, generate_series(1, n.rows) g
    RETURNING id, status, returned_at
)
INSERT INTO key_loan_lines (loan_id, key_id, out, returned_at)
SELECT loans.id, kids.ids[1 + loans.id % 1000], loans.status = 'out', loans.returned_at
FROM loans, kids;
UPDATE keys SET status = 'lent' WHERE id IN (SELECT key_id FROM key_loan_lines WHERE out);
ANALYZE keys;
ANALYZE key_loans;
ANALYZE key_loan_lines;
