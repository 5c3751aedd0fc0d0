-- Breaches of clauses the book names no fine for (schedule 'unscheduled') are
-- counted clause by clause: a late visitor register is not a second late leave
-- record. The confirmed ones are renumbered that way (their fines were set by
-- whoever confirmed them, so no amount changes), and one number per breach is
-- kept per clause for them, per schedule for the others.
DROP INDEX violations_offence_key;
UPDATE violations v SET offence_no = n.no
FROM (
    SELECT id, row_number() OVER (
        PARTITION BY employee_id, clause ORDER BY decided_at, id
    )::int AS no
    FROM violations
    WHERE status = 'confirmed' AND schedule = 'unscheduled'
) n
WHERE v.id = n.id AND v.offence_no <> n.no;
CREATE UNIQUE INDEX violations_offence_key ON violations (
    employee_id, schedule, (CASE WHEN schedule = 'unscheduled' THEN clause ELSE '' END), offence_no
) WHERE status = 'confirmed';
