-- The 来访客户登记表 (接待来访客户管理规定): each reception, registered by the one
-- who received the visitor, due within 10 minutes of its end (rule 4: `late`
-- when it was not); visits that need following up stay open until their
-- receiver closes them, with notes and reports to the supervisor (rule 5).
CREATE TABLE visits (
    id BIGSERIAL PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ NOT NULL,
    visitor_name TEXT NOT NULL CHECK (visitor_name <> ''),
    visitor_phone TEXT NOT NULL DEFAULT '',
    visitor_kind TEXT NOT NULL CHECK (visitor_kind IN ('owner', 'tenant', 'prospect', 'other')),
    room TEXT NOT NULL DEFAULT '',
    matter TEXT NOT NULL CHECK (matter <> ''),
    answer TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    received_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    late BOOLEAN NOT NULL,
    closed_at TIMESTAMPTZ,
    CHECK (ended_at >= started_at),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);
-- The register in reception order, newest first (a keyset over it).
CREATE INDEX visits_order_idx ON visits (started_at DESC, id DESC);
CREATE INDEX visits_open_idx ON visits (started_at DESC, id DESC) WHERE status = 'open';
CREATE INDEX visits_receiver_idx ON visits (received_by, started_at DESC, id DESC);

-- Follow-up notes on a visit (跟进), some of them reported to the supervisor.
CREATE TABLE visit_notes (
    id BIGSERIAL PRIMARY KEY,
    visit_id BIGINT NOT NULL REFERENCES visits (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    body TEXT NOT NULL CHECK (body <> ''),
    reported BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX visit_notes_visit_idx ON visit_notes (visit_id, id);

-- The handbook's follow-up clause shows how many visits are open, kept in memory
-- until a notice on `t:visits`.
CREATE TRIGGER visits_topic_notice AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON visits
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('visits');
