// Applies db/migrations/*.sql in order, one transaction each, and records them in the
// ledger iu_core_schema_migrations. The 033 rollback file deletes its ledger row, so a
// later migrate re-applies 033.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from './client';

export const MIGRATIONS_DIR = path.resolve(process.cwd(), 'db', 'migrations');

export interface MigrationFile {
  version: string;
  name: string;
  file: string;
  checksum: string;
  sql: string;
}

export interface MigrationStatus {
  version: string;
  name: string;
  applied: boolean;
  appliedAt: Date | null;
  appliedBy: string | null;
  /** The file changed since it was applied. */
  drifted: boolean;
}

const LEDGER_DDL = `
CREATE TABLE IF NOT EXISTS iu_core_schema_migrations (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL DEFAULT current_user
)`;

// An arbitrary constant: two processes migrating one PostgreSQL queue up instead of racing.
const MIGRATE_LOCK_KEY = 7_303_303;

/** The migration files on disk, sorted by version. */
export function listMigrationFiles(dir = MIGRATIONS_DIR): MigrationFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const sql = fs.readFileSync(path.join(dir, f), 'utf8');
      return {
        version: f.slice(0, 3),
        name: f.replace(/^\d{3}_/, '').replace(/\.sql$/, ''),
        file: f,
        checksum: crypto.createHash('sha256').update(sql).digest('hex').slice(0, 16),
        sql,
      };
    });
}

/** Which migrations are applied, per file on disk. */
export async function migrationStatus(db: Database, dir = MIGRATIONS_DIR): Promise<MigrationStatus[]> {
  const [{ exists }] = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('iu_core_schema_migrations') IS NOT NULL AS exists`,
  );
  const applied = exists
    ? await db.query<{ version: string; checksum: string; applied_at: Date; applied_by: string }>(
        'SELECT version, checksum, applied_at, applied_by FROM iu_core_schema_migrations',
      )
    : [];
  const byVersion = new Map(applied.map((r) => [r.version, r]));
  return listMigrationFiles(dir).map((m) => {
    const row = byVersion.get(m.version);
    return {
      version: m.version,
      name: m.name,
      applied: !!row,
      appliedAt: row ? new Date(row.applied_at) : null,
      appliedBy: row?.applied_by ?? null,
      drifted: !!row && row.checksum !== m.checksum,
    };
  });
}

/** Applies every pending migration; returns the versions it applied. */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = listMigrationFiles(dir);
  const appliedNow: string[] = [];
  return db.withSession(async (db) => {
    // lock first: two processes creating the ledger at once collide in pg_type
    await db.query('SELECT pg_advisory_lock($1)', [MIGRATE_LOCK_KEY]);
    await db.exec(LEDGER_DDL);
    try {
      const done = new Set(
        (await db.query<{ version: string }>('SELECT version FROM iu_core_schema_migrations')).map((r) => r.version),
      );
      for (const m of files) {
        if (done.has(m.version)) continue;
        const ledger =
          `INSERT INTO iu_core_schema_migrations (version, name, checksum) VALUES ` +
          `('${m.version}', '${m.name}', '${m.checksum}') ON CONFLICT (version) DO UPDATE SET ` +
          `checksum = EXCLUDED.checksum, applied_at = now(), applied_by = current_user;`;
        // One simple-protocol round trip per file keeps BEGIN, the file and the ledger row in
        // a single transaction on both drivers (a pooled client may differ between calls).
        try {
          await db.exec(`BEGIN;\n${m.sql}\n;\n${ledger}\nCOMMIT;`);
        } catch (err) {
          await db.exec('ROLLBACK').catch(() => {});
          throw new Error(`Migration ${m.file} failed and was rolled back: ${(err as Error).message}`);
        }
        appliedNow.push(m.version);
      }
    } finally {
      await db.query('SELECT pg_advisory_unlock($1)', [MIGRATE_LOCK_KEY]);
    }
    return appliedNow;
  });
}
