-- 044 indexes for the console's reads. The event log, its drawer and its export name each
-- row's template by key. Looking that key up in iu_piece_collection walks an index that
-- grows with every instance (200,000 collections at a million events), so a batch of
-- 1,000 rows cost more as the log grew. Templates are few and their number does not grow
-- with the log: this partial index holds only them, with the key, so the lookup reads a
-- small index-only structure at any size. Instances never enter it, so it costs the
-- instantiate path nothing.
CREATE INDEX IF NOT EXISTS iu_piece_collection_template_key_idx
    ON iu_piece_collection (id) INCLUDE (collection_key)
    WHERE is_template;
