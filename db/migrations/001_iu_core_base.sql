-- 001 · iu_core base: gates, pieces, collections, members, fn_iu_compose.
--
-- Decisions where the runbook and the contract are silent:
-- * Ids are uuid (gen_random_uuid(), core since PostgreSQL 13, present in PGlite).
-- * Gates live in dot_config as text 'true'/'false'. All four gates are created here, closed,
--   so that a rollback of 033 never removes a gate row an operator may still have to close.
-- * The instance tags (instance_emit_mode, instance_template_id, instance_event_id) are
--   columns of iu_piece_collection and belong to this migration, not to 033: template views
--   count instances from them, and they survive a rollback of 033.
-- * A canonical address is unique among all pieces, retired ones included: an address names
--   one piece for ever. A duplicate address inside one compose call is also reported as
--   canonical_address_collision.
-- * fn_iu_compose catches unique_violation (a concurrent composer that bypassed the gate lock)
--   in an EXCEPTION block: compose is never on a bulk path, so the subtransaction is harmless.

CREATE TABLE IF NOT EXISTS dot_config (
    key         text PRIMARY KEY,
    value       text NOT NULL,
    description text
);

INSERT INTO dot_config (key, value, description) VALUES
    ('iu_core.composer_enabled', 'false', 'Opened inside a recipe transaction to let fn_iu_compose and fn_iu_auto_instantiate_from_event write.'),
    ('iu_core.auto_instantiate_enabled', 'false', 'Opened inside a live auto-instantiate transaction. Must default false between operator sessions.'),
    ('iu_core.delivery_enabled', 'false', 'Never enable without explicit authority. The console never opens it.'),
    ('iu_core.retention_enabled', 'false', 'Never enable without a candidates audit. The console never opens it.')
ON CONFLICT (key) DO NOTHING;

CREATE TABLE IF NOT EXISTS information_unit (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    canonical_address text NOT NULL,
    title             text NOT NULL,
    body              text NOT NULL,
    unit_kind         text NOT NULL,
    section_type      text NOT NULL,
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    created_by        text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT information_unit_canonical_address_key UNIQUE (canonical_address)
);

CREATE TABLE IF NOT EXISTS iu_piece_collection (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    collection_key       text NOT NULL,
    kind                 text NOT NULL,
    title                text NOT NULL,
    description          text,
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    instance_emit_mode   text CHECK (instance_emit_mode IN ('dry_run', 'live')),
    instance_template_id uuid REFERENCES iu_piece_collection (id),
    instance_event_id    uuid,
    CONSTRAINT iu_piece_collection_collection_key_key UNIQUE (collection_key),
    CONSTRAINT iu_piece_collection_instance_tags_chk CHECK (
        (instance_emit_mode IS NULL AND instance_template_id IS NULL AND instance_event_id IS NULL)
        OR (instance_emit_mode IS NOT NULL AND instance_template_id IS NOT NULL AND instance_event_id IS NOT NULL))
);

CREATE INDEX IF NOT EXISTS iu_piece_collection_instance_template_idx
    ON iu_piece_collection (instance_template_id, instance_emit_mode, created_at)
    WHERE instance_template_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS iu_piece_collection_member (
    collection_id uuid NOT NULL REFERENCES iu_piece_collection (id) ON DELETE CASCADE,
    position      int  NOT NULL,
    role          text NOT NULL,
    iu_id         uuid NOT NULL REFERENCES information_unit (id),
    PRIMARY KEY (collection_id, position),
    CONSTRAINT iu_piece_collection_member_role_key UNIQUE (collection_id, role)
);

CREATE INDEX IF NOT EXISTS iu_piece_collection_member_iu_idx ON iu_piece_collection_member (iu_id);

-- true when the gate row says 'true'; a missing row counts as closed.
CREATE OR REPLACE FUNCTION fn_iu_gate_is_open(p_key text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT value = 'true' FROM dot_config WHERE key = p_key), false)
$$;

-- true for null, empty or all-blank text.
CREATE OR REPLACE FUNCTION fn_iu_is_blank(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p IS NULL OR btrim(p, E' \t\r\n') = ''
$$;

-- An actor is required, and must not carry leading or trailing white space.
CREATE OR REPLACE FUNCTION fn_iu_actor_is_valid(p text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT NOT fn_iu_is_blank(p) AND p = btrim(p, E' \t\r\n') AND length(p) <= 200
$$;

CREATE OR REPLACE FUNCTION fn_iu_compose(
    p_collection_key text,
    p_kind           text,
    p_title          text,
    p_description    text,
    p_pieces         jsonb,
    p_actor          text
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    v_el          jsonb;
    v_np          jsonb;
    v_roles       text[] := '{}';
    v_iu_ids      uuid[] := '{}';
    v_addresses   text[] := '{}';
    v_iu_id       uuid;
    v_missing     uuid;
    v_collision   text;
    v_coll_id     uuid;
    v_new_ids     uuid[] := '{}';
    v_pos         int := 0;
    v_field       text;
BEGIN
    -- 1. invalid_input
    IF fn_iu_is_blank(p_collection_key) OR fn_iu_is_blank(p_kind) OR fn_iu_is_blank(p_title)
       OR NOT fn_iu_actor_is_valid(p_actor) THEN
        RETURN jsonb_build_object('status', 'invalid_input',
            'reason', 'collection_key, kind, title and actor are required; the actor may not have leading or trailing spaces');
    END IF;
    IF p_collection_key LIKE 'inst:%' OR p_collection_key LIKE 'dryrun:%' THEN
        RETURN jsonb_build_object('status', 'invalid_input',
            'reason', 'collection keys starting with inst: or dryrun: are reserved for instances');
    END IF;
    IF p_pieces IS NULL OR jsonb_typeof(p_pieces) <> 'array' OR jsonb_array_length(p_pieces) = 0 THEN
        RETURN jsonb_build_object('status', 'invalid_input', 'reason', 'pieces must be a non-empty JSON array');
    END IF;
    FOR v_el IN SELECT value FROM jsonb_array_elements(p_pieces) LOOP
        v_pos := v_pos + 1;
        IF jsonb_typeof(v_el) <> 'object' THEN
            RETURN jsonb_build_object('status', 'invalid_input', 'reason', format('piece %s is not an object', v_pos));
        END IF;
        IF jsonb_typeof(v_el->'role') IS DISTINCT FROM 'string' OR fn_iu_is_blank(v_el->>'role') THEN
            RETURN jsonb_build_object('status', 'invalid_input', 'reason', format('piece %s has no role', v_pos));
        END IF;
        IF (v_el ? 'iu_id') = (v_el ? 'new_piece') THEN
            RETURN jsonb_build_object('status', 'invalid_input',
                'reason', format('piece %s (%s) must have exactly one of iu_id or new_piece', v_pos, v_el->>'role'));
        END IF;
        IF (v_el->>'role') = ANY (v_roles) THEN
            RETURN jsonb_build_object('status', 'invalid_input', 'reason', format('role %s appears twice', v_el->>'role'));
        END IF;
        v_roles := v_roles || (v_el->>'role');
        IF v_el ? 'iu_id' THEN
            IF jsonb_typeof(v_el->'iu_id') IS DISTINCT FROM 'string'
               OR (v_el->>'iu_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
                RETURN jsonb_build_object('status', 'invalid_input',
                    'reason', format('piece %s (%s): iu_id is not a uuid', v_pos, v_el->>'role'));
            END IF;
            v_iu_id := (v_el->>'iu_id')::uuid;
            IF v_iu_id = ANY (v_iu_ids) THEN
                RETURN jsonb_build_object('status', 'invalid_input', 'reason', format('iu_id %s appears twice', v_iu_id));
            END IF;
            v_iu_ids := v_iu_ids || v_iu_id;
        ELSE
            v_np := v_el->'new_piece';
            IF jsonb_typeof(v_np) IS DISTINCT FROM 'object' THEN
                RETURN jsonb_build_object('status', 'invalid_input',
                    'reason', format('piece %s (%s): new_piece must be an object', v_pos, v_el->>'role'));
            END IF;
            FOREACH v_field IN ARRAY ARRAY['canonical_address', 'title', 'body', 'unit_kind', 'section_type'] LOOP
                IF jsonb_typeof(v_np->v_field) IS DISTINCT FROM 'string' OR fn_iu_is_blank(v_np->>v_field) THEN
                    RETURN jsonb_build_object('status', 'invalid_input',
                        'reason', format('piece %s (%s): new_piece.%s is required', v_pos, v_el->>'role', v_field));
                END IF;
            END LOOP;
            v_addresses := v_addresses || (v_np->>'canonical_address');
        END IF;
    END LOOP;

    -- 2. composer_gate_closed
    IF NOT fn_iu_gate_is_open('iu_core.composer_enabled') THEN
        RETURN jsonb_build_object('status', 'composer_gate_closed');
    END IF;

    -- 3. collection_key_collision
    IF EXISTS (SELECT 1 FROM iu_piece_collection WHERE collection_key = p_collection_key) THEN
        RETURN jsonb_build_object('status', 'collection_key_collision', 'collection_key', p_collection_key);
    END IF;

    -- 4. piece_not_found (unknown or retired)
    SELECT x INTO v_missing FROM unnest(v_iu_ids) AS x
     WHERE NOT EXISTS (SELECT 1 FROM information_unit u WHERE u.id = x AND u.status = 'active')
     LIMIT 1;
    IF v_missing IS NOT NULL THEN
        RETURN jsonb_build_object('status', 'piece_not_found', 'iu_id', v_missing);
    END IF;

    -- 5. canonical_address_collision
    SELECT a INTO v_collision FROM unnest(v_addresses) AS a GROUP BY a HAVING count(*) > 1 LIMIT 1;
    IF v_collision IS NULL THEN
        SELECT a INTO v_collision FROM unnest(v_addresses) AS a
         WHERE EXISTS (SELECT 1 FROM information_unit u WHERE u.canonical_address = a) LIMIT 1;
    END IF;
    IF v_collision IS NOT NULL THEN
        RETURN jsonb_build_object('status', 'canonical_address_collision', 'canonical_address', v_collision);
    END IF;

    -- 6. ok
    BEGIN
        INSERT INTO iu_piece_collection (collection_key, kind, title, description, created_by)
        VALUES (p_collection_key, p_kind, p_title, p_description, p_actor)
        RETURNING id INTO v_coll_id;

        v_pos := 0;
        FOR v_el IN SELECT value FROM jsonb_array_elements(p_pieces) LOOP
            v_pos := v_pos + 1;
            IF v_el ? 'iu_id' THEN
                v_iu_id := (v_el->>'iu_id')::uuid;
            ELSE
                v_np := v_el->'new_piece';
                INSERT INTO information_unit (canonical_address, title, body, unit_kind, section_type, created_by)
                VALUES (v_np->>'canonical_address', v_np->>'title', v_np->>'body', v_np->>'unit_kind',
                        v_np->>'section_type', p_actor)
                RETURNING id INTO v_iu_id;
                v_new_ids := v_new_ids || v_iu_id;
            END IF;
            INSERT INTO iu_piece_collection_member (collection_id, position, role, iu_id)
            VALUES (v_coll_id, v_pos, v_el->>'role', v_iu_id);
        END LOOP;
    EXCEPTION WHEN unique_violation THEN
        IF EXISTS (SELECT 1 FROM iu_piece_collection WHERE collection_key = p_collection_key) THEN
            RETURN jsonb_build_object('status', 'collection_key_collision', 'collection_key', p_collection_key);
        END IF;
        RETURN jsonb_build_object('status', 'canonical_address_collision');
    END;

    RETURN jsonb_build_object(
        'status', 'ok',
        'collection_id', v_coll_id,
        'collection_key', p_collection_key,
        'piece_count', v_pos,
        'new_piece_ids', to_jsonb(v_new_ids));
END;
$$;
