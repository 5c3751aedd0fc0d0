-- A breach proposed from a key loan was described as 'JY-' || loan, the
-- number the archive borrowing register gives its slips: it named another
-- register's slip. It now names the loan's keys by their labels.
UPDATE violations v
SET details = (SELECT coalesce(string_agg(k.label, '、' ORDER BY k.label), '')
               FROM key_loan_lines kl JOIN keys k ON k.id = kl.key_id
               WHERE kl.loan_id = v.source_id)
WHERE v.source = 'key_loan' AND v.details = 'JY-' || v.source_id;
