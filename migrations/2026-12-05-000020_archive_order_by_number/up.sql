-- The archive list's paper order (栋号、楼层号、房号的先后顺序) read building
-- codes and units as text: building 10 came before building 2. They are now
-- ordered as the property pages order them, shorter codes first, and the
-- order index follows, so pages are still read from it alone.
CREATE INDEX archives_order_number_idx
    ON archives (project_id, length(building_code), building_code, floor, length(unit), unit,
                 number, id)
    INCLUDE (kind, building_id, resident_name, legal_hold, present_required);
DROP INDEX archives_order_cover_idx;
