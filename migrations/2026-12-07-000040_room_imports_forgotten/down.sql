DELETE FROM room_imports WHERE forgotten_at IS NOT NULL;
ALTER TABLE room_imports DROP COLUMN forgotten_at;
