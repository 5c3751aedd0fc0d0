-- A contract's recorded facts corrected after the fact (a typo in the buyer's
-- name, the price): a step of its history like the others, saying what changed.
ALTER TABLE sales_contract_events DROP CONSTRAINT sales_contract_events_step_check;
ALTER TABLE sales_contract_events ADD CONSTRAINT sales_contract_events_step_check
    CHECK (step IN ('signed', 'filed', 'agent', 'loan', 'notified', 'collected', 'voided',
        'surveyed', 'settled', 'cert_received', 'cert_issued', 'corrected'));
