// @generated automatically by Diesel CLI.

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Int8>,
        action -> Text,
        entity -> Nullable<Text>,
        entity_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        request_id -> Nullable<Text>,
        details -> Jsonb,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        username -> Text,
        ip -> Text,
        at -> Timestamptz,
    }
}

diesel::table! {
    login_locks (kind, key) {
        kind -> Text,
        key -> Text,
        locked_until -> Timestamptz,
    }
}

diesel::table! {
    roles (code) {
        code -> Text,
        sort_order -> Int4,
    }
}

diesel::table! {
    sessions (key_hash) {
        key_hash -> Bytea,
        user_id -> Nullable<Int8>,
        state -> Jsonb,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
    }
}

diesel::table! {
    user_roles (user_id, role_code) {
        user_id -> Int8,
        role_code -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        username -> Text,
        display_name -> Text,
        email -> Text,
        locale -> Text,
        active -> Bool,
        password_hash -> Text,
        must_change_password -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(user_roles -> roles (role_code));
diesel::joinable!(user_roles -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_log,
    login_failures,
    login_locks,
    roles,
    sessions,
    user_roles,
    users,
);
