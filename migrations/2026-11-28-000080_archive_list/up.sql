-- The archive list reads its pages from the order index alone (an index-only
-- scan): among a hundred thousand archives the fifty of a deep page lie on as
-- many heap pages, which made a deep page cost more than the first.
CREATE INDEX archives_order_cover_idx
    ON archives (project_id, building_code, floor, unit, number, id)
    INCLUDE (kind, building_id, resident_name, legal_hold, present_required);
DROP INDEX archives_order_idx;

-- How many document types each kind of archive requires is kept in memory by
-- each instance (`db::changes::Kept`): a change to the types is a notice about
-- everyone. An administrator changes them rarely.
CREATE TRIGGER archive_doc_types_notice
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON archive_doc_types
    FOR EACH STATEMENT EXECUTE FUNCTION kefu_notice_everyone();
