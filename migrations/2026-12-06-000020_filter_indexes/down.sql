DROP INDEX archive_borrows_status_idx;
DROP INDEX mail_outbox_status_idx;
DROP INDEX visits_late_recorded_idx;
DROP INDEX visits_late_idx;
