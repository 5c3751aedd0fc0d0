-- The month's statistics count the matters resolved in the month, whenever
-- received, and those still open at its end: by the day each was resolved.
CREATE INDEX complaints_resolved_idx ON complaints (resolved_at) WHERE resolved_at IS NOT NULL;
