// The differential harness for fn_iu_auto_instantiate_batch (046): the same random
// transactions run through the per-event function on one database and through the batch
// entry point on its twin, and everything either one wrote is dumped with generated ids and
// times replaced by labels and ranks, so that two dumps are equal exactly when the paths
// agree. Labels follow the order of first appearance in the results, so a batch that
// numbered its log rows or instances in another order than the per-event path shows up as
// a difference too.
import type { Database, Session } from '@/db/client';
import { setGate, COMPOSER, AUTO } from './substrate';
import { prng } from '@/lib/prng';

export type Json = Record<string, unknown>;

/** Templates by label; each twin resolves a label to its own collection id. */
export const TEMPLATE_LABELS = [
  't3',
  't8',
  'partly-retired',
  'all-retired',
  'unmarked',
  'instance',
  'missing',
  'null',
] as const;
export type TemplateLabel = (typeof TEMPLATE_LABELS)[number];

export interface Item {
  eventId: string | null;
  eventType: string | null;
  template: TemplateLabel;
  suffix: string | null;
  mode: string | null;
  note: string | null;
}

export interface Chunk {
  actor: string;
  items: Item[];
}

export type Step =
  | { kind: 'tx'; composer: boolean; live: boolean; chunks: Chunk[]; commit: boolean }
  | { kind: 'rollback-by-actor'; actor: string };

const MISSING_TEMPLATE = '0b5e0000-0000-4000-8000-00000000dead';
const ACTORS = ['alice', 'bob:wave-1', 'carol'];

/** Random steps for one seed: small pools of events and suffixes so replays and collisions are common. */
export function randomSteps(seed: number, opts: { steps?: number } = {}): Step[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const hex = (n: number) => n.toString(16).padStart(12, '0');
  const events = Array.from(
    { length: 6 + Math.floor(r() * 8) },
    (_, i) => `d1ff${(seed & 0xffff).toString(16).padStart(4, '0')}-0000-4000-8000-${hex(i + 1)}`,
  );
  const suffixes = Array.from({ length: 4 + Math.floor(r() * 8) }, (_, i) => `s${seed % 1000}-${i}`);
  const weighted: [TemplateLabel, number][] = [
    ['t3', 30],
    ['t8', 25],
    ['partly-retired', 12],
    ['all-retired', 7],
    ['unmarked', 7],
    ['instance', 6],
    ['missing', 8],
    ['null', 5],
  ];
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  const template = (): TemplateLabel => {
    let x = r() * total;
    for (const [l, w] of weighted) if ((x -= w) < 0) return l;
    return 't3';
  };
  const item = (): Item => ({
    eventId: r() < 0.03 ? null : pick(events),
    eventType: r() < 0.04 ? pick([null, '', '  ']) : pick(['template.published', 'doc.updated']),
    template: template(),
    suffix: r() < 0.06 ? pick([null, '', '-lead', 'a b', 'x'.repeat(65), 'ok,comma']) : pick(suffixes),
    mode: r() < 0.05 ? pick([null, '', 'bogus', 'LIVE']) : pick(['live', 'dry_run']),
    note: r() < 0.5 ? null : `note ${Math.floor(r() * 5)}`,
  });
  const steps: Step[] = [];
  for (let s = 0; s < (opts.steps ?? 8); s++) {
    if (r() < 0.12) {
      steps.push({ kind: 'rollback-by-actor', actor: pick(ACTORS) });
      continue;
    }
    const chunks: Chunk[] = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({
      actor: r() < 0.05 ? pick([' alice', '', 'carol ']) : pick(ACTORS),
      items: Array.from({ length: 1 + Math.floor(r() * 24) }, item),
    }));
    steps.push({ kind: 'tx', composer: r() < 0.85, live: r() < 0.7, chunks, commit: r() < 0.8 });
  }
  return steps;
}

/** One twin: its database, how its template labels resolve, and its labels for generated ids. */
export class Twin {
  templates = new Map<TemplateLabel, string | null>();
  private inst = new Map<string, string>();
  private logs = new Map<number, string>();

  constructor(
    readonly db: Database,
    readonly path: 'per-event' | 'batch',
    readonly batchFunction = 'fn_iu_auto_instantiate_batch',
  ) {}

  instLabel(id: unknown): unknown {
    if (id == null) return id;
    const k = String(id);
    if (!this.inst.has(k)) this.inst.set(k, `I${this.inst.size + 1}`);
    return this.inst.get(k);
  }

  logLabel(id: unknown): unknown {
    if (id == null) return id;
    const k = Number(id);
    if (!this.logs.has(k)) this.logs.set(k, `L${this.logs.size + 1}`);
    return this.logs.get(k);
  }

  /** A result with its generated ids replaced by labels (registering new ones in order). */
  normaliseResult(r: Json): Json {
    const out: Json = { ...r };
    if ('event_log_id' in out) out.event_log_id = this.logLabel(out.event_log_id);
    if ('original_event_log_id' in out) out.original_event_log_id = this.logLabel(out.original_event_log_id);
    if ('instance_collection_id' in out) out.instance_collection_id = this.instLabel(out.instance_collection_id);
    return out;
  }

  templateLabelOf(id: unknown): unknown {
    if (id == null) return id;
    for (const [l, v] of this.templates) if (v === id) return `T:${l}`;
    return this.inst.has(String(id)) ? this.inst.get(String(id)) : `?${String(id)}`;
  }

  async runChunk(s: Session, chunk: Chunk): Promise<Json[]> {
    const tpl = (i: Item) => (i.template === 'null' ? null : (this.templates.get(i.template) ?? null));
    if (this.path === 'per-event') {
      const out: Json[] = [];
      for (const i of chunk.items) {
        const [row] = await s.query<{ r: Json }>(
          `SELECT fn_iu_auto_instantiate_from_event($1::uuid, $2, $3::uuid, $4, $5, $6, $7) AS r`,
          [i.eventId, i.eventType, tpl(i), i.suffix, i.mode, chunk.actor, i.note],
        );
        out.push(row.r);
      }
      return out;
    }
    // every chunk is predicted (058) before it is written: the prediction must write nothing
    // and equal the write's results but for the ids only writing generates
    const before = await footprint(s);
    const predicted = await this.callBatch(s, chunk, true);
    const after = await footprint(s);
    if (before !== after) throw new Error(`the prediction wrote: ${before} became ${after}`);
    const written = await this.callBatch(s, chunk, false);
    const wrong = predictionDifferences(predicted, written);
    if (wrong.length) throw new Error(`the prediction differs from the write: ${wrong.slice(0, 5).join('; ')}`);
    return written;
  }

  private async callBatch(s: Session, chunk: Chunk, predict: boolean): Promise<Json[]> {
    const tpl = (i: Item) => (i.template === 'null' ? null : (this.templates.get(i.template) ?? null));
    const rows = await s.query<{ ord: number; result: Json }>(
      `SELECT ord, result FROM ${this.batchFunction}($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7, $8) ORDER BY ord`,
      [
        chunk.items.map((i) => i.eventId),
        chunk.items.map((i) => i.eventType),
        chunk.items.map(tpl),
        chunk.items.map((i) => i.suffix),
        chunk.items.map((i) => i.mode),
        chunk.items.map((i) => i.note),
        chunk.actor,
        predict,
      ],
    );
    if (rows.map((r) => r.ord).join() !== chunk.items.map((_, k) => k + 1).join())
      throw new Error('batch returned other ords than 1..n');
    return rows.map((r) => r.result);
  }

  /** Runs one step; returns the normalised per-item results of every chunk. */
  async runStep(step: Step): Promise<Json[][]> {
    if (step.kind === 'rollback-by-actor') {
      const [row] = await this.db.query<{ r: Json }>(
        `SELECT fn_iu_auto_instantiate_rollback_by_actor($1, false) AS r`,
        [step.actor],
      );
      return [
        [
          {
            ...row.r,
            instance_collection_ids: (row.r.instance_collection_ids as string[]).map((x) => this.instLabel(x)),
          },
        ],
      ];
    }
    return this.db.withSession(async (s) => {
      await s.query('BEGIN');
      try {
        if (step.composer) await setGate(s, COMPOSER, true);
        if (step.live) await setGate(s, AUTO, true);
        const out: Json[][] = [];
        for (const c of step.chunks) out.push((await this.runChunk(s, c)).map((r) => this.normaliseResult(r)));
        await setGate(s, COMPOSER, false);
        await setGate(s, AUTO, false);
        await s.query(step.commit ? 'COMMIT' : 'ROLLBACK');
        return out;
      } catch (e) {
        await s.query('ROLLBACK').catch(() => {});
        throw e;
      }
    });
  }

  /** Everything the substrate holds, with generated ids as labels and times as ranks. */
  async dump(): Promise<Json> {
    const q = <T = Json>(text: string) => this.db.query<T>(text);
    // timestamps compared as ranks: read them with microseconds as text
    const log = await q(`SELECT l.*, to_char(created_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS c,
                                to_char(rolled_back_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS rb
                           FROM iu_auto_instantiate_event_log l ORDER BY id`);
    const colls = await q(`SELECT c.*, to_char(created_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS c
                             FROM iu_piece_collection c ORDER BY c.collection_key`);
    const members = await q(`SELECT c.collection_key, c.id AS cid, m.position, m.role, u.canonical_address
                               FROM iu_piece_collection_member m JOIN iu_piece_collection c ON c.id = m.collection_id
                               JOIN information_unit u ON u.id = m.iu_id ORDER BY c.collection_key, m.position`);
    const pieces = await q(`SELECT canonical_address, title, body, unit_kind, section_type, status, created_by,
                                   to_char(created_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS c
                              FROM information_unit ORDER BY canonical_address`);
    const daily = await q(`SELECT day::text AS day, event_type, emit_mode, status, event_count, rolled_back_count,
                                  to_char(first_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS f,
                                  to_char(last_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS l
                             FROM iu_aiel_rollup_daily ORDER BY 1, 2, 3, 4`);
    const actor = await q(`SELECT triggered_by, event_type, emit_mode, status, event_count, rolled_back_count,
                                  to_char(first_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS f,
                                  to_char(last_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS l
                             FROM iu_aiel_rollup_actor ORDER BY 1, 2, 3, 4`);
    const counters = await q(`SELECT template_collection_id, live_instance_count, dry_run_instance_count,
                                     to_char(last_instantiated_at AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS') AS l
                                FROM iu_template_instance_count`);
    const leftovers = await q(`SELECT (SELECT count(*) FROM iu_aiel_rollup_pending)::int AS rollup_pending,
                                      (SELECT count(*) FROM iu_aiel_rollup_flush)::int AS rollup_flush,
                                      (SELECT count(*) FROM iu_template_instance_count_pending)::int AS count_pending,
                                      (SELECT count(*) FROM iu_template_instance_count_flush)::int AS count_flush`);
    const summary = await q(`SELECT event_type, emit_mode, status, event_count, rolled_back_count
                               FROM v_iu_auto_instantiate_event_summary ORDER BY 1, 2, 3`);
    const observability =
      await q(`SELECT collection_key, active_piece_count, live_instance_count, dry_run_instance_count
                                     FROM v_iu_template_observability ORDER BY collection_key`);
    const rankD = new Map([...new Set(daily.map((r) => String(r.day)))].sort().map((v, i) => [v, i + 1]));
    // Times are not compared as values (they are generated) but as an order: each becomes a
    // named point, and orderDifferences() checks the two twins order their points alike.
    const points: [string, string][] = [];
    const tp = (name: string, v: unknown) => {
      if (v != null && v !== '') points.push([name, String(v)]);
      return v == null || v === '' ? null : 'time';
    };
    const coll = (id: unknown) => {
      const c = colls.find((x) => x.id === id);
      if (c && !c.instance_template_id) return `C:${String(c.collection_key)}`;
      return this.instLabel(id);
    };
    return {
      log: log.map((r) => ({
        id: this.logLabel(r.id),
        event_id: r.event_id,
        event_type: r.event_type,
        template: this.templateLabelOf(r.template_collection_id),
        instance: this.instLabel(r.instance_collection_id),
        unique_suffix: r.unique_suffix,
        emit_mode: r.emit_mode,
        status: r.status,
        triggered_by: r.triggered_by,
        note: r.note,
        replay_of: this.logLabel(r.replay_of_event_log_id),
        created_at: tp(`log ${String(this.logLabel(r.id))}`, r.c),
        rolled_back_at: r.rb == null ? null : 'time',
        rolled_back_by: r.rolled_back_by,
      })),
      collections: colls.map((r) => ({
        id: coll(r.id),
        key: r.collection_key,
        kind: r.kind,
        title: r.title,
        description: r.description,
        created_by: r.created_by,
        created_at: tp(`collection ${String(coll(r.id))}`, r.c),
        instance_emit_mode: r.instance_emit_mode,
        instance_template: r.instance_template_id == null ? null : this.templateLabelOf(r.instance_template_id),
        instance_event_id: r.instance_event_id,
        is_template: r.is_template,
        template_label: r.template_label,
        marked_by: r.marked_by,
      })),
      members: members.map((r) => ({
        collection: coll(r.cid),
        position: r.position,
        role: r.role,
        piece: r.canonical_address,
      })),
      pieces: pieces.map((r) => ({ ...r, c: tp(`piece ${String(r.canonical_address)}`, r.c) })),
      rollupDaily: daily.map((r) => {
        const k = `daily ${rankD.get(String(r.day))}/${String(r.event_type)}/${String(r.emit_mode)}/${String(r.status)}`;
        return { ...r, day: rankD.get(String(r.day)), f: tp(`${k} first`, r.f), l: tp(`${k} last`, r.l) };
      }),
      rollupActor: actor.map((r) => {
        const k = `actor ${String(r.triggered_by)}/${String(r.event_type)}/${String(r.emit_mode)}/${String(r.status)}`;
        return { ...r, f: tp(`${k} first`, r.f), l: tp(`${k} last`, r.l) };
      }),
      counters: counters
        .map((r) => {
          const template = this.templateLabelOf(r.template_collection_id);
          return {
            template,
            live: r.live_instance_count,
            dry: r.dry_run_instance_count,
            last: tp(`counter ${String(template)}`, r.l),
          };
        })
        .sort((a, b) => String(a.template).localeCompare(String(b.template))),
      leftovers,
      summary,
      observability,
      points,
    };
  }
}

/**
 * Where the batch twin orders its times otherwise than the per-event twin: every strict
 * "before" of the per-event side must not be an "after" on the batch side. Points that tie
 * on the per-event side (PGlite's clock ticks in milliseconds) may come in any order. Ties on
 * the batch side are checked apart: the batch stamps its log rows and instances uniquely
 * (see uniqueStampDifferences), so on PostgreSQL (microseconds) this pins their order down.
 */
export function orderDifferences(perEvent: [string, string][], batch: [string, string][], max = 8): string[] {
  const out: string[] = [];
  const b = new Map(batch);
  const namesA = perEvent.map(([n]) => n).sort();
  const namesB = [...b.keys()].sort();
  if (namesA.join('\n') !== namesB.join('\n')) {
    const onlyA = namesA.filter((n) => !b.has(n));
    const onlyB = namesB.filter((n) => !namesA.includes(n));
    return [
      `time points differ: only per-event ${JSON.stringify(onlyA.slice(0, 4))}, only batch ${JSON.stringify(onlyB.slice(0, 4))}`,
    ];
  }
  const groups: string[][] = [];
  let last: string | undefined;
  for (const [n, t] of [...perEvent].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0))) {
    if (t !== last) groups.push([]);
    groups[groups.length - 1].push(n);
    last = t;
  }
  for (let g = 1; g < groups.length && out.length < max; g++) {
    const prev = groups[g - 1].reduce((m, n) => (b.get(n)! > m ? b.get(n)! : m), '');
    for (const n of groups[g]) {
      if (b.get(n)! < prev) out.push(`batch puts ${n} before ${groups[g - 1].join(', ')}`);
    }
  }
  return out;
}

/** The first few places where two values differ, as paths; empty when equal. */
export function differences(a: unknown, b: unknown, path = '$', out: string[] = [], max = 8): string[] {
  if (out.length >= max) return out;
  if (a === b) return out;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    out.push(`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
    return out;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    out.push(`${path}: array vs object`);
    return out;
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  if (Array.isArray(a) && (a as unknown[]).length !== (b as unknown[]).length)
    out.push(`${path}: length ${(a as unknown[]).length} ≠ ${(b as unknown[]).length}`);
  for (const k of keys) differences((a as Json)[k], (b as Json)[k], `${path}.${k}`, out, max);
  return out;
}

const SETUP_TEMPLATES: { label: TemplateLabel; pieces: number; retired: number[]; mark: boolean }[] = [
  { label: 't3', pieces: 3, retired: [], mark: true },
  { label: 't8', pieces: 8, retired: [], mark: true },
  { label: 'partly-retired', pieces: 5, retired: [2, 4], mark: true },
  { label: 'all-retired', pieces: 2, retired: [1, 2], mark: true },
  { label: 'unmarked', pieces: 2, retired: [], mark: false },
];

/**
 * The same templates on a twin, with the same keys and piece addresses: composed, marked
 * (all but `unmarked`), pieces retired where asked, and one committed instance that the
 * chunks then offer as a "template".
 */
export async function setUpTwin(twin: Twin): Promise<void> {
  const db = twin.db;
  for (const t of SETUP_TEMPLATES) {
    const pieces = Array.from({ length: t.pieces }, (_, i) => ({
      role: `role-${i + 1}`,
      new_piece: {
        canonical_address: `iu_core/diff/${t.label}/${i + 1}`,
        title: `${t.label} ${i + 1}`,
        body: `Body ${i + 1}`,
        unit_kind: 'design_doc_section',
        section_type: 'section',
      },
    }));
    const id = await db.withSession(async (s) => {
      await s.query('BEGIN');
      await setGate(s, COMPOSER, true);
      const [r] = await s.query<{ r: Json }>(
        `SELECT fn_iu_compose($1, 'design_doc', $2, 'differential', $3::jsonb, 'setup') AS r`,
        [`tpl:diff-${t.label}/v1`, `Template ${t.label}`, JSON.stringify(pieces)],
      );
      await setGate(s, COMPOSER, false);
      await s.query('COMMIT');
      if (r.r.status !== 'ok') throw new Error(`set-up compose failed: ${JSON.stringify(r.r)}`);
      return String(r.r.collection_id);
    });
    if (t.mark) await db.query(`SELECT fn_iu_collection_mark_as_template($1::uuid, 'label', 'note', 'setup')`, [id]);
    for (const k of t.retired)
      await db.query(`UPDATE information_unit SET status = 'retired' WHERE canonical_address = $1`, [
        `iu_core/diff/${t.label}/${k}`,
      ]);
    twin.templates.set(t.label, id);
  }
  twin.templates.set('missing', MISSING_TEMPLATE);
  twin.templates.set('null', null);
  const [step] = await twin.runStep({
    kind: 'tx',
    composer: true,
    live: true,
    commit: true,
    chunks: [
      {
        actor: 'setup',
        items: [
          {
            eventId: 'd1ff0000-0000-4000-8000-00000000beef',
            eventType: 'setup',
            template: 't3',
            suffix: 'setup',
            mode: 'live',
            note: null,
          },
        ],
      },
    ],
  });
  const inst = await db.query<{ id: string }>(
    `SELECT id FROM iu_piece_collection WHERE collection_key = 'inst:tpl:diff-t3/v1/setup'`,
  );
  if (step[0].status !== 'ok' || !inst[0]) throw new Error('set-up instance failed');
  twin.templates.set('instance', inst[0].id);
}

/** Log rows and instances whose created_at another log row or instance shares (the contract wants them strictly ordered). */
export function uniqueStampDifferences(points: [string, string][], max = 8): string[] {
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const [n, t] of points) {
    if (!/^(log L|collection I)/.test(n)) continue;
    if (seen.has(t) && out.length < max) out.push(`${n} has the created_at of ${seen.get(t)}`);
    seen.set(t, n);
  }
  return out;
}

/** What a write leaves behind: row counts of everything the batch writes, and the log's sequence. */
async function footprint(s: Session): Promise<string> {
  const [row] = await s.query<Json>(
    `SELECT (SELECT count(*) FROM iu_auto_instantiate_event_log) AS logs,
            (SELECT count(*) FROM iu_piece_collection) AS collections,
            (SELECT count(*) FROM iu_piece_collection_member) AS members,
            (SELECT count(*) FROM iu_aiel_rollup_pending) AS rollup_deltas,
            (SELECT count(*) FROM iu_template_instance_count_pending) AS counter_deltas,
            (SELECT last_value FROM iu_auto_instantiate_event_log_id_seq) AS seq,
            current_setting('iu_core.batch_deltas', true) AS deltas_setting`,
  );
  return JSON.stringify(row);
}

/**
 * A prediction against the write of the same chunk: equal but for the ids only writing makes,
 * which the prediction leaves NULL (a log row's id; a new instance's id; for a replay of an
 * item of the same chunk, its original's log id and instance id).
 */
export function predictionDifferences(predicted: Json[], written: Json[]): string[] {
  if (predicted.length !== written.length) return [`${predicted.length} predicted, ${written.length} written`];
  const logIds = new Set<unknown>(written.map((w) => w.event_log_id).filter((x) => x != null));
  const out: string[] = [];
  written.forEach((w, k) => {
    const want: Json = { ...w };
    if ('event_log_id' in want) want.event_log_id = null;
    if (w.status === 'ok') want.instance_collection_id = null;
    if (w.status === 'idempotent_replay' && logIds.has(w.original_event_log_id)) {
      want.instance_collection_id = null;
      want.original_event_log_id = null;
    }
    const a = JSON.stringify(sorted(predicted[k]));
    const b = JSON.stringify(sorted(want));
    if (a !== b) out.push(`item ${k + 1}: predicted ${a}, written ${b}`);
  });
  return out;
}

const sorted = (o: Json): Json => Object.fromEntries(Object.entries(o).sort(([x], [y]) => x.localeCompare(y)));
