-- Filters that select a few rows of a long table read them from an index
-- rather than walking the table newest first until a page is found.
-- The visitor register's late entries (`?show=late`) and the morning sheet's
-- late registers of the last meeting day (by when they were recorded).
CREATE INDEX visits_late_idx ON visits (started_at DESC, id DESC) WHERE late;
CREATE INDEX visits_late_recorded_idx ON visits (recorded_at) WHERE late;
-- The mail outbox by status (`/admin/mail?status=dead`).
CREATE INDEX mail_outbox_status_idx ON mail_outbox (status, id DESC);
-- The borrowing register by status (`/archives/borrows?status=rejected`).
CREATE INDEX archive_borrows_status_idx ON archive_borrows (status, id DESC);
