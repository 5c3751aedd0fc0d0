-- A required paper destroyed (at the end of its retention, or appraised as
-- worthless) is accounted for: it no longer makes its archive incomplete.
UPDATE archives SET present_required = coalesce((SELECT count(DISTINCT d.type_id)
    FROM archive_documents d JOIN archive_doc_types t ON t.id = d.type_id
    WHERE d.archive_id = archives.id AND t.required AND t.archive_kind = archives.kind
    AND d.status IN ('kept', 'on_loan', 'destroyed')), 0);
