DROP TABLE room_imports;
DROP TABLE residents;
DROP TABLE rooms;
DROP TABLE buildings;
DROP TABLE projects;
