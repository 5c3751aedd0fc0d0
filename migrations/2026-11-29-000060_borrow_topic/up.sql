-- The archive loan register and the handbook's loan clause show how many loans
-- are overdue (`archives::queries::KeptOverdueBorrows`), kept until a notice on
-- `t:archives`. A loan's due date and state live on its own row, so the loans
-- notify the topic themselves.
CREATE TRIGGER archive_borrows_topic_notice
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON archive_borrows
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('archives');
