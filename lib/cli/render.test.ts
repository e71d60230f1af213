import { describe, expect, it } from 'vitest';
import type { BulkResult, Refusal, RollbackResult } from '@/lib/recipes';
import { gateLeakLine, renderBulk, renderRefusal, renderRollback } from './render';

describe('renderRefusal', () => {
  it('prints the status, the sentence and says nothing was written', () => {
    const r: Refusal = {
      ok: false,
      status: 'live_gate_closed',
      message: 'The live gate was closed.',
      committed: false,
    };
    expect(renderRefusal(r)).toBe('Refused: live_gate_closed\nThe live gate was closed.\nNothing was written.');
  });

  it('lists each field problem under its flag', () => {
    const r = {
      ok: false,
      status: 'invalid_input',
      message: 'The input was refused…',
      committed: false,
      issues: [
        { field: 'uuidPrefix', flag: '--prefix', message: 'The event-id prefix must be hexadecimal.' },
        { field: 'n', message: 'N must be at least 1.' },
      ],
    } as Refusal;
    const out = renderRefusal(r);
    expect(out).toContain('  - --prefix: The event-id prefix must be hexadecimal.');
    expect(out).toContain('  - n: N must be at least 1.');
  });

  it('says the event-log row was kept when a refusal was committed', () => {
    const r: Refusal = {
      ok: false,
      status: 'instance_collection_key_collision',
      message: 'Taken.',
      committed: true,
      detail: {
        status: 'instance_collection_key_collision',
        event_log_id: 42,
        instance_collection_key: 'inst:tpl:a/v1/x',
      },
    };
    const out = renderRefusal(r);
    expect(out).toContain('event-log row (42) is kept');
    expect(out).toContain('instance_collection_key=inst:tpl:a/v1/x');
  });
});

describe('renderBulk', () => {
  const result: BulkResult = {
    actor: 'dana:canary-3',
    templateCollectionId: '11111111-1111-4111-8111-111111111111',
    emitMode: 'live',
    total: 7,
    counts: { ok: 6, idempotent_replay: 1 },
    elapsedMs: 70,
    items: Array.from({ length: 7 }, (_, i) => ({
      index: i + 1,
      eventId: `25000b00-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      uniqueSuffix: `b-${String(i + 1).padStart(3, '0')}`,
      status: i === 6 ? 'idempotent_replay' : 'ok',
      instanceCollectionId: null,
      instanceCollectionKey: `inst:tpl:a/v1/b-${i + 1}`,
      eventLogId: 1000 + i,
    })),
  };

  it('shows counts and only the first five items of a preflight', () => {
    const out = renderBulk(result, { committed: false, allItems: false, templateKey: 'tpl:a/v1', batchTag: 'b' });
    expect(out).toContain('Preflight (predicted, nothing was written): 7 events');
    expect(out).toContain('First 5 of 7 items');
    expect(out).toContain('b-005');
    expect(out).not.toContain('b-006');
    expect(out).toContain('│ 1000    │'); // log ids are not formatted as counts
    expect(out).toContain('--commit');
  });

  it('prints every item with --items', () => {
    const out = renderBulk(result, { committed: true, allItems: true, templateKey: null, batchTag: 'b' });
    expect(out).toContain('Bulk run committed');
    expect(out).toContain('b-007');
  });
});

describe('renderRollback', () => {
  it('says plainly when an actor has nothing to roll back', () => {
    const res: RollbackResult = {
      actor: 'x',
      dryRun: true,
      instanceCount: 0,
      instanceCollectionIds: [],
      rolledBackBy: null,
      instances: [],
      byTemplate: {},
      byMode: {},
    };
    expect(renderRollback(res, { committed: false, allItems: false })).toContain('Nothing to roll back');
  });

  it('counts every instance by mode and says how many there are when only the first are listed', () => {
    const instances = Array.from({ length: 200 }, (_, k) => ({
      instanceCollectionId: `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`,
      instanceCollectionKey: `inst:tpl/b-${k}`,
      templateCollectionKey: 'tpl',
      emitMode: 'live',
      eventId: `10000000-0000-4000-8000-${String(k).padStart(12, '0')}`,
      createdAt: new Date('2026-11-29T10:00:00Z'),
    }));
    const res: RollbackResult = {
      actor: 'quin',
      dryRun: true,
      instanceCount: 4000,
      instanceCollectionIds: [],
      rolledBackBy: null,
      instances,
      byTemplate: { tpl: 3990, other: 10 },
      byMode: { live: 3990, dry_run: 10 },
    };
    const out = renderRollback(res, { committed: false, allItems: false });
    expect(out).toContain('would delete 4,000 instances');
    expect(out).toContain('By mode: live 3,990, dry_run 10.');
    expect(out).toContain('First 10 of 4,000 instances (--items prints all):');
  });
});

describe('gateLeakLine', () => {
  it('names the open gates and the command that closes them', () => {
    const line = gateLeakLine([
      { key: 'iu_core.composer_enabled', open: true, value: 'true', description: null, neverOpenedHere: false },
      { key: 'iu_core.delivery_enabled', open: false, value: 'false', description: null, neverOpenedHere: true },
    ]);
    expect(line).toContain('iu_core.composer_enabled is open');
    expect(line).toContain('gates --close-all');
    expect(gateLeakLine([])).toBeNull();
  });
});
