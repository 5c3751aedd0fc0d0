DROP TRIGGER buildings_notice ON buildings;
DROP TRIGGER projects_notice ON projects;
