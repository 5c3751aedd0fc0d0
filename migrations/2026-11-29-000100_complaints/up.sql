-- 客户意见、要求、投诉 and 来电/网络咨询登记 (人员构架、职责分工 5; 接待来访客户管理
-- 规定 7: 客户的任何投诉或疑问，接待人员应认真记录): each matter a customer raised,
-- by whatever channel, recorded by whoever took it, assigned by a supervisor to
-- someone who follows it up until it is resolved; counted by month.
CREATE TABLE complaints (
    id BIGSERIAL PRIMARY KEY,
    received_at TIMESTAMPTZ NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('visit', 'phone', 'online', 'letter', 'other')),
    kind TEXT NOT NULL CHECK (kind IN ('opinion', 'request', 'complaint', 'inquiry')),
    customer_name TEXT NOT NULL CHECK (customer_name <> ''),
    customer_phone TEXT NOT NULL DEFAULT '',
    room TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL CHECK (content <> ''),
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    assignee_id BIGINT REFERENCES users (id),
    assigned_at TIMESTAMPTZ,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    resolved_at TIMESTAMPTZ,
    resolution TEXT NOT NULL DEFAULT '',
    CHECK ((assignee_id IS NULL) = (assigned_at IS NULL)),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
-- The register in order received, newest first (a keyset over it), and what
-- waits: not yet assigned, or still open.
CREATE INDEX complaints_order_idx ON complaints (received_at DESC, id DESC);
CREATE INDEX complaints_open_idx ON complaints (received_at DESC, id DESC) WHERE status = 'open';
CREATE INDEX complaints_recorder_idx ON complaints (recorded_by, received_at DESC, id DESC);
CREATE INDEX complaints_assignee_idx ON complaints (assignee_id, received_at DESC, id DESC);

-- Follow-up notes (跟进记录), the last one possibly the resolution.
CREATE TABLE complaint_notes (
    id BIGSERIAL PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL DEFAULT now(),
    body TEXT NOT NULL CHECK (body <> '')
);
CREATE INDEX complaint_notes_complaint_idx ON complaint_notes (complaint_id, id);
