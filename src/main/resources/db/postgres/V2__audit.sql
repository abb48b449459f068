-- The audit chain all instances on this database append to: one row per entry, its canonical line
-- (the same bytes audit.log would hold). Appends are serialized by an advisory lock, so each entry
-- chains to the one before whichever instance wrote it.
CREATE TABLE audit (seq BIGINT PRIMARY KEY, line TEXT NOT NULL);
