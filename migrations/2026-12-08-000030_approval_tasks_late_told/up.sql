-- A step the rule book gives to a named post (档案借阅, 销毁, 配钥匙) is not
-- passed on when late: its approver is reminded that it is overdue and the
-- next post of the chain is told it waits, once (when: this column).
ALTER TABLE approval_tasks ADD COLUMN late_told_at timestamptz;
