DROP INDEX leave_requests_after_the_fact_idx;
-- The old constraint knows no breach read from leave: those go with it.
DELETE FROM violations WHERE source = 'leave';
ALTER TABLE violations DROP CONSTRAINT violations_source_check;
ALTER TABLE violations ADD CONSTRAINT violations_source_check
    CHECK (source IN ('manual', 'visit', 'key_loan'));
