-- Resident archives (住户档案): one archive per room and resident, the documents in
-- it, the retention schedule (档案保存期限规定) on the document types, borrowing
-- (文件借阅登记表) and destruction (过期文件处理登记表, 销毁清册).

-- Document types: the seed's checklists, extendable by an admin. The retention
-- schedule lives here too: a period in years counted from an event, or permanent.
CREATE TABLE archive_doc_types (
    id bigserial PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9_]{1,40}$'),
    archive_kind text NOT NULL CHECK (archive_kind IN ('owner', 'tenant')),
    name_zh text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 100),
    name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 100),
    position integer NOT NULL DEFAULT 0,
    -- Counts towards the archive's completeness.
    required boolean NOT NULL DEFAULT true,
    -- Personal papers (不可复印或借出): new documents of this type are confidential.
    personal boolean NOT NULL DEFAULT false,
    retention_event text NOT NULL DEFAULT 'received'
        CHECK (retention_event IN ('received', 'moved_out', 'lease_ended', 'contract_ended', 'permanent')),
    retention_years integer CHECK (retention_years BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((retention_event = 'permanent') = (retention_years IS NULL))
);

INSERT INTO archive_doc_types
    (code, archive_kind, name_zh, name_en, position, required, personal, retention_event, retention_years)
VALUES
    ('owner_id_copy', 'owner', '身份证复印件', 'Copy of ID card', 1, true, true, 'moved_out', 3),
    ('move_in_notice', 'owner', '入伙通知书', 'Move-in notice', 2, true, false, 'moved_out', 10),
    ('service_agreement', 'owner', '前期物业管理服务协议', 'Preliminary property management agreement', 3, true, false, 'contract_ended', 10),
    ('owner_register', 'owner', '业主情况登记表', 'Owner registration form', 4, true, true, 'moved_out', 3),
    ('owner_covenant', 'owner', '业主临时公约', 'Provisional owners'' covenant', 5, true, false, 'permanent', NULL),
    ('renovation_agreement', 'owner', '装修管理协议', 'Renovation management agreement', 6, true, false, 'received', 10),
    ('fire_safety', 'owner', '消防安全责任书', 'Fire safety pledge', 7, true, false, 'received', 10),
    ('handover_record', 'owner', '物业验收交接记录表', 'Property inspection and hand-over record', 8, true, false, 'received', 30),
    ('lease_agency', 'tenant', '物业租赁代理协议及委托书', 'Letting agency agreement and mandate', 1, true, false, 'lease_ended', 10),
    ('tenant_id_copy', 'tenant', '承租人身份证复印件及营业执照复印件(副本)', 'Copy of the tenant''s ID card and business licence', 2, true, true, 'lease_ended', 3),
    ('lease_contract', 'tenant', '租赁合同', 'Lease contract', 3, true, false, 'lease_ended', 10),
    ('settlement', 'tenant', '前期费用结算清单', 'Settlement of initial charges', 4, true, false, 'received', 10),
    ('tenant_other', 'tenant', '其他应存资料', 'Other papers to keep', 5, false, false, 'received', 10);

CREATE TABLE archives (
    id bigserial PRIMARY KEY,
    resident_id bigint NOT NULL UNIQUE REFERENCES residents (id),
    room_id bigint NOT NULL REFERENCES rooms (id),
    kind text NOT NULL CHECK (kind IN ('owner', 'tenant')),
    -- The label and order of the paper archive (栋号、楼层号、房号), copied from the
    -- room so the list is one index scan.
    project_id bigint NOT NULL REFERENCES projects (id),
    building_id bigint NOT NULL REFERENCES buildings (id),
    building_code text NOT NULL,
    floor integer NOT NULL,
    unit text NOT NULL,
    number text NOT NULL,
    resident_name text NOT NULL,
    -- Events the retention periods run from (the move-out is on the resident).
    lease_ended_on date,
    contract_ended_on date,
    -- Legal hold (冻结) of the whole archive; the reason is in its history.
    legal_hold boolean NOT NULL DEFAULT false,
    -- Maintained summary: required types with at least one kept document.
    present_required integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX archives_order_idx ON archives (project_id, building_code, floor, unit, number, id);
CREATE INDEX archives_building_idx ON archives (building_id, floor, unit, number);

CREATE TABLE archive_documents (
    id bigserial PRIMARY KEY,
    archive_id bigint NOT NULL REFERENCES archives (id),
    type_id bigint NOT NULL REFERENCES archive_doc_types (id),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    received_on date NOT NULL,
    pages integer NOT NULL CHECK (pages BETWEEN 1 AND 10000),
    cabinet text NOT NULL DEFAULT '' CHECK (length(cabinet) <= 40),
    box text NOT NULL DEFAULT '' CHECK (length(box) <= 40),
    confidential boolean NOT NULL,
    -- Derived from the schedule and the events; NULL while permanent or while the
    -- event has not happened. Recomputed in the transaction that changes either.
    retain_until date,
    legal_hold boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'kept' CHECK (status IN ('kept', 'on_loan', 'destroyed')),
    -- When destroyed: see the destruction list that holds it.
    has_scan boolean NOT NULL DEFAULT false,
    created_by bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX archive_documents_archive_idx ON archive_documents (archive_id, id);
CREATE INDEX archive_documents_type_idx ON archive_documents (type_id);
-- The same paper filed twice (a double click) is one document.
CREATE UNIQUE INDEX archive_documents_once ON archive_documents (archive_id, type_id, title, received_on)
    WHERE status <> 'destroyed';
CREATE INDEX archive_documents_due_idx ON archive_documents (retain_until, id)
    WHERE status <> 'destroyed' AND retain_until IS NOT NULL;

-- Scans apart, so that lists never load the bytes.
CREATE TABLE archive_scans (
    document_id bigint PRIMARY KEY REFERENCES archive_documents (id),
    content_type text NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    filename text NOT NULL,
    size integer NOT NULL CHECK (size BETWEEN 1 AND 20971520),
    content bytea NOT NULL,
    uploaded_by bigint NOT NULL REFERENCES users (id),
    uploaded_at timestamptz NOT NULL DEFAULT now()
);

-- The archive's history: every change to it or its documents.
CREATE TABLE archive_history (
    id bigserial PRIMARY KEY,
    archive_id bigint NOT NULL REFERENCES archives (id),
    document_id bigint REFERENCES archive_documents (id),
    action text NOT NULL,
    detail text NOT NULL DEFAULT '',
    actor_id bigint REFERENCES users (id),
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX archive_history_archive_idx ON archive_history (archive_id, id);

-- Borrowing and consulting (借阅), the 文件借阅登记表.
CREATE TABLE archive_borrows (
    id bigserial PRIMARY KEY,
    archive_id bigint NOT NULL REFERENCES archives (id),
    borrower_id bigint NOT NULL REFERENCES users (id),
    mode text NOT NULL CHECK (mode IN ('loan', 'copy', 'consult')),
    purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    due_on date NOT NULL,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'lent', 'returned')),
    lent_at timestamptz,
    lent_by bigint REFERENCES users (id),
    signed_name text,
    signature_png bytea,
    signed_at timestamptz,
    returned_at timestamptz,
    returned_to bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX archive_borrows_overdue_idx ON archive_borrows (due_on) WHERE status = 'lent';

CREATE TABLE archive_borrow_items (
    borrow_id bigint NOT NULL REFERENCES archive_borrows (id),
    document_id bigint NOT NULL REFERENCES archive_documents (id),
    PRIMARY KEY (borrow_id, document_id)
);
CREATE INDEX archive_borrow_items_document_idx ON archive_borrow_items (document_id);

-- Each document is announced at most once per kind and date: the row is written in
-- the transaction that queues the digest mail.
CREATE TABLE archive_retention_notices (
    document_id bigint NOT NULL REFERENCES archive_documents (id),
    kind text NOT NULL CHECK (kind IN ('ahead', 'due')),
    retain_until date NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (document_id, kind, retain_until)
);

-- Destruction lists (过期文件处理登记表) and their record (销毁清册).
CREATE TABLE archive_destructions (
    id bigserial PRIMARY KEY,
    status text NOT NULL DEFAULT 'in_review'
        CHECK (status IN ('in_review', 'approved', 'rejected', 'withdrawn', 'destroyed')),
    note text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    created_by bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    rechecked_by bigint REFERENCES users (id),
    rechecked_at timestamptz,
    destroyed_by bigint REFERENCES users (id),
    destroyed_at timestamptz
);
CREATE INDEX archive_destructions_order_idx ON archive_destructions (id DESC);

CREATE TABLE archive_destruction_items (
    destruction_id bigint NOT NULL REFERENCES archive_destructions (id),
    document_id bigint NOT NULL REFERENCES archive_documents (id),
    position integer NOT NULL,
    PRIMARY KEY (destruction_id, document_id)
);
CREATE INDEX archive_destruction_items_document_idx ON archive_destruction_items (document_id);

-- 两人以上在场: one row per witness, each from their own session.
CREATE TABLE archive_destruction_witnesses (
    destruction_id bigint NOT NULL REFERENCES archive_destructions (id),
    user_id bigint NOT NULL REFERENCES users (id),
    signed_name text NOT NULL,
    signature_png bytea,
    signed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (destruction_id, user_id)
);

-- A second click on "ask to borrow" files nothing new while one request waits.
CREATE UNIQUE INDEX archive_borrows_one_pending ON archive_borrows (archive_id, borrower_id)
    WHERE status = 'pending';
