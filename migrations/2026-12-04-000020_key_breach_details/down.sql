UPDATE violations v
SET details = 'JY-' || v.source_id
WHERE v.source = 'key_loan'
  AND v.details = (SELECT coalesce(string_agg(k.label, '、' ORDER BY k.label), '')
                   FROM key_loan_lines kl JOIN keys k ON k.id = kl.key_id
                   WHERE kl.loan_id = v.source_id);
