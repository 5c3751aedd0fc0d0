-- ID numbers are sealed at rest (src/db/sealed.rs): the stored text of a
-- number is longer than the number. The forms still limit what is typed.
ALTER TABLE key_loans DROP CONSTRAINT key_loans_borrower_id_number_check;
ALTER TABLE key_loans ADD CONSTRAINT key_loans_borrower_id_number_check
    CHECK (length(borrower_id_number) <= 120);
