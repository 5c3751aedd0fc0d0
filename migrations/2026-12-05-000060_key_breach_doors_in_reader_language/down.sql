UPDATE violations SET details =
    replace(replace(replace(replace(replace(replace(replace(details,
        ' {keys.door.security_door}', ' 防盗铁门'),
        ' {keys.door.unit_door}', ' 单元门'),
        ' {keys.door.interior_door}', ' 室内门'),
        ' {keys.door.intercom_door}', ' 电子对讲门'),
        ' {keys.door.mailbox}', ' 信报箱'),
        '{paper.list_separator}', '、'),
        '{{', '{')
WHERE source = 'key_loan';
