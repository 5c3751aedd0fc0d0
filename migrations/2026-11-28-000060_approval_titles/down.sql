-- Back to titles in Chinese: the catalog terms in the zh-CN catalog's words,
-- and the Chinese name of each kind in front.

UPDATE approval_requests
SET title = '请假条 · ' || replace(replace(replace(replace(replace(replace(replace(title,
        '{leave.type.personal}', '事假'), '{leave.type.sick}', '病假'),
        '{leave.type.annual}', '年假'), '{leave.type.compensatory}', '调休'),
        '{leave.type.marriage}', '婚假'), '{leave.type.bereavement}', '丧假'),
        '{leave.type.maternity}', '产假')
WHERE kind = 'leave';

UPDATE approval_requests SET title = '发布规章制度：' || title
WHERE kind = 'handbook_publish';

UPDATE approval_requests
SET title = '档案借阅 · ' || replace(replace(replace(title,
        '{archives.mode.consult}', '现场查阅'), '{archives.mode.loan}', '借出'),
        '{archives.mode.copy}', '复印')
WHERE kind = 'archive_borrow';

UPDATE approval_requests
SET title = '过期文件处理登记表 '
    || regexp_replace(title, '\{archives\.destruction_count:(\d+)\}', '\1 件', 'g')
WHERE kind = 'archive_destruction';

UPDATE approval_requests
SET title = CASE kind WHEN 'key_loan' THEN '钥匙借用 · ' ELSE '配钥匙 · ' END
    || replace(replace(replace(replace(replace(replace(title,
        '{keys.door.security_door}', '防盗铁门'), '{keys.door.unit_door}', '单元门'),
        '{keys.door.interior_door}', '室内门'), '{keys.door.intercom_door}', '电子对讲门'),
        '{keys.door.mailbox}', '信报箱'), '{paper.list_separator}', '、')
WHERE kind IN ('key_loan', 'key_copy');
