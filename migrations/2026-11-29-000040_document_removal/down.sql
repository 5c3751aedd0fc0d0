-- The older schema cannot say "removed": such papers are put back as kept (fails
-- on the unique index if the same paper was filed again since).
UPDATE archive_documents SET status = 'kept' WHERE status = 'removed';
DROP INDEX archive_documents_due_idx;
CREATE INDEX archive_documents_due_idx ON archive_documents (retain_until, id)
    WHERE status <> 'destroyed' AND retain_until IS NOT NULL;
DROP INDEX archive_documents_once;
CREATE UNIQUE INDEX archive_documents_once ON archive_documents (archive_id, type_id, title, received_on)
    WHERE status <> 'destroyed';
ALTER TABLE archive_documents
    DROP COLUMN removed_at,
    DROP COLUMN removed_by,
    DROP COLUMN removed_reason,
    DROP CONSTRAINT archive_documents_status_check,
    ADD CONSTRAINT archive_documents_status_check CHECK (status IN ('kept', 'on_loan', 'destroyed'));
