-- One-time form tokens: a form that creates a record carries a random token, and
-- the handler claims it in the transaction that creates the record. A second
-- submit of the same form (double click, back button, retry) finds the token
-- taken and is sent to what the first one filed (result_path) instead.
CREATE TABLE form_submissions (
    token text PRIMARY KEY CHECK (token ~ '^[0-9a-f]{64}$'),
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    result_path text
);
-- The daily clean-up (`forms.cleanup`) deletes old tokens.
CREATE INDEX form_submissions_created_idx ON form_submissions (created_at);
