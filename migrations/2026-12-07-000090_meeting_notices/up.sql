-- Notices of meetings called ahead (会议通知): a topic or training meeting
-- (培训会议 "时间另定以通知时间为准"), or a monthly analysis meeting moved off
-- its Saturday, is announced to the people expected at it, by mail, before it
-- is held. A notice may be changed or called off (each mails those concerned)
-- until it begins; after the meeting its record (`meetings`) is made from it,
-- and the notice points to that record.
CREATE TABLE meeting_notices (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('monthly', 'topic', 'training')),
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    place TEXT NOT NULL CHECK (place <> ''),
    topic TEXT NOT NULL CHECK (topic <> ''),
    -- What to prepare or bring; may be empty.
    agenda TEXT NOT NULL DEFAULT '',
    called_by BIGINT NOT NULL REFERENCES users (id),
    called_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Each change bumps the version a form was read at.
    version INTEGER NOT NULL DEFAULT 1,
    cancelled_at TIMESTAMPTZ,
    cancelled_by BIGINT REFERENCES users (id),
    cancel_reason TEXT,
    -- The record of the meeting held, once made from this notice.
    meeting_id BIGINT UNIQUE REFERENCES meetings (id),
    CHECK (ends_at > starts_at),
    CHECK ((cancelled_at IS NULL) = (cancelled_by IS NULL)
       AND (cancelled_at IS NULL) = (cancel_reason IS NULL)),
    CHECK (cancelled_at IS NULL OR meeting_id IS NULL)
);
-- The notices in meeting order: those to come, those of a past span.
CREATE INDEX meeting_notices_starts_idx ON meeting_notices (starts_at, id);

-- Who is expected: one line per person the notice was sent to.
CREATE TABLE meeting_notice_invitees (
    notice_id BIGINT NOT NULL REFERENCES meeting_notices (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (notice_id, user_id)
);
CREATE INDEX meeting_notice_invitees_user_idx ON meeting_notice_invitees (user_id);
