-- 031 · template marking and template version chains.
--
-- Decisions where the runbook and the contract are silent:
-- * Marking is stored on iu_piece_collection (is_template, template_label, template_note,
--   marked_by, marked_at); a second mark is already_marked and changes nothing.
-- * Version chains live in iu_template_version, one row per registered collection. A
--   collection belongs to at most one family. (family, seq) and (family, label) are unique.
-- * family must look like tpl:<name> where <name> is [A-Za-z0-9][A-Za-z0-9._-]*.
-- * version_seq 1 must name no previous collection; seq n > 1 must name the collection
--   registered as seq n-1 of the same family. Either mistake is previous_version_mismatch,
--   not invalid_input, because it is only knowable against the chain.
-- * Registering the very same row again (same family, label, seq and previous) is
--   idempotent_replay and returns the existing registration, so the runbook recipe that
--   registers v1 before v2 can be run for v3, v4, … unchanged.

ALTER TABLE iu_piece_collection ADD COLUMN IF NOT EXISTS is_template boolean NOT NULL DEFAULT false;
ALTER TABLE iu_piece_collection ADD COLUMN IF NOT EXISTS template_label text;
ALTER TABLE iu_piece_collection ADD COLUMN IF NOT EXISTS template_note text;
ALTER TABLE iu_piece_collection ADD COLUMN IF NOT EXISTS marked_by text;
ALTER TABLE iu_piece_collection ADD COLUMN IF NOT EXISTS marked_at timestamptz;

CREATE TABLE IF NOT EXISTS iu_template_version (
    collection_id          uuid PRIMARY KEY REFERENCES iu_piece_collection (id),
    template_family        text NOT NULL,
    version_label          text NOT NULL,
    version_seq            int  NOT NULL CHECK (version_seq >= 1),
    previous_collection_id uuid REFERENCES iu_template_version (collection_id),
    registered_by          text NOT NULL,
    registered_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT iu_template_version_family_seq_key UNIQUE (template_family, version_seq),
    CONSTRAINT iu_template_version_family_label_key UNIQUE (template_family, version_label)
);

CREATE OR REPLACE FUNCTION fn_iu_collection_mark_as_template(
    p_collection_id uuid,
    p_label         text,
    p_note          text,
    p_actor         text
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_coll iu_piece_collection%ROWTYPE;
BEGIN
    IF p_collection_id IS NULL OR fn_iu_is_blank(p_label) OR NOT fn_iu_actor_is_valid(p_actor) THEN
        RETURN jsonb_build_object('status', 'invalid_input',
            'reason', 'collection_id, label and actor are required; the actor may not have leading or trailing spaces');
    END IF;

    SELECT * INTO v_coll FROM iu_piece_collection WHERE id = p_collection_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('status', 'collection_not_found', 'collection_id', p_collection_id);
    END IF;

    IF v_coll.instance_template_id IS NOT NULL THEN
        RETURN jsonb_build_object('status', 'invalid_input', 'reason', 'an instance can never become a template',
            'collection_id', p_collection_id);
    END IF;

    IF v_coll.is_template THEN
        RETURN jsonb_build_object('status', 'already_marked', 'collection_id', p_collection_id,
            'template_label', v_coll.template_label, 'marked_by', v_coll.marked_by, 'marked_at', v_coll.marked_at);
    END IF;

    UPDATE iu_piece_collection
       SET is_template = true, template_label = p_label, template_note = p_note,
           marked_by = p_actor, marked_at = clock_timestamp()
     WHERE id = p_collection_id;

    RETURN jsonb_build_object('status', 'ok', 'collection_id', p_collection_id,
        'collection_key', v_coll.collection_key, 'template_label', p_label);
END;
$$;

CREATE OR REPLACE FUNCTION fn_iu_collection_register_template_version(
    p_collection_id          uuid,
    p_family                 text,
    p_version_label          text,
    p_version_seq            int,
    p_previous_collection_id uuid,
    p_actor                  text
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_coll     iu_piece_collection%ROWTYPE;
    v_existing iu_template_version%ROWTYPE;
    v_expected uuid;
BEGIN
    -- 1. invalid_input
    IF p_collection_id IS NULL OR fn_iu_is_blank(p_family) OR fn_iu_is_blank(p_version_label)
       OR p_version_seq IS NULL OR NOT fn_iu_actor_is_valid(p_actor) THEN
        RETURN jsonb_build_object('status', 'invalid_input',
            'reason', 'collection_id, family, version_label, version_seq and actor are required');
    END IF;
    IF p_family !~ '^tpl:[A-Za-z0-9][A-Za-z0-9._-]*$' THEN
        RETURN jsonb_build_object('status', 'invalid_input', 'reason', 'family must look like tpl:<family>');
    END IF;
    IF p_version_seq < 1 THEN
        RETURN jsonb_build_object('status', 'invalid_input', 'reason', 'version_seq starts at 1');
    END IF;

    -- 2. collection_not_found
    SELECT * INTO v_coll FROM iu_piece_collection WHERE id = p_collection_id;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('status', 'collection_not_found', 'collection_id', p_collection_id);
    END IF;

    -- 3. template_not_marked
    IF NOT v_coll.is_template THEN
        RETURN jsonb_build_object('status', 'template_not_marked', 'collection_id', p_collection_id);
    END IF;

    -- Serialises registrations of one family, so two sessions cannot both take the same seq.
    PERFORM pg_advisory_xact_lock(hashtext('iu_template_version:' || p_family));

    -- 4. already registered: the same row is a replay, anything else a conflict
    SELECT * INTO v_existing FROM iu_template_version WHERE collection_id = p_collection_id;
    IF FOUND THEN
        IF v_existing.template_family = p_family AND v_existing.version_label = p_version_label
           AND v_existing.version_seq = p_version_seq
           AND v_existing.previous_collection_id IS NOT DISTINCT FROM p_previous_collection_id THEN
            RETURN jsonb_build_object('status', 'idempotent_replay', 'collection_id', p_collection_id,
                'template_family', p_family, 'version_label', p_version_label, 'version_seq', p_version_seq,
                'registered_by', v_existing.registered_by, 'registered_at', v_existing.registered_at);
        END IF;
        RETURN jsonb_build_object('status', 'version_conflict',
            'reason', format('collection is already registered as %s %s (seq %s)',
                             v_existing.template_family, v_existing.version_label, v_existing.version_seq),
            'collection_id', p_collection_id);
    END IF;

    -- 5. version_conflict: family+seq or family+label taken
    IF EXISTS (SELECT 1 FROM iu_template_version
                WHERE template_family = p_family
                  AND (version_seq = p_version_seq OR version_label = p_version_label)) THEN
        RETURN jsonb_build_object('status', 'version_conflict',
            'reason', format('%s already has a version with seq %s or label %s', p_family, p_version_seq, p_version_label));
    END IF;

    -- 6. previous_version_mismatch
    IF p_version_seq = 1 THEN
        IF p_previous_collection_id IS NOT NULL THEN
            RETURN jsonb_build_object('status', 'previous_version_mismatch',
                'reason', 'version 1 has no previous version');
        END IF;
    ELSE
        SELECT collection_id INTO v_expected FROM iu_template_version
         WHERE template_family = p_family AND version_seq = p_version_seq - 1;
        IF v_expected IS NULL OR p_previous_collection_id IS DISTINCT FROM v_expected THEN
            RETURN jsonb_build_object('status', 'previous_version_mismatch',
                'reason', format('seq %s must name the collection registered as seq %s of %s',
                                 p_version_seq, p_version_seq - 1, p_family),
                'expected_previous_collection_id', v_expected);
        END IF;
    END IF;

    -- 7. ok
    INSERT INTO iu_template_version (collection_id, template_family, version_label, version_seq,
                                     previous_collection_id, registered_by)
    VALUES (p_collection_id, p_family, p_version_label, p_version_seq, p_previous_collection_id, p_actor);

    RETURN jsonb_build_object('status', 'ok', 'collection_id', p_collection_id, 'template_family', p_family,
        'version_label', p_version_label, 'version_seq', p_version_seq,
        'previous_collection_id', p_previous_collection_id);
END;
$$;
