DROP TABLE sales_contract_events;
DROP TABLE sales_contracts;
