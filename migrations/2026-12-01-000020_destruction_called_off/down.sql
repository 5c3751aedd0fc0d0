UPDATE archive_destructions SET status = 'withdrawn' WHERE status = 'called_off';
ALTER TABLE archive_destructions DROP CONSTRAINT archive_destructions_status_check;
ALTER TABLE archive_destructions ADD CONSTRAINT archive_destructions_status_check
    CHECK (status IN ('in_review', 'approved', 'rejected', 'withdrawn', 'destroyed'));
ALTER TABLE archive_destructions
    DROP COLUMN called_off_reason,
    DROP COLUMN called_off_at,
    DROP COLUMN called_off_by;
