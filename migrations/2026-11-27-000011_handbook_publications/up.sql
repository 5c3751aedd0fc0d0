-- Publishing a handbook version is a request the service-centre manager approves
-- (approvals engine, kind `handbook_publish`). The row keeps what the editor asked
-- for until the approval publishes the draft with it.
CREATE TABLE handbook_publications (
    id bigserial PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES handbook_versions (id) ON DELETE CASCADE,
    effective_on date NOT NULL,
    change_note text NOT NULL,
    requires_ack boolean NOT NULL DEFAULT false,
    ack_roles text[] NOT NULL DEFAULT '{}',
    requested_by bigint NOT NULL REFERENCES users (id),
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- One publication waiting per draft: a double click files one request.
CREATE UNIQUE INDEX handbook_publications_one_pending ON handbook_publications (version_id)
    WHERE status = 'pending';
