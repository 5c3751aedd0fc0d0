-- An approved destruction list that will not be carried out (a paper put on hold,
-- a mistake found at the re-check) is called off: who, when and why stay on it.
ALTER TABLE archive_destructions
    ADD COLUMN called_off_by bigint REFERENCES users (id),
    ADD COLUMN called_off_at timestamptz,
    ADD COLUMN called_off_reason text NOT NULL DEFAULT '' CHECK (length(called_off_reason) <= 500);
ALTER TABLE archive_destructions DROP CONSTRAINT archive_destructions_status_check;
ALTER TABLE archive_destructions ADD CONSTRAINT archive_destructions_status_check
    CHECK (status IN ('in_review', 'approved', 'rejected', 'withdrawn', 'called_off', 'destroyed'));
