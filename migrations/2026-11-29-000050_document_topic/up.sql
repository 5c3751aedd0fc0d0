-- The handbook's destruction clause shows how many papers wait for destruction
-- (`archives::queries::KeptDue`), kept until a notice on `t:archives`. A paper's
-- retention date or hold can change without its archive's row (a schedule change,
-- a hold on one paper), so the papers notify the topic themselves.
CREATE TRIGGER archive_documents_topic_notice
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON archive_documents
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('archives');
