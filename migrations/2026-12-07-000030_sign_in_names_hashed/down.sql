-- Hashed names mean nothing to the code before this migration: its counts start
-- over (they last 15 minutes).
COMMENT ON COLUMN login_locks.key IS NULL;
COMMENT ON COLUMN login_failures.username IS NULL;
DELETE FROM login_locks WHERE kind = 'account';
DELETE FROM login_failures;
