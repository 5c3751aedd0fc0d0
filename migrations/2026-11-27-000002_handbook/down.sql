DROP TABLE handbook_clause_links;
DROP TABLE handbook_acknowledgements;
DROP TABLE handbook_clauses;
DROP TABLE handbook_sections;
DROP TABLE handbook_versions;
DROP TABLE handbook_documents;
-- pg_trgm stays: other features may use it, and dropping an extension is not ours to do.
