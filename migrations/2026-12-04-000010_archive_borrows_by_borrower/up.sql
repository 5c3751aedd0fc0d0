-- A borrower's own requests, newest first (their page of the borrowing
-- register), read by keyset whatever the register's size.
CREATE INDEX archive_borrows_borrower_idx ON archive_borrows (borrower_id, id);
