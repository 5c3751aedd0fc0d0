-- Foundation: accounts, roles, sessions, sign-in throttling and the audit log.

CREATE TABLE roles (
    code text PRIMARY KEY,
    sort_order integer NOT NULL
);

-- The seven posts (岗位) of the rule book; their names live in the locale catalogs.
INSERT INTO roles (code, sort_order) VALUES
    ('employee', 10),
    ('cs_specialist', 20),
    ('archive_keeper', 30),
    ('cs_supervisor', 40),
    ('center_manager', 50),
    ('engineering_manager', 60),
    ('admin', 70);

CREATE TABLE users (
    id bigserial PRIMARY KEY,
    username text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,31}$'),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 64),
    email text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    locale text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN', 'en')),
    active boolean NOT NULL DEFAULT true,
    password_hash text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE INDEX users_display_name_idx ON users (display_name, id);

CREATE TABLE user_roles (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_code text NOT NULL REFERENCES roles (code),
    PRIMARY KEY (user_id, role_code)
);

-- Server-side sessions behind actix-session. The cookie holds a random key; only
-- its SHA-256 is stored. user_id lets sign-out, deactivation and role changes end
-- every session of a user at once.
CREATE TABLE sessions (
    key_hash bytea PRIMARY KEY,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    state jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Failed sign-ins, kept in the database so throttling holds across instances.
CREATE TABLE login_failures (
    id bigserial PRIMARY KEY,
    username text NOT NULL,
    ip text NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username_idx ON login_failures (username, at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, at);

-- An account or an address refused until locked_until.
CREATE TABLE login_locks (
    kind text NOT NULL CHECK (kind IN ('account', 'address')),
    key text NOT NULL,
    locked_until timestamptz NOT NULL,
    PRIMARY KEY (kind, key)
);

-- Who did what to which record, when and from where. Append-only: the trigger
-- below refuses UPDATE, DELETE and TRUNCATE for every database role.
CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor_id bigint REFERENCES users (id),
    action text NOT NULL,
    entity text,
    entity_id text,
    ip text,
    request_id text,
    details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
