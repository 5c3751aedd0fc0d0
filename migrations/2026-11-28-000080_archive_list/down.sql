DROP TRIGGER archive_doc_types_notice ON archive_doc_types;
CREATE INDEX archives_order_idx ON archives (project_id, building_code, floor, unit, number, id);
DROP INDEX archives_order_cover_idx;
