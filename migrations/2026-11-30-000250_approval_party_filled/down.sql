-- Nothing to undo: the column and its values go with `…000240`'s down.
SELECT 1;
