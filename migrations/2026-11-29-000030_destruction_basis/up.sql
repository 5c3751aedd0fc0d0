-- 住户档案管理规定 6(1): papers are destroyed because they are past retention
-- (超过保存期) or because an appraisal found them worth nothing more
-- (经鉴定确认无保存价值). An appraised list holds papers still within retention,
-- and its note is the appraisal (鉴定意见).
ALTER TABLE archive_destructions
    ADD COLUMN basis text NOT NULL DEFAULT 'expired' CHECK (basis IN ('expired', 'appraised'));
