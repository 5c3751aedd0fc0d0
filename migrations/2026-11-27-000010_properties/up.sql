-- Property structure shared by keys and archives: projects (楼盘/小区) → buildings (栋)
-- → rooms, each in a unit (单元) and on a floor; facility rooms (设施设备房) per
-- building; residents (owners and tenants) per room.

CREATE TABLE projects (
    id bigserial PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    address text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX projects_name_key ON projects (name);

CREATE TABLE buildings (
    id bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id),
    -- 栋号 as written on labels: "1", "A", "3A".
    code text NOT NULL CHECK (length(code) BETWEEN 1 AND 20),
    name text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, code)
);

CREATE TABLE rooms (
    id bigserial PRIMARY KEY,
    building_id bigint NOT NULL REFERENCES buildings (id),
    kind text NOT NULL DEFAULT 'home' CHECK (kind IN ('home', 'facility')),
    unit text NOT NULL DEFAULT '' CHECK (length(unit) <= 20),
    floor integer NOT NULL CHECK (floor BETWEEN -10 AND 200),
    number text NOT NULL CHECK (length(number) BETWEEN 1 AND 20),
    -- Facility rooms are known by name (配电房, 水泵房 …).
    name text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (building_id, unit, number)
);
-- The order of the paper archive: building, floor, room.
CREATE INDEX rooms_order_idx ON rooms (building_id, floor, unit, number);

CREATE TABLE residents (
    id bigserial PRIMARY KEY,
    room_id bigint NOT NULL REFERENCES rooms (id),
    kind text NOT NULL CHECK (kind IN ('owner', 'tenant')),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    phone text NOT NULL DEFAULT '',
    id_type text NOT NULL DEFAULT 'resident_id'
        CHECK (id_type IN ('resident_id', 'passport', 'hk_macao', 'taiwan', 'other')),
    id_number text NOT NULL DEFAULT '',
    moved_in date,
    moved_out date CHECK (moved_out IS NULL OR moved_in IS NULL OR moved_out >= moved_in),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX residents_room_idx ON residents (room_id);

-- An uploaded room list between its preview and its commit.
CREATE TABLE room_imports (
    id bigserial PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id),
    user_id bigint NOT NULL REFERENCES users (id),
    filename text NOT NULL,
    content bytea NOT NULL,
    committed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
