-- 违规处罚 (日常管理 2): a breach of a clause by an employee. A breach is first
-- proposed (by a supervisor, or by kefu from a register: a visitor register made
-- late, a key kept past its due time) and fines no one until a supervisor or the
-- centre manager confirms it; the fine then follows the clause's schedule and the
-- person's earlier confirmed breaches under that schedule (`offence_no`).
CREATE TABLE violations (
    id BIGSERIAL PRIMARY KEY,
    employee_id BIGINT NOT NULL REFERENCES users (id),
    -- The breached clause as the handbook prints it ("日常管理 1(2)"), and the
    -- schedule of 日常管理 2 it falls under (`violations::schedule`).
    clause TEXT NOT NULL CHECK (clause <> ''),
    schedule TEXT NOT NULL CHECK (schedule <> ''),
    occurred_on DATE NOT NULL,
    details TEXT NOT NULL CHECK (details <> ''),
    -- The private call's cost, for the schedule that fines twice it (1(14)).
    charge_fen BIGINT CHECK (charge_fen > 0),
    -- Where the proposal came from: a supervisor's own record, or a register.
    source TEXT NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'visit', 'key_loan')),
    source_id BIGINT,
    status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'dismissed')),
    proposed_by BIGINT REFERENCES users (id),
    proposed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMPTZ,
    decision_note TEXT NOT NULL DEFAULT '',
    -- Set when confirmed: the how-many-th confirmed breach under its schedule,
    -- and what it costs.
    offence_no INT CHECK (offence_no > 0),
    fine_fen BIGINT CHECK (fine_fen >= 0),
    suspension_days INT CHECK (suspension_days >= 0),
    dismissal BOOLEAN,
    CHECK ((source = 'manual') = (source_id IS NULL)),
    CHECK ((source = 'manual') = (proposed_by IS NOT NULL)),
    CHECK ((status = 'proposed') = (decided_at IS NULL)),
    CHECK ((status = 'confirmed') = (offence_no IS NOT NULL)),
    CHECK ((status = 'confirmed') = (fine_fen IS NOT NULL))
);
-- A register's breach is proposed once, however often the job runs.
CREATE UNIQUE INDEX violations_source_key ON violations (source, source_id) WHERE source_id IS NOT NULL;
-- A person's count under a schedule, and one number per breach.
CREATE UNIQUE INDEX violations_offence_key ON violations (employee_id, schedule, offence_no)
    WHERE status = 'confirmed';
-- The register by month, newest first (a keyset over it); the waiting proposals.
CREATE INDEX violations_order_idx ON violations (occurred_on DESC, id DESC);
CREATE INDEX violations_proposed_idx ON violations (occurred_on DESC, id DESC) WHERE status = 'proposed';
CREATE INDEX violations_employee_idx ON violations (employee_id, occurred_on DESC, id DESC);

-- The handbook's schedule clauses show how many proposals wait, kept in memory
-- until a notice on `t:violations`.
CREATE TRIGGER violations_topic_notice AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON violations
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_topic('violations');
