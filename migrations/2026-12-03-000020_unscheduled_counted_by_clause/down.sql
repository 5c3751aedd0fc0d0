DROP INDEX violations_offence_key;
UPDATE violations v SET offence_no = n.no
FROM (
    SELECT id, row_number() OVER (
        PARTITION BY employee_id ORDER BY decided_at, id
    )::int AS no
    FROM violations
    WHERE status = 'confirmed' AND schedule = 'unscheduled'
) n
WHERE v.id = n.id AND v.offence_no <> n.no;
CREATE UNIQUE INDEX violations_offence_key ON violations (employee_id, schedule, offence_no)
    WHERE status = 'confirmed';
