-- Meeting records (会议制度管理规定: 晨会, 月分析例会, 专题会议, 培训会议): when
-- each meeting was held, who chaired it, its minutes (会议纪要) and who attended
-- (签到: present, late, absent, on leave), written by a supervisor or the centre
-- manager after the meeting, and corrected by them when needed.
CREATE TABLE meetings (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('morning', 'monthly', 'topic', 'training')),
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    topic TEXT NOT NULL CHECK (topic <> ''),
    chair_id BIGINT NOT NULL REFERENCES users (id),
    minutes TEXT NOT NULL CHECK (minutes <> ''),
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    -- Corrections after filing: each bumps the version a form was read at.
    version INTEGER NOT NULL DEFAULT 1,
    corrected_by BIGINT REFERENCES users (id),
    corrected_at TIMESTAMPTZ,
    CHECK (ended_at >= started_at)
);
-- The register in meeting order, newest first (a keyset over it), all kinds or one.
CREATE INDEX meetings_order_idx ON meetings (started_at DESC, id DESC);
CREATE INDEX meetings_kind_idx ON meetings (kind, started_at DESC, id DESC);

-- Who was there: one line per person the record lists.
CREATE TABLE meeting_attendance (
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('present', 'late', 'absent', 'leave')),
    PRIMARY KEY (meeting_id, user_id)
);
-- A person's attendance over a month.
CREATE INDEX meeting_attendance_user_idx ON meeting_attendance (user_id, meeting_id);
