-- The loan register shows each loan's keys by label and door. They were looked up
-- per page through the loan lines (about 300 index pages for fifty loans); the
-- loan now carries them, in key order, filled by a trigger whenever lines are
-- added, whoever adds them. A key's label and door never change once it exists.
ALTER TABLE key_loans
    ADD COLUMN key_labels text[] NOT NULL DEFAULT '{}',
    ADD COLUMN key_doors text[] NOT NULL DEFAULT '{}';

CREATE FUNCTION key_loans_fill_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE key_loans l SET key_labels = s.labels, key_doors = s.doors
    FROM (SELECT ll.loan_id, array_agg(k.label ORDER BY k.id) AS labels,
                 array_agg(k.door ORDER BY k.id) AS doors
          FROM key_loan_lines ll JOIN keys k ON k.id = ll.key_id
          WHERE ll.loan_id IN (SELECT loan_id FROM added)
          GROUP BY ll.loan_id) s
    WHERE l.id = s.loan_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER key_loan_lines_fill_keys AFTER INSERT ON key_loan_lines
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION key_loans_fill_keys();

UPDATE key_loans l SET key_labels = s.labels, key_doors = s.doors
FROM (SELECT ll.loan_id, array_agg(k.label ORDER BY k.id) AS labels,
             array_agg(k.door ORDER BY k.id) AS doors
      FROM key_loan_lines ll JOIN keys k ON k.id = ll.key_id
      GROUP BY ll.loan_id) s
WHERE l.id = s.loan_id;
