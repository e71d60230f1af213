// The key better-auth signs session cookies with: BETTER_AUTH_SECRET, or on the embedded
// database a random one made once and kept in .data/auth-secret (mode 600).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class AuthConfigError extends Error {}

export const SECRET_FILE = path.resolve(process.cwd(), '.data', 'auth-secret');

/** The signing secret, made on first use for PGlite; PostgreSQL deployments must set it. */
export function authSecret(env: Record<string, string | undefined> = process.env, file = SECRET_FILE): string {
  const fromEnv = env.BETTER_AUTH_SECRET?.trim();
  if (fromEnv) {
    if (fromEnv.length < 32)
      throw new AuthConfigError(
        'BETTER_AUTH_SECRET is shorter than 32 characters; set it to a long random value (openssl rand -base64 32).',
      );
    return fromEnv;
  }
  if (env.DATABASE_URL) {
    throw new AuthConfigError(
      'BETTER_AUTH_SECRET is not set: with DATABASE_URL the console will not make up a signing key; set BETTER_AUTH_SECRET to a long random value (openssl rand -base64 32), the same on every instance.',
    );
  }
  try {
    const kept = fs.readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  } catch {
    /* first start */
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const made = crypto.randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(file, `${made}\n`, { mode: 0o600, flag: 'wx' });
    return made;
  } catch (err) {
    // another process made it between our read and write: use theirs
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw err;
  }
}
