DELETE FROM sales_contract_events WHERE step = 'cert_notified';
ALTER TABLE sales_contract_events DROP CONSTRAINT sales_contract_events_step_check;
ALTER TABLE sales_contract_events ADD CONSTRAINT sales_contract_events_step_check
    CHECK (step IN ('signed', 'filed', 'agent', 'loan', 'notified', 'collected', 'voided',
        'surveyed', 'settled', 'cert_received', 'cert_issued', 'corrected'));
ALTER TABLE sales_contracts DROP COLUMN cert_notified_on;
