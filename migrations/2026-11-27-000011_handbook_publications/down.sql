DROP TABLE handbook_publications;
