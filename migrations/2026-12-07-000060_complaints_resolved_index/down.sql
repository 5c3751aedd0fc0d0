DROP INDEX complaints_resolved_idx;
