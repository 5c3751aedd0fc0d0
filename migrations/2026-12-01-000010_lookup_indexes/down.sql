DROP INDEX key_counts_cabinet_idx;
ALTER TABLE sales_contracts ADD CONSTRAINT sales_contracts_contract_no_key UNIQUE (contract_no);
DROP INDEX sales_contracts_number_idx;
