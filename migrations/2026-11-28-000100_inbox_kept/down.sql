DROP TRIGGER users_name_notice ON users;
DROP TRIGGER approval_requests_title_notice ON approval_requests;
DROP FUNCTION kefu_notice_request_approvers();
