-- The mail outbox, scheduled job runs, the approvals engine and leave requests.

-- Every mail, written in the same transaction as the change that causes it.
-- Rendered when queued, in the recipient's language; the worker only sends.
CREATE TABLE mail_outbox (
    id bigserial PRIMARY KEY,
    idempotency_key text NOT NULL,
    message text NOT NULL,
    to_addr text NOT NULL,
    to_name text NOT NULL,
    locale text NOT NULL,
    subject text NOT NULL,
    body_text text NOT NULL,
    body_html text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- A worker's claim: others leave the row alone until the lease ends.
    locked_until timestamptz,
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE UNIQUE INDEX mail_outbox_idempotency_key ON mail_outbox (idempotency_key);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX mail_outbox_list_idx ON mail_outbox (id DESC);

-- One row per job and period: the unique key makes each run happen once
-- whatever the number of instances.
CREATE TABLE job_runs (
    id bigserial PRIMARY KEY,
    job text NOT NULL,
    period text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    ok boolean,
    result text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX job_runs_job_period ON job_runs (job, period);
CREATE INDEX job_runs_list_idx ON job_runs (id DESC);

CREATE TABLE approval_requests (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    subject_id bigint NOT NULL,
    title text NOT NULL,
    requester_id bigint NOT NULL REFERENCES users (id),
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    current_step integer NOT NULL DEFAULT 0,
    -- Bumped by every edit: email links name the version they were sent for.
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz
);
CREATE UNIQUE INDEX approval_requests_subject ON approval_requests (kind, subject_id);
CREATE INDEX approval_requests_requester_idx ON approval_requests (requester_id, id DESC);

-- One approver's turn at one step. At most one is pending per request.
CREATE TABLE approval_tasks (
    id bigserial PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES approval_requests (id) ON DELETE CASCADE,
    step integer NOT NULL,
    approver_id bigint NOT NULL REFERENCES users (id),
    role_code text NOT NULL,
    -- Place in the step's escalation chain (0 = the step's own role).
    level integer NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'escalated')),
    due_at timestamptz NOT NULL,
    reminded_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    decided_at timestamptz,
    decided_by bigint REFERENCES users (id),
    via text CHECK (via IN ('web', 'email')),
    on_behalf_of bigint REFERENCES users (id),
    comment text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX approval_tasks_one_pending ON approval_tasks (request_id) WHERE status = 'pending';
CREATE INDEX approval_tasks_inbox_idx ON approval_tasks (approver_id, id DESC) WHERE status = 'pending';
CREATE INDEX approval_tasks_due_idx ON approval_tasks (due_at) WHERE status = 'pending';
CREATE INDEX approval_tasks_request_idx ON approval_tasks (request_id, id);

-- The request's trail: every submission, decision, escalation and edit.
CREATE TABLE approval_events (
    id bigserial PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES approval_requests (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    step integer,
    action text NOT NULL,
    actor_id bigint REFERENCES users (id),
    via text,
    on_behalf_of bigint REFERENCES users (id),
    comment text NOT NULL DEFAULT ''
);
CREATE INDEX approval_events_request_idx ON approval_events (request_id, id);

-- "While I am away, my deputy decides for me."
CREATE TABLE approval_deputies (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    deputy_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on >= starts_on),
    CHECK (user_id <> deputy_id)
);
CREATE INDEX approval_deputies_user_idx ON approval_deputies (user_id, ends_on);
CREATE INDEX approval_deputies_deputy_idx ON approval_deputies (deputy_id, ends_on);

-- Email links. Only the SHA-256 of the token is kept.
CREATE TABLE approval_links (
    token_hash bytea PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES approval_tasks (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    request_version integer NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX approval_links_task_idx ON approval_links (task_id);

CREATE TABLE leave_requests (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    leave_type text NOT NULL CHECK (leave_type IN
        ('personal', 'sick', 'annual', 'compensatory', 'marriage', 'bereavement', 'maternity')),
    start_date date NOT NULL,
    -- The first day starts at noon / the last day ends at noon.
    start_pm boolean NOT NULL DEFAULT false,
    end_am boolean NOT NULL DEFAULT false,
    half_days integer NOT NULL CHECK (half_days > 0),
    reason text NOT NULL,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    -- Sick leave a supervisor recorded after the fact.
    after_the_fact boolean NOT NULL DEFAULT false,
    recorded_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    end_date date NOT NULL,
    CHECK (end_date >= start_date)
);
CREATE INDEX leave_requests_user_idx ON leave_requests (user_id, id DESC);
CREATE INDEX leave_requests_dates_idx ON leave_requests (start_date, end_date) WHERE status = 'approved';
