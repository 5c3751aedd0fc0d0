CREATE INDEX archives_order_cover_idx
    ON archives (project_id, building_code, floor, unit, number, id)
    INCLUDE (kind, building_id, resident_name, legal_hold, present_required);
DROP INDEX archives_order_number_idx;
