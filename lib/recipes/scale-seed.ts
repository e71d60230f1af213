// Scale data for dashboards and benchmarks: `npm run db:seed -- --scale`. Templates are made
// by the compose recipe; events come from fn_iu_auto_instantiate_from_event called set-based
// (one statement per chunk, inside the engine's gated transaction), plus synthetic history:
// set-based INSERTs of older log rows (refusals, replays, rolled-back runs) spread over the
// window, because a million engine calls do not fit in minutes on a small machine.
// It lives here because it runs recipe SQL; nothing outside lib/recipes does.
import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { composeTemplateVersion, suggestAddress } from './compose-template-version/recipe';
import { runRecipe } from './run';

export interface ScaleSeedOptions {
  /** Grow the event log to at least this many rows (default 1,000,000). */
  events?: number;
  /** Templates to have (default 1,000: families of VERSIONS versions). */
  templates?: number;
  /** Distinct actor strings (default 50: users, and users with a run tag). */
  actors?: number;
  /** Share of new events made by real fn_iu_auto_instantiate_from_event calls (default 0.2). */
  engineShare?: number;
  /** Days of synthetic history before today (default 180). */
  days?: number;
  log?: (line: string) => void;
}

export interface ScaleSeedOutcome {
  templates: number;
  events: number;
  engineEvents: number;
  historyEvents: number;
  elapsedMs: number;
}

export const SCALE_FAMILY_PREFIX = 'scale-';
const VERSIONS = 4;
const ROLES = ['summary', 'context', 'proposal', 'risks'];
const USERS = [
  'ada',
  'ben',
  'cleo',
  'dev',
  'eli',
  'fay',
  'gus',
  'hana',
  'ivo',
  'jun',
  'kai',
  'lea',
  'max',
  'nia',
  'oto',
  'pia',
  'quin',
  'rae',
  'sol',
  'tao',
  'uma',
  'vic',
  'wes',
  'xia',
  'yan',
];
const EVENT_TYPES = ['template.published', 'review.requested', 'incident.resolved', 'doc.created'];
/** Weighted statuses of synthetic history (ok rows there are all rolled back: no instance). */
const HISTORY_STATUSES: [string, number][] = [
  ['ok', 30],
  ['idempotent_replay', 20],
  ['composer_gate_closed', 15],
  ['live_gate_closed', 15],
  ['instance_collection_key_collision', 8],
  ['template_not_marked', 6],
  ['template_collection_not_found', 6],
];
const ENGINE_CHUNK = 20_000;
const HISTORY_CHUNK = 100_000;

/** A text array literal; drizzle would spread a JS array into a parameter list. */
const pgArray = (xs: string[]) => `{${xs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;

/** The actor strings of the scale data: each user, then each user with a run tag. */
export function scaleActors(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const user = USERS[i % USERS.length] + (i >= USERS.length * 2 ? String(Math.floor(i / (USERS.length * 2))) : '');
    out.push(i % (USERS.length * 2) < USERS.length ? user : `${user}:run-${(i % 7) + 1}`);
  }
  return out;
}

/** Grows the database to the scale data set; safe to run again (it only adds what is missing). */
export async function scaleSeed(db: Database, opts: ScaleSeedOptions = {}): Promise<ScaleSeedOutcome> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const target = opts.events ?? 1_000_000;
  const nTemplates = opts.templates ?? 1000;
  const actors = scaleActors(opts.actors ?? 50);
  const engineShare = opts.engineShare ?? 0.2;
  const days = opts.days ?? 180;

  // 1. templates, through the compose recipe (v1 → v2 → … with reused and changed pieces)
  const families = Math.ceil(nTemplates / VERSIONS);
  const have = await db.query<{ template_family: string; n: number }>(
    `SELECT template_family, count(*)::int AS n FROM iu_template_version WHERE template_family LIKE $1 GROUP BY 1`,
    [`tpl:${SCALE_FAMILY_PREFIX}%`],
  );
  const haveBy = new Map(have.map((h) => [h.template_family, h.n]));
  let made = 0;
  for (let f = 0; f < families; f++) {
    const family = `${SCALE_FAMILY_PREFIX}${String(f + 1).padStart(4, '0')}`;
    const versions = Math.min(VERSIONS, nTemplates - f * VERSIONS);
    for (let v = (haveBy.get(`tpl:${family}`) ?? 0) + 1; v <= versions; v++) {
      const user = USERS[(f + v) % USERS.length];
      const prev =
        v > 1
          ? await db.query<{ role: string; iu_id: string }>(
              `SELECT m.role, m.iu_id FROM iu_template_version t JOIN iu_piece_collection_member m ON m.collection_id = t.collection_id
          WHERE t.template_family = $1 AND t.version_seq = $2`,
              [`tpl:${family}`, v - 1],
            )
          : [];
      const prevBy = new Map(prev.map((p) => [p.role, p.iu_id]));
      // each version after v1 reuses two pieces, rewrites one, drops one and adds one
      const roles = v === 1 ? ROLES : [...ROLES.filter((r) => r !== ROLES[(v + 1) % ROLES.length]), `appendix-${v}`];
      const r = await composeTemplateVersion(
        { db, user },
        {
          family,
          title: `Scale template ${f + 1}`,
          label: `Scale ${f + 1} v${v}`,
          commit: true,
          pieces: roles.map((role, i) =>
            prevBy.has(role) && i !== v % roles.length
              ? { role, iuId: prevBy.get(role)! }
              : {
                  role,
                  newPiece: {
                    canonicalAddress: suggestAddress('scale', family, v, role),
                    title: role,
                    body: `The ${role} section of ${family}, version ${v}.`,
                  },
                },
          ),
        },
      );
      if (!r.ok) throw new Error(`scale seed: composing tpl:${family} v${v} was refused: ${r.status}: ${r.message}`);
      made++;
    }
    if (made && (f + 1) % 50 === 0) log(`templates: ${Math.min((f + 1) * VERSIONS, nTemplates)} of ${nTemplates}`);
  }
  const tplRows = await db.query<{ id: string }>(
    `SELECT collection_id AS id FROM iu_template_version WHERE template_family LIKE $1 ORDER BY template_family, version_seq`,
    [`tpl:${SCALE_FAMILY_PREFIX}%`],
  );
  const tplIds = tplRows.map((t) => t.id);
  log(`templates: ${tplIds.length} (${made} composed now, ${((Date.now() - started) / 1000).toFixed(1)} s)`);

  // 2. how many events to add, split between engine calls and history
  const [{ n: current }] = await db.query<{ n: number }>(
    'SELECT count(*)::bigint AS n FROM iu_auto_instantiate_event_log',
  );
  const missing = Math.max(0, target - Number(current));
  const engineN = Math.round(missing * engineShare);
  const historyN = missing - engineN;
  const [{ seq }] = await db.query<{ seq: number }>(
    `SELECT coalesce(max(id), 0)::bigint AS seq FROM iu_auto_instantiate_event_log`,
  );
  const runId = `${Date.now().toString(16).slice(-8)}`;
  // Real traffic is skewed: a tenth of the events go to a few hot templates (the first ones
  // composed), the rest spread evenly. The busiest template then fills a page of the event
  // log at 10,000 events as at a million, so its filter can be compared like for like.
  const HOT = Math.max(1, Math.min(10, tplIds.length));

  // 3. engine calls, set-based, in the engine's gated transaction (composer before live)
  const engineStarted = Date.now();
  for (let from = 0; from < engineN; from += ENGINE_CHUNK) {
    const to = Math.min(engineN, from + ENGINE_CHUNK);
    const r = await runRecipe<{ n: number }>(
      { db, user: 'scale-seed' },
      { gates: ['iu_core.composer_enabled', 'iu_core.auto_instantiate_enabled'], commit: (o) => o.ok },
      async (_tx, h) => {
        const [row] = await h.rows<{ n: number }>(sql`
          SELECT count(*)::int AS n FROM (
            SELECT fn_iu_auto_instantiate_from_event(
                     (${runId} || '-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
                     (${pgArray(EVENT_TYPES)}::text[])[1 + g % ${EVENT_TYPES.length}],
                     (${pgArray(tplIds)}::uuid[])[1 + CASE WHEN g % 10 = 0 THEN (g / 10) % ${HOT} ELSE (g * 7919) % ${tplIds.length} END],
                     's' || ${runId} || '-' || g,
                     CASE WHEN g % 5 = 0 THEN 'dry_run' ELSE 'live' END,
                     (${pgArray(actors)}::text[])[1 + (g * 31) % ${actors.length}],
                     'scale seed') AS r
              FROM generate_series(${from + 1 + Number(seq)}::bigint, ${to + Number(seq)}::bigint) AS g) x`);
        return { ok: true, status: 'ok', committed: false, result: row };
      },
    );
    if (!r.ok) throw new Error(`scale seed: engine chunk refused: ${r.status}: ${r.message}`);
    log(
      `engine events: ${to.toLocaleString('en')} of ${engineN.toLocaleString('en')} (${((Date.now() - engineStarted) / 1000).toFixed(1)} s)`,
    );
  }

  // 4. synthetic history: older rows spread over the window, set-based
  const historyStarted = Date.now();
  const statuses = HISTORY_STATUSES.flatMap(([s, w]) => Array<string>(w).fill(s));
  for (let from = 0; from < historyN; from += HISTORY_CHUNK) {
    const to = Math.min(historyN, from + HISTORY_CHUNK);
    await db.query(
      `INSERT INTO iu_auto_instantiate_event_log (event_id, event_type, template_collection_id, instance_collection_id,
              unique_suffix, emit_mode, status, triggered_by, note, created_at, rolled_back_at, rolled_back_by)
       SELECT md5($1 || g)::uuid, ($2::text[])[1 + h.t % cardinality($2::text[])],
              ($3::uuid[])[1 + CASE WHEN h.tpl % 10 = 0 THEN (h.tpl / 10) % $9::int ELSE h.tpl % cardinality($3::uuid[]) END],
              CASE WHEN x.st = 'ok' THEN md5('i' || $1 || g)::uuid END,
              'h' || $1 || '-' || g, CASE WHEN h.m % 4 = 0 THEN 'dry_run' ELSE 'live' END, x.st,
              ($4::text[])[1 + h.a % cardinality($4::text[])], 'synthetic history (scale seed)', x.at,
              CASE WHEN x.st = 'ok' THEN x.at + interval '2 hours' END,
              CASE WHEN x.st = 'ok' THEN 'scale-lead' END
         FROM generate_series($5::bigint, $6::bigint) AS g,
              -- independent pseudo-random draws per row, so every actor has every status
              LATERAL (SELECT abs(hashtext(g || 'type')) AS t, abs(hashtext(g || 'tpl')) AS tpl, abs(hashtext(g || 'mode')) AS m,
                              abs(hashtext(g || 'actor')) AS a, abs(hashtext(g || 'status')) AS s,
                              abs(hashtext(g || 'at'))::bigint AS at) h,
              LATERAL (SELECT ($7::text[])[1 + h.s % cardinality($7::text[])] AS st,
                              date_trunc('day', now()) - make_interval(days => $8::int)
                                + make_interval(secs => (h.at % ($8::bigint * 86400))::double precision) AS at) x`,
      [runId, EVENT_TYPES, tplIds, actors, from + 1, to, statuses, days, HOT],
    );
    log(
      `history events: ${to.toLocaleString('en')} of ${historyN.toLocaleString('en')} (${((Date.now() - historyStarted) / 1000).toFixed(1)} s)`,
    );
  }
  if (missing > 0) {
    // leave the database as a steady system would be: statistics current and the rollups'
    // pending queues (emptied at each commit) vacuumed, as autovacuum would soon do
    await db.exec('VACUUM ANALYZE iu_aiel_rollup_pending');
    await db.exec('VACUUM ANALYZE iu_template_instance_count_pending');
    await db.exec(
      'ANALYZE iu_auto_instantiate_event_log; ANALYZE iu_piece_collection; ANALYZE iu_piece_collection_member',
    );
  }
  const [{ n: total }] = await db.query<{ n: number }>(
    'SELECT count(*)::bigint AS n FROM iu_auto_instantiate_event_log',
  );
  return {
    templates: tplIds.length,
    events: Number(total),
    engineEvents: engineN,
    historyEvents: historyN,
    elapsedMs: Date.now() - started,
  };
}
