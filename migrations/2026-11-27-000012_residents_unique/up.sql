-- A person is recorded once per room while they live there: a double click on the
-- resident form, or a list imported twice, cannot record them again.
CREATE UNIQUE INDEX residents_once_per_room ON residents (room_id, name, id_number)
    WHERE moved_out IS NULL;
