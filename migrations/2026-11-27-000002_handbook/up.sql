-- Handbook (规章制度): documents → versions → sections → clauses, read
-- acknowledgements, and links from clauses to the registers that enforce them.

-- Trigram search over Chinese text (needs a UTF-8 LC_CTYPE; start-up warns otherwise).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- A rule document keeps its identity (and its clause anchors) across versions.
-- `source_key` says where it came from ("客服规章制度1"), so re-importing finds it.
CREATE TABLE handbook_documents (
    id bigserial PRIMARY KEY,
    source_key text NOT NULL UNIQUE CHECK (length(source_key) BETWEEN 1 AND 200),
    position integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- A version is a draft (number NULL) until published; at most one draft per document.
CREATE TABLE handbook_versions (
    id bigserial PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES handbook_documents (id) ON DELETE CASCADE,
    number integer CHECK (number > 0),
    status text NOT NULL CHECK (status IN ('draft', 'published')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    content_hash text NOT NULL,
    effective_on date,
    change_note text NOT NULL DEFAULT '',
    requires_ack boolean NOT NULL DEFAULT false,
    ack_roles text[] NOT NULL DEFAULT '{}',
    created_by bigint REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    published_by bigint REFERENCES users (id),
    published_at timestamptz,
    CHECK ((status = 'draft') = (number IS NULL)),
    CHECK (status = 'draft' OR effective_on IS NOT NULL),
    UNIQUE (document_id, number)
);
CREATE UNIQUE INDEX handbook_versions_one_draft ON handbook_versions (document_id)
    WHERE status = 'draft';
CREATE INDEX handbook_versions_ack_idx ON handbook_versions (published_at)
    WHERE requires_ack;

CREATE TABLE handbook_sections (
    id bigserial PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES handbook_versions (id) ON DELETE CASCADE,
    position integer NOT NULL,
    number text NOT NULL DEFAULT '',
    title text NOT NULL DEFAULT '',
    UNIQUE (version_id, position)
);

-- `anchor` is the clause's place in the outline ("1-3-2-3"), the same in every
-- version while the outline keeps its shape: links to a clause survive revisions.
CREATE TABLE handbook_clauses (
    id bigserial PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES handbook_versions (id) ON DELETE CASCADE,
    section_id bigint NOT NULL REFERENCES handbook_sections (id) ON DELETE CASCADE,
    position integer NOT NULL,
    depth integer NOT NULL CHECK (depth >= 0),
    number text NOT NULL DEFAULT '',
    anchor text NOT NULL,
    citation text NOT NULL DEFAULT '',
    body text NOT NULL,
    gap boolean NOT NULL DEFAULT false,
    UNIQUE (version_id, position),
    UNIQUE (version_id, anchor)
);
CREATE INDEX handbook_clauses_section_idx ON handbook_clauses (section_id, position);
CREATE INDEX handbook_clauses_body_trgm ON handbook_clauses USING gin (body gin_trgm_ops);

-- 签收: one row per user who confirmed having read a version.
CREATE TABLE handbook_acknowledgements (
    version_id bigint NOT NULL REFERENCES handbook_versions (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    acknowledged_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (version_id, user_id)
);
CREATE INDEX handbook_acknowledgements_user_idx ON handbook_acknowledgements (user_id);

-- Registers and the penalty schedule point at a clause by document and anchor, so a
-- link holds across versions. Later features fill this table.
CREATE TABLE handbook_clause_links (
    id bigserial PRIMARY KEY,
    document_id bigint NOT NULL REFERENCES handbook_documents (id) ON DELETE CASCADE,
    anchor text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('register', 'penalty')),
    label text NOT NULL,
    href text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handbook_clause_links_clause_idx ON handbook_clause_links (document_id, anchor);
