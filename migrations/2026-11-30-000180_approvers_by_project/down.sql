ALTER TABLE approval_requests DROP COLUMN project_id;
DROP TABLE user_projects;
