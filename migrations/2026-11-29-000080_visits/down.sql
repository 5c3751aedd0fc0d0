DROP TABLE visit_notes;
DROP TABLE visits;
