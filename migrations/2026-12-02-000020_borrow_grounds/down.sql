ALTER TABLE archive_borrows
    DROP CONSTRAINT archive_borrows_visitor_named,
    DROP COLUMN visitor_name,
    DROP COLUMN grounds;
