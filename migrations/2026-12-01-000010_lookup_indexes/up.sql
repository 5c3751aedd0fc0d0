-- A contract number is one number whatever its letters' case (QA-0001 and
-- qa-0001): the database now refuses the second, not only the form's check,
-- so two colleagues recording it in the same instant cannot both succeed.
-- Numbers already stored twice in different cases stop the migration with
-- their names, to be corrected (with the previous release) before upgrading.
DO $$
DECLARE
    twice text;
BEGIN
    SELECT string_agg(contract_no, ', ' ORDER BY contract_no) INTO twice
    FROM sales_contracts
    WHERE lower(contract_no) IN (
        SELECT lower(contract_no) FROM sales_contracts
        GROUP BY lower(contract_no) HAVING count(*) > 1);
    IF twice IS NOT NULL THEN
        RAISE EXCEPTION 'contract numbers recorded twice in different letter case: %', twice
            USING HINT = 'correct one of each pair on its contract page, then migrate again';
    END IF;
END
$$;
CREATE UNIQUE INDEX sales_contracts_number_idx ON sales_contracts (lower(contract_no));
ALTER TABLE sales_contracts DROP CONSTRAINT sales_contracts_contract_no_key;

-- The morning sheet's "keys the last count of each cabinet did not find":
-- each cabinet's latest count read from an index rather than a sort.
CREATE INDEX key_counts_cabinet_idx ON key_counts (cabinet, id DESC);
