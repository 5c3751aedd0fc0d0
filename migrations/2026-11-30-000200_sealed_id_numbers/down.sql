-- Sealed numbers stay as they are: the old limit holds for new rows only.
ALTER TABLE key_loans DROP CONSTRAINT key_loans_borrower_id_number_check;
ALTER TABLE key_loans ADD CONSTRAINT key_loans_borrower_id_number_check
    CHECK (length(borrower_id_number) <= 30) NOT VALID;
