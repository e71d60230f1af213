import { describe, expect, it } from 'vitest';
import { DatabaseInUseError } from '@/db/client';
import { describeError } from './errors';

describe('describeError', () => {
  it('passes the PGlite lock message through unchanged', () => {
    expect(
      describeError(new DatabaseInUseError('The embedded database in x is open in another process (pid 1).')),
    ).toBe('The embedded database in x is open in another process (pid 1).');
  });

  it('turns a refused connection into a sentence about DATABASE_URL', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeError(err, 'postgres://h:1/db')).toContain('Could not connect to PostgreSQL (postgres://h:1/db)');
  });

  it('unwraps the AggregateError pg raises for localhost', () => {
    const err = Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], ''), {});
    expect(describeError(err)).toContain('connection was refused');
  });

  it('names a missing database and keeps SQLSTATEs of other errors', () => {
    expect(describeError(Object.assign(new Error('database "nope" does not exist'), { code: '3D000' }))).toContain(
      'does not exist',
    );
    expect(describeError(Object.assign(new Error('boom'), { code: '22P02' }))).toBe('boom (SQLSTATE 22P02)');
  });
});

describe('describeError with wrapped errors', () => {
  it('looks through a drizzle "Failed query" wrapper to the SQLSTATE', () => {
    const inner = Object.assign(new Error('relation "dot_config" does not exist'), { code: '42P01' });
    const wrapped = Object.assign(new Error('Failed query: SELECT key FROM dot_config\nparams: '), { cause: inner });
    expect(describeError(wrapped)).toContain('Run npm run db:migrate');
  });
});
