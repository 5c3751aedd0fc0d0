-- Papers out on a copy or a consultation only count as kept again, as they
-- did before.
UPDATE archive_documents d
SET status = 'kept', updated_at = now()
WHERE d.status = 'on_loan'
  AND NOT EXISTS (SELECT 1 FROM archive_borrow_items i
                  JOIN archive_borrows b ON b.id = i.borrow_id
                  WHERE i.document_id = d.id AND b.status = 'lent' AND b.mode = 'loan');
