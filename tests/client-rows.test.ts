// Rows read through drizzle's raw execute look the same from PGlite and from PostgreSQL.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { parsePgTimestamp, rowsOf } from '@/db/client';
import { backends, useTestDatabase } from './helpers/db';

describe.each(backends())('rows from $name', (backend) => {
  const t = useTestDatabase(backend, { migrated: false });

  it('gives timestamps as Date, int8 as number and jsonb as objects', async () => {
    const [row] = rowsOf<{ t: Date; n: number; j: { a: number }; z: Date | null }>(
      await t.db.orm.execute(
        sql`SELECT '2026-01-02 03:04:05.123456+05:30'::timestamptz AS t, 9007199254740991::int8 AS n,
                   '{"a":1}'::jsonb AS j, NULL::timestamptz AS z`,
      ),
    );
    expect(row.t).toBeInstanceOf(Date);
    expect(row.t.toISOString()).toBe('2026-01-01T21:34:05.123Z');
    expect(row.n).toBe(9007199254740991);
    expect(row.j).toEqual({ a: 1 });
    expect(row.z).toBeNull();
  });

  it('gives int8 as number from the plain query path too', async () => {
    const [row] = await t.db.query<{ n: number; c: number }>(
      'SELECT 42::int8 AS n, count(*) AS c FROM generate_series(1, 3)',
    );
    expect(row).toEqual({ n: 42, c: 3 });
  });
});

describe('parsePgTimestamp', () => {
  it('reads offsets written as +00, +0530 and +05:30', () => {
    expect(parsePgTimestamp('2026-11-26 17:50:00.5+00').toISOString()).toBe('2026-11-26T17:50:00.500Z');
    expect(parsePgTimestamp('2026-11-26 17:50:00+0530').toISOString()).toBe('2026-11-26T12:20:00.000Z');
    expect(parsePgTimestamp('2026-11-26 17:50:00+05:30').toISOString()).toBe('2026-11-26T12:20:00.000Z');
  });
});
