DROP TRIGGER key_loan_lines_fill_keys ON key_loan_lines;
DROP FUNCTION key_loans_fill_keys();
ALTER TABLE key_loans DROP COLUMN key_doors, DROP COLUMN key_labels;
