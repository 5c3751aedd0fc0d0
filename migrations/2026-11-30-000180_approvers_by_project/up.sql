-- The projects a person serves (负责项目); none means every project. A request
-- about a project goes to an approver who serves it, before one who serves
-- every project; one who serves only other projects is passed over (SPEC §3:
-- approvers chosen by role, and optionally by project).
CREATE TABLE user_projects (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, project_id)
);
CREATE INDEX user_projects_project_idx ON user_projects (project_id);

-- The project a request is about, chosen when it is filed: its subject's
-- (a borrowed archive, a key's building), else the requester's one project.
-- Escalation and later steps keep it.
ALTER TABLE approval_requests ADD COLUMN project_id bigint REFERENCES projects (id);
