-- The register's search (part of a number, buyer, unit or project) by trigrams,
-- not by reading every contract: the four joined by newlines, which no search
-- holds, as `contracts::queries::searched` writes them.
CREATE INDEX sales_contracts_search_idx ON sales_contracts USING gin
    ((contract_no || E'\n' || buyer || E'\n' || unit || E'\n' || project) gin_trgm_ops);
