-- A paper handed over to be copied or consulted left the cabinet as a lent
-- one does, but only a loan marked it out: it could be handed to another
-- borrower, taken out of its archive or destroyed while someone had it.
-- Every hand-over now marks its papers out; those out now are marked so.
UPDATE archive_documents d
SET status = 'on_loan', updated_at = now()
WHERE d.status = 'kept'
  AND EXISTS (SELECT 1 FROM archive_borrow_items i
              JOIN archive_borrows b ON b.id = i.borrow_id
              WHERE i.document_id = d.id AND b.status = 'lent');
