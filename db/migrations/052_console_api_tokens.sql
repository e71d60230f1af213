-- 052 API tokens for automation: a person makes a token (a name, a scope, an expiry), sees it
-- once, and scripts send it as `Authorization: Bearer iuc_…`. Only the SHA-256 of the token is
-- kept (token_hash); `prefix` is its first characters, enough to recognise it in the list.
--
-- scope:   read (GET routes only; the action wrapper refuses every action) or operate (the
--          owner's actions, at most as an operator)
-- revoked_at: set by the owner; the next request with the token is refused
-- The owner's current role is read from auth_user on every request, like a session's.
CREATE TABLE console_api_token (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      text NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
    username     text NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    prefix       text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    scope        text NOT NULL CHECK (scope IN ('read', 'operate')),
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    revoked_by   text
);
CREATE INDEX console_api_token_user_idx ON console_api_token (user_id, created_at DESC);
-- one live token per name and person, so the audit trail's token name is unambiguous
CREATE UNIQUE INDEX console_api_token_name_idx ON console_api_token (user_id, lower(name)) WHERE revoked_at IS NULL;

-- The audit row names the token a request came with: `token "<name>" (<prefix>…, <scope>)`;
-- null for a session or a trusted proxy's sign-in.
ALTER TABLE console_audit_log ADD COLUMN via text;
