-- A request's title is now its kind's name in the reader's language, then the
-- stored subject: the subject drops the Chinese name of the kind, and the words
-- it held (kind of leave, door, way of borrowing, the count's unit) become
-- catalog terms, `{catalog.key}`, which each reader sees in their language.

UPDATE approval_requests SET title = regexp_replace(title, '^请假条 · ', '')
WHERE kind = 'leave';

UPDATE approval_requests r
SET title = regexp_replace(r.title, ' · ' || t.zh || ' (\d{4}-\d{2}-\d{2}–)',
                           ' · {leave.type.' || t.code || '} \1')
FROM (VALUES ('personal', '事假'), ('sick', '病假'), ('annual', '年假'),
             ('compensatory', '调休'), ('marriage', '婚假'), ('bereavement', '丧假'),
             ('maternity', '产假')) AS t (code, zh)
WHERE r.kind = 'leave' AND r.title ~ (' · ' || t.zh || ' \d{4}-\d{2}-\d{2}–');

UPDATE approval_requests SET title = regexp_replace(title, '^发布规章制度：', '')
WHERE kind = 'handbook_publish';

UPDATE approval_requests
SET title = regexp_replace(regexp_replace(title, '^档案借阅 · ', ''),
                           ' · (现场查阅|借出|复印) · ',
                           ' · {archives.mode.' || CASE substring(title from ' · (现场查阅|借出|复印) · ')
                               WHEN '现场查阅' THEN 'consult' WHEN '借出' THEN 'loan' ELSE 'copy' END
                           || '} · ')
WHERE kind = 'archive_borrow';

UPDATE approval_requests
SET title = regexp_replace(regexp_replace(title, '^过期文件处理登记表 ?', ''),
                           ' · (\d+) 件$', ' · {archives.destruction_count:\1}')
WHERE kind = 'archive_destruction';

UPDATE approval_requests
SET title = replace(replace(replace(replace(replace(replace(
        regexp_replace(regexp_replace(title, '^钥匙借用 · ', ''), '^配钥匙 · ', ''),
        ' 防盗铁门', ' {keys.door.security_door}'),
        ' 单元门', ' {keys.door.unit_door}'),
        ' 室内门', ' {keys.door.interior_door}'),
        ' 电子对讲门', ' {keys.door.intercom_door}'),
        ' 信报箱', ' {keys.door.mailbox}'),
        '、', '{paper.list_separator}')
WHERE kind IN ('key_loan', 'key_copy');
