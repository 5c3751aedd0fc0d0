-- The register's "filed, customer not yet told" filter (filed, and for a mortgage
-- the agent's and the loan's steps), read in signing order as a keyset.
CREATE INDEX sales_contracts_told_idx ON sales_contracts (signed_on DESC, id DESC)
    WHERE stage IN ('filed', 'agent', 'loan');
