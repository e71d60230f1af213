-- 047 sign-in limits count failures, per user name and per client address.
--
-- Until now better-auth's own limiter counted every request to /sign-in/username per
-- address, successes included: behind the documented proxy every person arrives from the
-- proxy's one address, so a whole organisation shared 5 sign-ins a minute, and a typo-free
-- morning rush locked everyone out while a patient guesser spread over many addresses was
-- not slowed at all.
--
-- Decisions:
-- * One row per key: 'user:<name>' (every name tried, existing or not, so the limit says
--   nothing about which accounts exist) and 'address:<peer>' (the socket peer server.ts
--   records; never X-Forwarded-For, which anyone can type).
-- * A fixed window: window_start is the first failure of the window; once the window has
--   passed the next failure starts a new one. An attempt is claimed before the password is
--   checked (an atomic upsert, so parallel guesses cannot all pass a stale read) and given
--   back when it succeeds: only failures stay counted.
-- * The per-user limit is small (IU_SIGNIN_MAX_ATTEMPTS, 5 a minute); the per-address one is
--   larger (IU_SIGNIN_MAX_ADDRESS_FAILURES, 30), because one address may be a whole office.
-- * Rows older than an hour are deleted as new failures arrive: names an attacker sprays
--   do not pile up.
CREATE TABLE auth_signin_failure (
    key          text PRIMARY KEY,
    failures     integer NOT NULL,
    window_start timestamptz NOT NULL
);
CREATE INDEX auth_signin_failure_window_start_idx ON auth_signin_failure (window_start);
