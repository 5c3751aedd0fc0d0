DROP TABLE meeting_notice_invitees;
DROP TABLE meeting_notices;
