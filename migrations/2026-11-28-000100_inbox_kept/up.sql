-- Each instance keeps every approver's inbox in memory (`approvals::queries::
-- KeptInboxes`). Their tasks, their deputies' tasks and their deputyships already
-- notify them (`…_changes`). The inbox also shows each request's title, which the
-- requester may edit without touching the task, and people's names.

-- A request's title changed: whoever it waits for (and their deputies).
CREATE FUNCTION kefu_notice_request_approvers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    uid bigint;
BEGIN
    FOR uid IN
        SELECT t.approver_id FROM approval_tasks t
        WHERE t.request_id = NEW.id AND t.status = 'pending'
        UNION
        SELECT d.deputy_id FROM approval_tasks t
        JOIN approval_deputies d ON d.user_id = t.approver_id
        WHERE t.request_id = NEW.id AND t.status = 'pending'
    LOOP
        PERFORM pg_notify('kefu_changes', 'u:' || uid);
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER approval_requests_title_notice AFTER UPDATE OF title ON approval_requests
    FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title)
    EXECUTE FUNCTION kefu_notice_request_approvers();

-- A name changed: it may show in anyone's inbox. An administrator renames
-- someone rarely.
CREATE TRIGGER users_name_notice AFTER UPDATE OF display_name ON users
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
    EXECUTE FUNCTION kefu_notice_everyone();
