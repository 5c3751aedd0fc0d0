DROP INDEX sales_contracts_told_idx;
