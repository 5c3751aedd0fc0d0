DROP INDEX keys_cabinet_building_idx;
DROP INDEX key_counts_cabinet_idx;
CREATE INDEX key_counts_cabinet_idx ON key_counts (cabinet, id DESC);
ALTER TABLE key_counts DROP COLUMN project_id;
