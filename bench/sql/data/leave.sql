-- Leave requests with their approval requests and tasks: `kefu.bench_rows` of
-- them (1,000,000 for the large set), spread over the demo staff and the last
-- years. All are decided except the newest 40, which wait on the supervisor, so
-- the approval inbox has a realistic page. One person's pending and approved
-- leave may not overlap (the constraint leave_requests_no_overlap): the first
-- 2,200 are approved (each person's a day in four, at most three days long),
-- the rest of the past ones refused, and the 40 pending ones lie in 2030. One
-- statement, set-based.
WITH n AS (
    SELECT current_setting('kefu.bench_rows')::int AS rows
), staff AS (
    SELECT array_agg(id ORDER BY id) AS ids FROM users
    WHERE username IN ('employee', 'specialist', 'keeper', 'engineer')
), sup AS (
    SELECT id FROM users WHERE username = 'supervisor'
), leave AS (
    INSERT INTO leave_requests (user_id, leave_type, start_date, end_date, half_days,
                                reason, status, created_at, updated_at)
    SELECT staff.ids[1 + g % array_length(staff.ids, 1)],
           (ARRAY['personal', 'sick', 'annual', 'compensatory'])[1 + g % 4],
           CASE WHEN g > n.rows - 40 THEN date '2030-01-07' ELSE date '2020-01-06' END
               + (g % 2200),
           CASE WHEN g > n.rows - 40 THEN date '2030-01-07' ELSE date '2020-01-06' END
               + (g % 2200) + g % 3,
           2 * (1 + g % 3), '家中有事（bench ' || g || '）',
           CASE WHEN g > n.rows - 40 THEN 'pending' WHEN g <= 2200 THEN 'approved'
               ELSE 'rejected' END,
           now() - make_interval(mins => n.rows - g), now()
    FROM n, staff, generate_series(1, n.rows) g
    RETURNING id, user_id, leave_type, status, start_date, end_date, created_at
), req AS (
    INSERT INTO approval_requests (kind, subject_id, title, requester_id, status,
                                   created_at, updated_at, decided_at)
    SELECT 'leave', leave.id,
           u.display_name || ' · {leave.type.' || leave.leave_type || '} '
               || leave.start_date || '–' || leave.end_date,
           leave.user_id, leave.status, leave.created_at, leave.created_at,
           CASE WHEN leave.status <> 'pending' THEN leave.created_at + interval '2 hours' END
    FROM leave JOIN users u ON u.id = leave.user_id
    RETURNING id, status, created_at
)
INSERT INTO approval_tasks (request_id, step, approver_id, role_code, level, status, due_at,
                            created_at, decided_at, decided_by, via)
SELECT req.id, 0, sup.id, 'cs_supervisor', 0, req.status, req.created_at + interval '1 day',
       req.created_at,
       CASE WHEN req.status <> 'pending' THEN req.created_at + interval '2 hours' END,
       CASE WHEN req.status <> 'pending' THEN sup.id END,
       CASE WHEN req.status <> 'pending' THEN 'web' END
FROM req, sup;
