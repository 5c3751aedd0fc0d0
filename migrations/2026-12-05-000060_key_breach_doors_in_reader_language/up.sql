-- A breach proposed from a key loan names its doors and separates its keys
-- with catalog terms, shown in the reader's language; typed braces doubled.
UPDATE violations SET details =
    replace(replace(replace(replace(replace(replace(
        replace(details, '{', '{{'),
        ' 防盗铁门', ' {keys.door.security_door}'),
        ' 单元门', ' {keys.door.unit_door}'),
        ' 室内门', ' {keys.door.interior_door}'),
        ' 电子对讲门', ' {keys.door.intercom_door}'),
        ' 信报箱', ' {keys.door.mailbox}'),
        '、', '{paper.list_separator}')
WHERE source = 'key_loan';
