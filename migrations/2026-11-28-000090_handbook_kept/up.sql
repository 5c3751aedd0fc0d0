-- Each instance keeps the handbook its readers see in memory
-- (`handbook::current`): documents, published versions, whether a draft is open,
-- the clause links and the current clauses. A published version came, went or
-- changed already notices everyone (`handbook_versions_notice`); so do, from
-- here, a draft opened or closed, a document and a clause link. Published
-- clauses never change (an edit makes a new draft).
CREATE TRIGGER handbook_drafts_opened_notice AFTER INSERT ON handbook_versions
    FOR EACH ROW WHEN (NEW.status = 'draft') EXECUTE FUNCTION kefu_notice_everyone();
CREATE TRIGGER handbook_drafts_closed_notice AFTER DELETE ON handbook_versions
    FOR EACH ROW WHEN (OLD.status = 'draft') EXECUTE FUNCTION kefu_notice_everyone();
CREATE TRIGGER handbook_drafts_status_notice AFTER UPDATE OF status ON handbook_versions
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION kefu_notice_everyone();
CREATE TRIGGER handbook_documents_notice
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON handbook_documents
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_everyone();
CREATE TRIGGER handbook_clause_links_notice
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON handbook_clause_links
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_everyone();

-- Search runs over the kept clauses: the trigram index has no reader left.
DROP INDEX handbook_clauses_body_trgm;
