DROP TRIGGER archives_topic_notice ON archives;
DROP TRIGGER key_loans_topic_notice ON key_loans;
DROP TRIGGER keys_topic_notice ON keys;
DROP FUNCTION kefu_notice_topic();
