DROP INDEX complaints_open_span_idx;
