-- Change notices (src/db/changes.rs). Each instance keeps in memory what every page
-- shows about the signed-in user (the session, the user's record and roles, the
-- approval inbox count, the handbook versions to acknowledge) and drops it when
-- one of these triggers says it changed: `u:<id>` for one user, `*` for everyone.
-- PostgreSQL delivers notices on commit, once per distinct text per transaction.

-- Notices the user whose id is in column TG_ARGV[0] of the old and the new row.
CREATE FUNCTION kefu_notice_user() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_id text;
    new_id text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_id := to_jsonb(OLD) ->> TG_ARGV[0];
        IF old_id IS NOT NULL THEN
            PERFORM pg_notify('kefu_changes', 'u:' || old_id);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_id := to_jsonb(NEW) ->> TG_ARGV[0];
        IF new_id IS NOT NULL AND new_id IS DISTINCT FROM old_id THEN
            PERFORM pg_notify('kefu_changes', 'u:' || new_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- An approval task changed: its approver's inbox count, and their deputies'.
CREATE FUNCTION kefu_notice_approvers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[] := '{}';
    uid bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        ids := ids || OLD.approver_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        ids := ids || NEW.approver_id;
    END IF;
    FOR uid IN
        SELECT unnest(ids)
        UNION
        SELECT d.deputy_id FROM approval_deputies d WHERE d.user_id = ANY (ids)
    LOOP
        PERFORM pg_notify('kefu_changes', 'u:' || uid);
    END LOOP;
    RETURN NULL;
END
$$;

-- A published handbook version came, went or changed: everyone's banner.
CREATE FUNCTION kefu_notice_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.status = 'published' THEN
            PERFORM pg_notify('kefu_changes', '*');
            RETURN NULL;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW.status = 'published' THEN
            PERFORM pg_notify('kefu_changes', '*');
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION kefu_notice_everyone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kefu_changes', '*');
    RETURN NULL;
END
$$;

-- Sessions: sign-out, state written, ended early. Not the idle-timeout slide,
-- which only moves `expires_at` later.
CREATE TRIGGER sessions_notice_delete AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION kefu_notice_user('user_id');
CREATE TRIGGER sessions_notice_update AFTER UPDATE ON sessions
    FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state
          OR OLD.user_id IS DISTINCT FROM NEW.user_id
          OR OLD.created_at IS DISTINCT FROM NEW.created_at
          OR NEW.expires_at < OLD.expires_at)
    EXECUTE FUNCTION kefu_notice_user('user_id');

CREATE TRIGGER users_notice AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION kefu_notice_user('id');
CREATE TRIGGER user_roles_notice AFTER INSERT OR UPDATE OR DELETE ON user_roles
    FOR EACH ROW EXECUTE FUNCTION kefu_notice_user('user_id');
CREATE TRIGGER roles_notice AFTER INSERT OR UPDATE OR DELETE ON roles
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_everyone();
CREATE TRIGGER approval_tasks_notice AFTER INSERT OR UPDATE OR DELETE ON approval_tasks
    FOR EACH ROW EXECUTE FUNCTION kefu_notice_approvers();
CREATE TRIGGER approval_deputies_notice AFTER INSERT OR UPDATE OR DELETE ON approval_deputies
    FOR EACH ROW EXECUTE FUNCTION kefu_notice_user('deputy_id');
CREATE TRIGGER handbook_versions_notice AFTER INSERT OR UPDATE OR DELETE ON handbook_versions
    FOR EACH ROW EXECUTE FUNCTION kefu_notice_published();
CREATE TRIGGER handbook_acknowledgements_notice
    AFTER INSERT OR UPDATE OR DELETE ON handbook_acknowledgements
    FOR EACH ROW EXECUTE FUNCTION kefu_notice_user('user_id');
