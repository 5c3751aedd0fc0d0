-- A closed visit opened again (ticked closed by mistake, or the visitor's matter
-- not settled after all): the note saying why is marked as the reopening.
ALTER TABLE visit_notes ADD COLUMN reopened boolean NOT NULL DEFAULT false;
