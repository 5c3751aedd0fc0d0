-- Projects and buildings feed the building choices every register's filter shows,
-- which each instance keeps in memory (`db::changes::Kept`): any change to them
-- is a notice about everyone. They change on imports, rarely.
CREATE TRIGGER projects_notice AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON projects
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_everyone();
CREATE TRIGGER buildings_notice AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON buildings
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_everyone();
