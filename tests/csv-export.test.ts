// Both exports (event log, audit trail) write cells a spreadsheet would read as formulas with
// a leading single quote. The files are fetched through the console's own routes and their
// cells read back with a CSV parser, on each backend.
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeAudit } from '@/lib/auth/audit';
import { csvLines, neutralizeCell } from '@/lib/http/download';
import { instantiateFromEvent } from '@/lib/recipes';
import * as auditRoute from '@/app/api/audit/route';
import * as eventsExportRoute from '@/app/api/events/export/route';
import { backends, useTestDatabase } from './helpers/db';
import { pointConsoleAt, send, signedIn } from './helpers/console';
import { makeTemplate, uniq, uuid } from './helpers/substrate';

const FORMULAS = ['=HYPERLINK("http://evil.example","open")', '+1+1', '-2+3', '@SUM(A1:A9)', '\t=1', '\r=1'];

describe('neutralizeCell', () => {
  it.each(FORMULAS)('quotes %j', (s) => {
    expect(neutralizeCell(s)).toBe(`'${s}`);
  });

  it.each([
    ['plain', 'plain'],
    ['a=b', 'a=b'],
    [' =1', ' =1'],
    [42, '42'],
    [true, 'true'],
    [null, ''],
    [undefined, ''],
    [{ note: '=1' }, '{"note":"=1"}'],
  ])('leaves %j as %j', (v, out) => {
    expect(neutralizeCell(v)).toBe(out);
  });

  it('writes every cell of a row through it, header first', () => {
    const text = csvLines(['a', 'b'] as const, [{ a: '=1', b: 'ok' }], true);
    expect(parse(text)).toEqual([
      ['a', 'b'],
      ["'=1", 'ok'],
    ]);
  });
});

describe.each(backends())('the exports on $name', (backend) => {
  const t = useTestDatabase(backend);
  let cookie = '';
  const eventType = FORMULAS[0];
  const note = '@SUM(A1:A9)';

  beforeAll(async () => {
    pointConsoleAt(t.db);
    cookie = await signedIn(t.db, 'lucia', 'lead');
    const tpl = await makeTemplate(t.db);
    const r = await instantiateFromEvent(
      { db: t.db, user: 'lucia', gateWaitMs: 10_000 },
      {
        eventId: uuid(),
        eventType,
        templateCollectionId: tpl.id,
        uniqueSuffix: uniq('csv'),
        emitMode: 'live',
        note,
        commit: true,
      },
    );
    expect(r).toMatchObject({ ok: true, committed: true });
    await writeAudit(t.db.orm, {
      startedAt: new Date(),
      username: 'lucia',
      role: 'lead',
      recipe: 'rollback-by-actor',
      params: { targetActor: '=cmd|"/c calc"!A1' },
      mode: 'durable',
      decision: 'refused',
      status: 'preview_required',
      summary: '+1 more than planned',
      actor: null,
      reason: '-2+3 because',
      ip: '127.0.0.1',
      userAgent: '@agent',
      committed: false,
    });
  });

  const csvOf = async (path: string, mod: typeof auditRoute | typeof eventsExportRoute, query: string) => {
    const res = await send({ path, mod }, 'GET', { cookie, query });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    return parse(await res.text(), { columns: true }) as Record<string, string>[];
  };

  it('neutralises a formula-looking event type and note in the event export', async () => {
    const rows = await csvOf('/api/events/export', eventsExportRoute, '?format=csv&actor=lucia');
    expect(rows).toHaveLength(1);
    expect(rows[0].event_type).toBe(`'${eventType}`);
    expect(rows[0].note).toBe(`'${note}`);
    expect(rows[0].triggered_by).toBe('lucia');
    // the JSON export is data, not a spreadsheet: it keeps the text as written
    const res = await send({ path: '/api/events/export', mod: eventsExportRoute }, 'GET', {
      cookie,
      query: '?format=json&actor=lucia',
    });
    expect((await res.json())[0]).toMatchObject({ event_type: eventType, note });
  });

  it('neutralises a formula-looking reason, summary, user agent and parameters in the audit export', async () => {
    const rows = await csvOf('/api/audit', auditRoute, '?format=csv&recipe=rollback-by-actor');
    const row = rows.find((r) => r.status === 'preview_required')!;
    expect(row.reason).toBe("'-2+3 because");
    expect(row.summary).toBe("'+1 more than planned");
    expect(row.user_agent).toBe("'@agent");
    expect(JSON.parse(row.params)).toEqual({ targetActor: '=cmd|"/c calc"!A1' });
    for (const r of rows)
      for (const cell of Object.values(r)) expect(cell, JSON.stringify(r)).not.toMatch(/^[=+\-@\t\r]/);
  });
});
