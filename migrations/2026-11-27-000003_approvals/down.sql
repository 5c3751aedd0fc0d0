DROP TABLE leave_requests;
DROP TABLE approval_links;
DROP TABLE approval_deputies;
DROP TABLE approval_events;
DROP TABLE approval_tasks;
DROP TABLE approval_requests;
DROP TABLE job_runs;
DROP TABLE mail_outbox;
