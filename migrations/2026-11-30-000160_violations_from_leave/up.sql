-- Leave recorded after the fact breaks 办公环境管理规定 1 (请假条 at least a day
-- ahead): kefu proposes it as a breach the supervisor confirms or dismisses, as
-- it does late visitor registers and keys kept too long.
ALTER TABLE violations DROP CONSTRAINT violations_source_check;
ALTER TABLE violations ADD CONSTRAINT violations_source_check
    CHECK (source IN ('manual', 'visit', 'key_loan', 'leave'));
-- The hourly job reads the recent records after the fact.
CREATE INDEX leave_requests_after_the_fact_idx ON leave_requests (created_at)
    WHERE after_the_fact;
