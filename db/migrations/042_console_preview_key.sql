-- 042 preview keys: a live or destructive console step is accepted only after a successful
-- preview of the same parameters by the same person. The preview's audit row carries a hash
-- of those parameters (username, recipe and the recipe's own choice of fields, as canonical
-- JSON); the live step looks for a matching row younger than the preview window. Keeping
-- the proof in the audit trail means it survives a reload or a second server, and a person
-- can see which preview a live run leaned on.
ALTER TABLE console_audit_log ADD COLUMN preview_key text;
CREATE INDEX console_audit_log_preview_key_idx
    ON console_audit_log (preview_key, started_at)
    WHERE preview_key IS NOT NULL;
