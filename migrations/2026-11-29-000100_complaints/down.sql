DROP TABLE complaint_notes;
DROP TABLE complaints;
