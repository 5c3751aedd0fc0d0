-- The count of papers waiting for destruction (`archives::queries::KeptDue`)
-- leaves out papers on an open destruction list: a list filed, decided, called
-- off or carried out changes it without touching the papers' rows, so the lists
-- and their items notify the topic too.
CREATE TRIGGER archive_destructions_topic_notice
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON archive_destructions
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('archives');
CREATE TRIGGER archive_destruction_items_topic_notice
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON archive_destruction_items
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('archives');
