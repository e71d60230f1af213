-- 040 console sign-in: the tables better-auth (with its username plugin and database rate
-- limiting) reads and writes, written by hand to match its schema for those options, plus
-- the console's own columns on the user: role, disabled (banned) and must_change_password.
--
-- Decisions:
-- * Prefixed names (auth_user, ...) keep "user", a reserved word, out of the substrate.
-- * role is NULL for "no role": such a person can sign in and sees only "ask a lead".
-- * banned = disabled by a lead; a disabled user cannot sign in and their sessions are deleted.
-- * source says how the account came to be: a password account, or provisioned just in time
--   from a trusted proxy's headers (no password row).

CREATE TABLE auth_user (
    id                   text PRIMARY KEY,
    name                 text NOT NULL,
    email                text NOT NULL UNIQUE,
    email_verified       boolean NOT NULL DEFAULT false,
    image                text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    username             text UNIQUE,
    display_username     text,
    role                 text CHECK (role IN ('viewer', 'operator', 'lead')),
    banned               boolean NOT NULL DEFAULT false,
    ban_reason           text,
    must_change_password boolean NOT NULL DEFAULT false,
    source               text NOT NULL DEFAULT 'password' CHECK (source IN ('password', 'trusted-header'))
);

CREATE TABLE auth_session (
    id          text PRIMARY KEY,
    expires_at  timestamptz NOT NULL,
    token       text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    ip_address  text,
    user_agent  text,
    user_id     text NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE
);
CREATE INDEX auth_session_user_id_idx ON auth_session (user_id);

CREATE TABLE auth_account (
    id                       text PRIMARY KEY,
    account_id               text NOT NULL,
    provider_id              text NOT NULL,
    user_id                  text NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
    access_token             text,
    refresh_token            text,
    id_token                 text,
    access_token_expires_at  timestamptz,
    refresh_token_expires_at timestamptz,
    scope                    text,
    password                 text,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_account_user_id_idx ON auth_account (user_id);

CREATE TABLE auth_verification (
    id          text PRIMARY KEY,
    identifier  text NOT NULL,
    value       text NOT NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_verification_identifier_idx ON auth_verification (identifier);

CREATE TABLE auth_rate_limit (
    id           text PRIMARY KEY DEFAULT gen_random_uuid()::text,
    key          text NOT NULL UNIQUE,
    count        integer NOT NULL,
    last_request bigint NOT NULL
);
