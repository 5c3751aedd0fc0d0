-- 营销部客服 7(1): once the certificate is in, the buyer is told at once to come
-- for it in person. The telling is the department's step, dated like the others;
-- the wait for the buyer to come is theirs.
ALTER TABLE sales_contracts ADD COLUMN cert_notified_on DATE;
ALTER TABLE sales_contract_events DROP CONSTRAINT sales_contract_events_step_check;
ALTER TABLE sales_contract_events ADD CONSTRAINT sales_contract_events_step_check
    CHECK (step IN ('signed', 'filed', 'agent', 'loan', 'notified', 'collected', 'voided',
        'surveyed', 'settled', 'cert_received', 'cert_notified', 'cert_issued', 'corrected'));
