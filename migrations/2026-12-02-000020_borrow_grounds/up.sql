-- 住户档案管理规定 3(2): 非公司员工或非工作需要，未经服务中心经理批准不得查阅.
-- Why an archive is asked for: the borrower's own work (3(1), a consultation
-- on site needs no approval), something else than work, or a person outside
-- the company, named, whom the borrower brings to consult it (both need the
-- manager's approval, as every loan and copy does).
ALTER TABLE archive_borrows
    ADD COLUMN grounds text NOT NULL DEFAULT 'work'
        CONSTRAINT archive_borrows_grounds_known CHECK (grounds IN ('work', 'other', 'outsider')),
    ADD COLUMN visitor_name text NOT NULL DEFAULT ''
        CONSTRAINT archive_borrows_visitor_name_length CHECK (char_length(visitor_name) <= 64),
    ADD CONSTRAINT archive_borrows_visitor_named
        CHECK ((grounds = 'outsider') = (visitor_name <> ''));
