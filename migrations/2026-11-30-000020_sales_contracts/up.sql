-- Sales contracts (营销部客服: 合同的备案及作废, 按揭贷款的后续服务): each contract
-- signed and handed back to customer service, followed until the customer has
-- collected it: filing at the housing bureau (备案), for a mortgage the agent's
-- signature and the bank's loan, the customer told to collect it (with the deed
-- tax deadline, 契税), the customer's signature on collection; or its voiding
-- (作废) with the reason. Then the project's end (负责项目结束时的后续工作): the
-- unit's surveyed area (产权面积) against the pre-sale area and the refund or
-- top-up it makes (退补款), its settlement with finance, the property certificate
-- (房屋产权证) received from the housing bureau, and its issue to the buyer in
-- person against their signature. Every step stays in `sales_contract_events`.
CREATE TABLE sales_contracts (
    id BIGSERIAL PRIMARY KEY,
    contract_no TEXT NOT NULL UNIQUE CHECK (contract_no <> ''),
    project TEXT NOT NULL CHECK (project <> ''),
    -- 栋号-单元-楼层-房号, as the contract writes it.
    unit TEXT NOT NULL CHECK (unit <> ''),
    buyer TEXT NOT NULL CHECK (buyer <> ''),
    -- Personal data: shown masked; a full view is audited.
    buyer_phone TEXT NOT NULL DEFAULT '',
    signed_on DATE NOT NULL,
    -- The pre-sale area (预售面积) in hundredths of a square metre, the price in fen.
    area_centi INTEGER NOT NULL CHECK (area_centi > 0),
    price_fen BIGINT NOT NULL CHECK (price_fen > 0),
    payment TEXT NOT NULL CHECK (payment IN ('full', 'mortgage')),
    -- The agent (中介) who handles a mortgage.
    agent TEXT NOT NULL DEFAULT '',
    -- The last step done.
    stage TEXT NOT NULL DEFAULT 'signed'
        CHECK (stage IN ('signed', 'filed', 'agent', 'loan', 'notified', 'collected', 'voided')),
    filed_on DATE,
    notified_on DATE,
    deed_tax_due DATE,
    collected_on DATE,
    voided_on DATE,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Each step bumps it: a step sent from a page read before another is refused.
    version INTEGER NOT NULL DEFAULT 1,
    surveyed_centi INTEGER CHECK (surveyed_centi > 0),
    -- What the buyer pays (positive) or is refunded (negative), in fen.
    adjust_fen BIGINT,
    settled_on DATE,
    cert_no TEXT NOT NULL DEFAULT '',
    cert_received_on DATE,
    cert_issued_on DATE,
    -- The name the buyer signed with on collecting the certificate.
    cert_signed_by TEXT NOT NULL DEFAULT ''
);
-- The register by signing date, newest first (a keyset over it), all or one stage.
CREATE INDEX sales_contracts_signed_idx ON sales_contracts (signed_on DESC, id DESC);
CREATE INDEX sales_contracts_stage_idx ON sales_contracts (stage, signed_on DESC, id DESC);
-- The contracts still being followed (the register's first view).
CREATE INDEX sales_contracts_open_idx ON sales_contracts (signed_on DESC, id DESC)
    WHERE stage NOT IN ('collected', 'voided');
-- The certificates still to be issued: collected contracts without one issued.
CREATE INDEX sales_contracts_cert_idx ON sales_contracts (signed_on DESC, id DESC)
    WHERE stage = 'collected' AND cert_issued_on IS NULL;

-- Every step of a contract, with its date, who recorded it and a note.
CREATE TABLE sales_contract_events (
    id BIGSERIAL PRIMARY KEY,
    contract_id BIGINT NOT NULL REFERENCES sales_contracts (id),
    step TEXT NOT NULL
        CHECK (step IN ('signed', 'filed', 'agent', 'loan', 'notified', 'collected', 'voided',
            'surveyed', 'settled', 'cert_received', 'cert_issued')),
    on_date DATE NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    actor_id BIGINT NOT NULL REFERENCES users (id),
    at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sales_contract_events_contract_idx ON sales_contract_events (contract_id, id);
-- The month's report counts filings and voidings by the step's date.
CREATE INDEX sales_contract_events_step_idx ON sales_contract_events (step, on_date);
