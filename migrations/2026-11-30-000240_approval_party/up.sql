-- The person a request is for when it is not its requester (a key loan filed
-- by a clerk for a colleague): like the requester, never its approver.
ALTER TABLE approval_requests ADD COLUMN party_id bigint REFERENCES users (id);
