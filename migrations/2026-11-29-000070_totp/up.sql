-- An optional second factor at sign-in (SPEC §5): a TOTP secret (RFC 6238,
-- base32), when the user turned it on, and the last time step a code was
-- accepted, so that no code signs in twice.
ALTER TABLE users
    ADD COLUMN totp_secret TEXT,
    ADD COLUMN totp_enabled_at TIMESTAMPTZ,
    ADD COLUMN totp_last_step BIGINT,
    ADD CONSTRAINT users_totp_whole CHECK ((totp_secret IS NULL) = (totp_enabled_at IS NULL));
