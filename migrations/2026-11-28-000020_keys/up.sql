-- The key cabinet (钥匙管理规定): keys by category, issue to owners with a signed
-- receipt, loans (房屋钥匙管理记录表) approved per category, copy requests, shift
-- counts. Also lets an approval request carry its approver roles, chosen when it
-- is filed (a key loan's approver depends on the keys' category).

ALTER TABLE approval_requests ADD COLUMN step_roles jsonb;

-- The three categories of the rule book and who decides about each: data, so a
-- site can change the approver of a category without a release.
CREATE TABLE key_categories (
    code text PRIMARY KEY CHECK (code IN ('owner', 'common', 'facility')),
    position integer NOT NULL,
    -- Role that approves loans of this category's keys.
    loan_approver text NOT NULL REFERENCES roles (code),
    -- Department keeping the keys (钥匙保管): `cs` 客服部 or `engineering` 工程部.
    custodian text NOT NULL CHECK (custodian IN ('cs', 'engineering')),
    -- Role mailed for the custodian department (overdue loans).
    custodian_role text NOT NULL REFERENCES roles (code)
);
INSERT INTO key_categories VALUES
    ('owner', 1, 'cs_supervisor', 'cs', 'cs_specialist'),
    ('common', 2, 'engineering_manager', 'engineering', 'engineering_manager'),
    ('facility', 3, 'engineering_manager', 'engineering', 'engineering_manager');

CREATE TABLE keys (
    id bigserial PRIMARY KEY,
    category text NOT NULL REFERENCES key_categories (code),
    building_id bigint NOT NULL REFERENCES buildings (id),
    -- The room of an owner key, the equipment room of a facility key.
    room_id bigint REFERENCES rooms (id),
    -- The floor of a common-area key.
    floor integer CHECK (floor BETWEEN -10 AND 200),
    -- Owner keys: security_door, unit_door, interior_door, intercom_door, mailbox;
    -- common-area keys: the door or window as written; facility keys: ''.
    door text NOT NULL DEFAULT '' CHECK (length(door) <= 40),
    label text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    cabinet text NOT NULL DEFAULT '' CHECK (length(cabinet) <= 40),
    hook integer CHECK (hook BETWEEN 1 AND 100000),
    copies integer NOT NULL DEFAULT 1 CHECK (copies BETWEEN 0 AND 99),
    custodian text NOT NULL CHECK (custodian IN ('cs', 'engineering')),
    status text NOT NULL DEFAULT 'in'
        CHECK (status IN ('in', 'issued', 'lent', 'lost', 'retired')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((category = 'common') = (floor IS NOT NULL AND room_id IS NULL))
);
-- One key per door: creating a set twice creates nothing the second time.
CREATE UNIQUE INDEX keys_one_per_door ON keys (category, building_id, room_id, floor, door)
    NULLS NOT DISTINCT;
CREATE INDEX keys_room_idx ON keys (room_id) WHERE room_id IS NOT NULL;
CREATE INDEX keys_building_idx ON keys (building_id, id);
CREATE INDEX keys_status_idx ON keys (status, id);
CREATE INDEX keys_cabinet_idx ON keys (cabinet, hook);

-- Issue to an owner (发放): who received what, checked against which record, signed.
CREATE TABLE key_issues (
    id bigserial PRIMARY KEY,
    room_id bigint NOT NULL REFERENCES rooms (id),
    resident_id bigint NOT NULL REFERENCES residents (id),
    signed_name text NOT NULL CHECK (length(signed_name) BETWEEN 1 AND 64),
    signature_png bytea,
    signed_at timestamptz NOT NULL,
    issued_by bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX key_issues_room_idx ON key_issues (room_id, id);
CREATE TABLE key_issue_lines (
    issue_id bigint NOT NULL REFERENCES key_issues (id) ON DELETE CASCADE,
    key_id bigint NOT NULL REFERENCES keys (id),
    PRIMARY KEY (issue_id, key_id)
);
-- A key is issued once (a double submit issues nothing twice).
CREATE UNIQUE INDEX key_issue_lines_key ON key_issue_lines (key_id);

-- A loan (借出/归还): one line of the 房屋钥匙管理记录表, for one or more keys of
-- one building and category.
CREATE TABLE key_loans (
    id bigserial PRIMARY KEY,
    category text NOT NULL REFERENCES key_categories (code),
    building_id bigint NOT NULL REFERENCES buildings (id),
    -- `staff` (borrower_id set) or `outside` (a worker of another company).
    borrower_kind text NOT NULL CHECK (borrower_kind IN ('staff', 'outside')),
    borrower_id bigint REFERENCES users (id),
    borrower_name text NOT NULL CHECK (length(borrower_name) BETWEEN 1 AND 64),
    borrower_company text NOT NULL DEFAULT '' CHECK (length(borrower_company) <= 100),
    borrower_id_number text NOT NULL DEFAULT '' CHECK (length(borrower_id_number) <= 30),
    work_order text NOT NULL DEFAULT '' CHECK (length(work_order) <= 40),
    purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    due_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN
        ('pending', 'approved', 'rejected', 'withdrawn', 'out', 'returned', 'lost')),
    requested_by bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    handed_out_by bigint REFERENCES users (id),
    handed_out_at timestamptz,
    returned_to bigint REFERENCES users (id),
    returned_at timestamptz,
    lost_account text NOT NULL DEFAULT '',
    lost_at timestamptz,
    CHECK ((borrower_kind = 'staff') = (borrower_id IS NOT NULL))
);
-- The register: newest first by filing time, with or without filters, keyset
-- on (created_at, id); each filter has its own index so a deep page stays a
-- short index range.
CREATE INDEX key_loans_register_idx ON key_loans (created_at DESC, id DESC);
CREATE INDEX key_loans_status_idx ON key_loans (status, created_at DESC, id DESC);
CREATE INDEX key_loans_category_idx ON key_loans (category, created_at DESC, id DESC);
CREATE INDEX key_loans_building_idx ON key_loans (building_id, created_at DESC, id DESC);
CREATE INDEX key_loans_mine_idx ON key_loans (requested_by, created_at DESC, id DESC);
CREATE INDEX key_loans_borrower_idx ON key_loans (borrower_id, created_at DESC, id DESC)
    WHERE borrower_id IS NOT NULL;
CREATE INDEX key_loans_overdue_idx ON key_loans (due_at) WHERE status = 'out';

CREATE TABLE key_loan_lines (
    loan_id bigint NOT NULL REFERENCES key_loans (id) ON DELETE CASCADE,
    key_id bigint NOT NULL REFERENCES keys (id),
    -- Set at hand-over, cleared at return or loss.
    out boolean NOT NULL DEFAULT false,
    returned_at timestamptz,
    lost boolean NOT NULL DEFAULT false,
    PRIMARY KEY (loan_id, key_id)
);
-- "A key that is out cannot be lent again": at most one open line per key, so
-- of two clerks handing the same key over at once, one fails.
CREATE UNIQUE INDEX key_loan_lines_one_out ON key_loan_lines (key_id) WHERE out;
CREATE INDEX key_loan_lines_key_idx ON key_loan_lines (key_id, loan_id);

-- One reminder per overdue loan per calendar day, written in the same
-- transaction as its mails: two job instances cannot both send it.
CREATE TABLE key_overdue_notices (
    loan_id bigint NOT NULL REFERENCES key_loans (id) ON DELETE CASCADE,
    day date NOT NULL,
    sent_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (loan_id, day)
);

-- 配钥匙: "未经工程部经理或主管同意,任何人不得私配钥匙".
CREATE TABLE key_copy_requests (
    id bigserial PRIMARY KEY,
    key_id bigint NOT NULL REFERENCES keys (id),
    copies_requested integer NOT NULL CHECK (copies_requested BETWEEN 1 AND 20),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'made')),
    requested_by bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    copies_made integer CHECK (copies_made BETWEEN 0 AND 20),
    made_by bigint REFERENCES users (id),
    made_at timestamptz
);
CREATE INDEX key_copy_requests_list_idx ON key_copy_requests (id DESC);
CREATE INDEX key_copy_requests_key_idx ON key_copy_requests (key_id, id);

-- Shift handover counts (交接班清点): what should have been in the cabinet, what was.
CREATE TABLE key_counts (
    id bigserial PRIMARY KEY,
    cabinet text NOT NULL DEFAULT '',
    counted_by bigint NOT NULL REFERENCES users (id),
    counted_at timestamptz NOT NULL DEFAULT now(),
    expected integer NOT NULL,
    missing integer NOT NULL,
    note text NOT NULL DEFAULT '' CHECK (length(note) <= 1000)
);
CREATE INDEX key_counts_list_idx ON key_counts (id DESC);
CREATE TABLE key_count_lines (
    count_id bigint NOT NULL REFERENCES key_counts (id) ON DELETE CASCADE,
    key_id bigint NOT NULL REFERENCES keys (id),
    present boolean NOT NULL,
    PRIMARY KEY (count_id, key_id)
);

-- Each key's history: created, stored, issued, lent, returned, lost, copied, counted missing.
CREATE TABLE key_events (
    id bigserial PRIMARY KEY,
    key_id bigint NOT NULL REFERENCES keys (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    action text NOT NULL,
    actor_id bigint REFERENCES users (id),
    loan_id bigint REFERENCES key_loans (id),
    note text NOT NULL DEFAULT ''
);
CREATE INDEX key_events_key_idx ON key_events (key_id, id);
