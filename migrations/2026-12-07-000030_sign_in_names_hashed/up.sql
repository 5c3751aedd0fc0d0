-- The sign-in throttle keeps the name typed only as its keyed hash
-- (src/auth/throttle.rs, `name_key`): the name box also receives passwords typed
-- in the wrong place. The names kept as typed until now are deleted; they count
-- for 15 minutes at most, so nothing else is lost than a running count.
DELETE FROM login_failures;
DELETE FROM login_locks WHERE kind = 'account';
COMMENT ON COLUMN login_failures.username IS
    'HMAC-SHA-256 of the name typed, in hex (auth::throttle::name_key), never the text';
COMMENT ON COLUMN login_locks.key IS
    'the address, or for an account lock the name''s HMAC-SHA-256 in hex (auth::throttle::name_key)';
