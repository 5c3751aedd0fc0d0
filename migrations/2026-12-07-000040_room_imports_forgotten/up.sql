-- An upload never committed keeps its row, without its file, once the file is
-- forgotten (after a day): its preview then says it expired instead of
-- "not found". Such rows go for good a month later.
ALTER TABLE room_imports ADD COLUMN forgotten_at timestamptz;
