ALTER TABLE handbook_clauses DROP COLUMN cited_as;
