-- Key loans filed before `party_id` existed: the colleague each is for, so
-- that escalation and hand-over pass them over too.
UPDATE approval_requests r SET party_id = l.borrower_id
    FROM key_loans l
    WHERE r.kind = 'key_loan' AND r.subject_id = l.id AND r.party_id IS NULL
        AND l.borrower_id IS DISTINCT FROM r.requester_id;
