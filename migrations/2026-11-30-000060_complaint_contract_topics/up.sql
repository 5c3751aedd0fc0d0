-- The handbook's clauses show how many customers' matters are not yet resolved
-- (complaints) and how many sales contracts wait too long for the department's
-- next step (sales_contracts: every step writes the contract's row), each kept in
-- memory until a notice on its topic.
CREATE TRIGGER complaints_topic_notice AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON complaints
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('complaints');
CREATE TRIGGER sales_contracts_topic_notice
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sales_contracts
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('sales_contracts');
