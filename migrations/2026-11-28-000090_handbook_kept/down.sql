CREATE INDEX handbook_clauses_body_trgm ON handbook_clauses USING gin (body gin_trgm_ops);
DROP TRIGGER handbook_clause_links_notice ON handbook_clause_links;
DROP TRIGGER handbook_documents_notice ON handbook_documents;
DROP TRIGGER handbook_drafts_status_notice ON handbook_versions;
DROP TRIGGER handbook_drafts_closed_notice ON handbook_versions;
DROP TRIGGER handbook_drafts_opened_notice ON handbook_versions;
