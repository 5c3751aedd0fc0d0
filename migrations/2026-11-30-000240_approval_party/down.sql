ALTER TABLE approval_requests DROP COLUMN party_id;
