DROP INDEX residents_once_per_room;
