-- A month's statistics count the matters open at its end: received before it
-- and resolved after it, or not yet. Read as the span each matter was open,
-- (received_at, resolved_at], a GiST index finds those of any month, however
-- long ago, without reading every matter resolved since. A resolution stamped
-- before a receipt time corrected to later is an empty span.
CREATE INDEX complaints_open_span_idx ON complaints USING gist (
    tstzrange(received_at,
              CASE WHEN resolved_at < received_at THEN received_at ELSE resolved_at END,
              '(]'));
