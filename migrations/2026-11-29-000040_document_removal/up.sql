-- 档案变更 (包括内容和数量): a paper taken out of its archive (returned to the
-- resident, filed in the wrong archive, replaced by a new one) is `removed`. Its
-- particulars stay, like a destroyed paper's; it no longer counts anywhere a
-- paper in the archive counts (completeness, retention, the same paper filed
-- again). Those places say `status IN ('kept', 'on_loan')` from here on.
ALTER TABLE archive_documents
    DROP CONSTRAINT archive_documents_status_check,
    ADD CONSTRAINT archive_documents_status_check
        CHECK (status IN ('kept', 'on_loan', 'destroyed', 'removed')),
    ADD COLUMN removed_reason text NOT NULL DEFAULT '' CHECK (length(removed_reason) <= 200),
    ADD COLUMN removed_by bigint REFERENCES users (id),
    ADD COLUMN removed_at timestamptz;

DROP INDEX archive_documents_once;
CREATE UNIQUE INDEX archive_documents_once ON archive_documents (archive_id, type_id, title, received_on)
    WHERE status IN ('kept', 'on_loan');
DROP INDEX archive_documents_due_idx;
CREATE INDEX archive_documents_due_idx ON archive_documents (retain_until, id)
    WHERE status IN ('kept', 'on_loan') AND retain_until IS NOT NULL;
