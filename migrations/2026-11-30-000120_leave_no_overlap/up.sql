-- One person is not away twice at the same time: a pending or approved leave
-- request may not overlap another of the same person, by half days. The
-- constraint is the guard against two filings racing; the forms check first
-- and name the request in the way.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The half days a request covers, as a range: day n from 2000-01-01 is the
-- half days [2n, 2n + 2); a request from noon starts at 2n + 1, one that ends
-- at noon ends at 2n + 1. Not STRICT (int4range is not): PostgreSQL then puts
-- the expression itself in its place wherever it is used.
CREATE FUNCTION leave_span(start_date date, start_pm boolean, end_date date, end_am boolean)
RETURNS int4range
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT int4range(($1 - DATE '2000-01-01') * 2 + $2::int,
                       ($3 - DATE '2000-01-01') * 2 + 2 - $4::int) $$;

-- Requests filed before this check existed may overlap: each one that overlaps
-- an earlier pending or approved request of the same person is marked, and the
-- constraint leaves it out. Nothing else about it changes.
ALTER TABLE leave_requests ADD COLUMN overlap_allowed boolean NOT NULL DEFAULT false;
UPDATE leave_requests r SET overlap_allowed = true
WHERE r.status IN ('pending', 'approved')
  AND EXISTS (
    SELECT 1 FROM leave_requests e
    WHERE e.user_id = r.user_id AND e.id < r.id
      AND e.status IN ('pending', 'approved')
      AND leave_span(e.start_date, e.start_pm, e.end_date, e.end_am)
          && leave_span(r.start_date, r.start_pm, r.end_date, r.end_am));

ALTER TABLE leave_requests ADD CONSTRAINT leave_requests_no_overlap
    EXCLUDE USING gist (user_id WITH =, leave_span(start_date, start_pm, end_date, end_am) WITH &&)
    WHERE (status IN ('pending', 'approved') AND NOT overlap_allowed);
