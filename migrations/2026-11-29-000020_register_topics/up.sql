-- Each instance keeps the pages of the key register, the loan register and the
-- archive list in memory (`db::changes::KeptOn`) until a notice on the topic of
-- the tables they are read from: `t:keys` (keys, key_loans; a loan's lines feed
-- its labels through a trigger that updates key_loans) and `t:archives`
-- (archives; their documents feed the counts on the archive row the same way).
-- Buildings and projects already notify everyone (migration `…_kept_choices`).
-- PostgreSQL sends one notice per distinct text and transaction.
CREATE FUNCTION kefu_notice_topic() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kefu_changes', 't:' || TG_ARGV[0]);
    RETURN NULL;
END
$$;

CREATE TRIGGER keys_topic_notice AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON keys
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('keys');
CREATE TRIGGER key_loans_topic_notice AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON key_loans
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('keys');
CREATE TRIGGER archives_topic_notice AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON archives
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('archives');
