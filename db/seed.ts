// Demo data for the console, made only through the recipe engine: two template families
// (tpl:design-review v1→v2→v3, tpl:incident-postmortem v1→v2), ~370 auto-instantiate events
// by six people and three tagged runs, three bulk runs and one durable rollback by actor.
// Afterwards one clearly marked function backdates the timestamps so the events spread over
// the last 14 days; it is demo-data shaping, not recipe SQL.
//
// Deterministic: a fixed-seed PRNG picks every actor, mode and template, and event ids use
// fixed prefixes (5eed0000-… single events, 5eedb001-/5eedb002-/5eedb003- bulk runs,
// 5eedbad0-… ids of templates that do not exist). Only the wall-clock times differ per run.
import type { Database } from './client';
import {
  bulkScaleOut,
  composeTemplateVersion,
  instantiateFromEvent,
  rollbackByActor,
  suggestAddress,
  type RecipeContext,
  type RecipeResult,
} from '@/lib/recipes';
import { prng } from '@/lib/prng';

export interface SeedOptions {
  /** Seed only when the database holds no template yet. */
  ifEmpty?: boolean;
  log?: (line: string) => void;
}

export interface SeedOutcome {
  seeded: boolean;
  summary: string;
}

export class SeedError extends Error {}

const DAY = 86_400_000;
const WINDOW_DAYS = 14;
/** Single-event calls; with the bulk runs (120 + 60 + 40) the log gets ~370 rows. */
const SINGLE_EVENTS = 150;
export const DEMO_FAMILIES = ['tpl:design-review', 'tpl:incident-postmortem'] as const;
const SINGLE_PREFIX = '5eed0000-0000-4000-8000-';
const MISSING_TEMPLATE_PREFIX = '5eedbad0-0000-4000-8000-';

// ---------------------------------------------------------------------------------------
// Template content

type PieceSpec = { role: string; reuse: string } | { role: string; name: string; title: string; body: string };

interface ComposeSpec {
  family: 'design-review' | 'incident-postmortem';
  macro: string;
  kind: string;
  user: string;
  title: string;
  description: string;
  label: string;
  note: string;
  /** Where in the 14-day window (0..1) this version was composed. */
  at: number;
  pieces: PieceSpec[];
}

const DR_TITLE = 'Design review';
const PM_TITLE = 'Incident postmortem';

const COMPOSES: ComposeSpec[] = [
  {
    family: 'design-review',
    macro: 'design',
    kind: 'design_doc',
    user: 'alice',
    title: DR_TITLE,
    description:
      'The design document every change with a new service, data store or public API goes through before build starts.',
    label: 'Design review v1',
    note: 'First cut, adapted from the architecture guild wiki page.',
    at: 0.01,
    pieces: [
      {
        role: 'title',
        name: 'title',
        title: 'Title and owners',
        body: 'Name the change in one line, in the imperative ("Move session storage to Redis"). List the author, the reviewing tech lead and the on-call team that will own the result. Link the tracking ticket and the channel where the discussion happens.',
      },
      {
        role: 'context',
        name: 'context',
        title: 'Context',
        body: 'Describe the system as it works today and why it has to change now. Include the numbers that prompted the review: error rates, latency percentiles, cost, or the incident that exposed the gap. A reader who has never touched the service should understand the problem after this section.',
      },
      {
        role: 'goals',
        name: 'goals',
        title: 'Goals',
        body: 'List what must be true when the work is done, each goal measurable. Prefer "p99 checkout latency under 300 ms at twice the current peak" over "make checkout faster". Three to five goals is usually right; more means the design is doing two things.',
      },
      {
        role: 'non-goals',
        name: 'non-goals',
        title: 'Non-goals',
        body: 'Name the things a reasonable reader might expect this design to do and that it deliberately does not. Non-goals stop scope creep during review and tell neighbouring teams what they still have to solve themselves.',
      },
      {
        role: 'proposal',
        name: 'proposal',
        title: 'Proposal',
        body: 'Describe the design in enough detail that another engineer could build it. Cover the data model, the API or message contracts, and how each new part fails. A diagram helps; a sequence of the main request path helps more.',
      },
      {
        role: 'alternatives',
        name: 'alternatives',
        title: 'Alternatives considered',
        body: 'For each serious alternative give one paragraph: what it is, why it is attractive and why it lost. Include "do nothing" and say what it costs. Reviewers trust a proposal more when the rejected options are described fairly.',
      },
      {
        role: 'risks',
        name: 'risks',
        title: 'Risks',
        body: 'List what could go wrong in build, rollout and operation, each with likelihood, impact and mitigation. Call out irreversible steps, such as data migrations or deleted columns, explicitly.',
      },
      {
        role: 'rollout',
        name: 'rollout',
        title: 'Rollout plan',
        body: 'Describe how the change reaches production: feature flags, the order of environments, the canary size and how long each stage runs. State the metric that stops the rollout and who is allowed to stop it.',
      },
    ],
  },
  {
    family: 'incident-postmortem',
    macro: 'ops',
    kind: 'postmortem',
    user: 'dana',
    title: PM_TITLE,
    description: 'Blameless postmortem written within five working days of every SEV1 or SEV2 incident.',
    label: 'Incident postmortem v1',
    note: 'Replaces the old Google Doc template.',
    at: 0.04,
    pieces: [
      {
        role: 'summary',
        name: 'summary',
        title: 'Summary',
        body: 'Two or three sentences: what broke, for how long, and who noticed first. Write it for someone outside the team; explain any internal service name you use.',
      },
      {
        role: 'impact',
        name: 'impact',
        title: 'Customer impact',
        body: 'Quantify the impact: requests failed, users affected, orders lost, revenue at risk and error budget consumed. Give the start and end of customer impact, which are often not the start and end of the alerts.',
      },
      {
        role: 'timeline',
        name: 'timeline',
        title: 'Timeline',
        body: 'List timestamped events in UTC from the first trigger to full recovery: deploys, alerts, pages, decisions and mitigations. Mark the moments the incident was detected, declared, mitigated and resolved.',
      },
      {
        role: 'root-cause',
        name: 'root-cause',
        title: 'Root cause',
        body: 'Explain the chain of causes that led to the failure, not only the last link. Keep asking why until the answer is something the organisation can change. Describe what the system allowed, not who typed the command.',
      },
      {
        role: 'detection',
        name: 'detection',
        title: 'Detection',
        body: 'Say how the incident was detected (an alert, a customer, a colleague) and how long after it started. If an alert should have fired and did not, explain why.',
      },
      {
        role: 'resolution',
        name: 'resolution',
        title: 'Resolution and recovery',
        body: 'Describe what stopped the bleeding and what restored full service. Note any data repair or backfill still running, and who owns it.',
      },
      {
        role: 'action-items',
        name: 'action-items',
        title: 'Action items',
        body: 'Each item has an owner, a ticket and a due date, and is tagged prevent, detect or mitigate. A few items that will be done beat a long list that will not.',
      },
      {
        role: 'lessons',
        name: 'lessons',
        title: 'Lessons learned',
        body: 'Record what went well, what went badly and where the team got lucky. Luck is worth writing down: it marks the likely path of the next incident.',
      },
    ],
  },
  {
    family: 'design-review',
    macro: 'design',
    kind: 'design_doc',
    user: 'bikram',
    title: DR_TITLE,
    description: 'Design review with a capacity estimate, a security and privacy section and tracked open questions.',
    label: 'Design review v2: security and open questions',
    note: 'Security guild asked for data-handling questions up front.',
    at: 0.36,
    pieces: [
      { role: 'title', reuse: 'title' },
      { role: 'context', reuse: 'context' },
      { role: 'goals', reuse: 'goals' },
      { role: 'non-goals', reuse: 'non-goals' },
      {
        role: 'proposal',
        name: 'proposal',
        title: 'Proposal',
        body: 'Describe the design in enough detail that another engineer could build it: data model, API or message contracts, and how each new part fails. Add a capacity estimate for the next twelve months and the load at which the design stops scaling.',
      },
      { role: 'alternatives', reuse: 'alternatives' },
      {
        role: 'risks',
        name: 'risks-security',
        title: 'Risks, security and privacy',
        body: 'List what could go wrong in build, rollout and operation, with likelihood, impact and mitigation. Say what personal data the change touches, where it is stored, how long it is kept and who can read it. If the change adds an external dependency, name its owner and its SLA.',
      },
      { role: 'rollout', reuse: 'rollout' },
      {
        role: 'open-questions',
        name: 'open-questions',
        title: 'Open questions',
        body: 'List the decisions still open, each with an owner and a date by which it must be settled. Once the review agrees on an answer, move the question out of this section and record the answer where it belongs.',
      },
    ],
  },
  {
    family: 'incident-postmortem',
    macro: 'ops',
    kind: 'postmortem',
    user: 'emeka',
    title: PM_TITLE,
    description: 'Postmortem with incident roles, severity changes and a customer-communication record.',
    label: 'Incident postmortem v2: roles and comms',
    note: 'Adds the comms record support asked for after the March outage.',
    at: 0.5,
    pieces: [
      { role: 'summary', reuse: 'summary' },
      { role: 'impact', reuse: 'impact' },
      {
        role: 'timeline',
        name: 'timeline-roles',
        title: 'Timeline and roles',
        body: 'List timestamped events in UTC from the first trigger to full recovery. Name the incident commander, the communications lead and the scribe, and note when each role changed hands. Record the declared severity and every change to it.',
      },
      { role: 'root-cause', reuse: 'root-cause' },
      { role: 'detection', reuse: 'detection' },
      { role: 'resolution', reuse: 'resolution' },
      {
        role: 'customer-communication',
        name: 'customer-communication',
        title: 'Customer communication',
        body: 'Link every status-page update and customer email sent during the incident, with the time each went out. Note whether support had a prepared answer and how many tickets the incident generated.',
      },
      {
        role: 'action-items',
        name: 'action-items',
        title: 'Action items',
        body: "Each item has an owner, a ticket and a due date, and is tagged prevent, detect or mitigate. The incident review revisits open items after 30 days; items still open then go to the owning team's lead.",
      },
      { role: 'lessons', reuse: 'lessons' },
    ],
  },
  {
    family: 'design-review',
    macro: 'design',
    kind: 'design_doc',
    user: 'chen',
    title: DR_TITLE,
    description: 'Design review with an observability section and a rehearsed rollback.',
    label: 'Design review v3: observability and rollback',
    note: 'SRE review board: no launch without dashboards, alerts and a tested rollback.',
    at: 0.72,
    pieces: [
      { role: 'title', reuse: 'title' },
      { role: 'context', reuse: 'context' },
      { role: 'goals', reuse: 'goals' },
      { role: 'non-goals', reuse: 'non-goals' },
      { role: 'proposal', reuse: 'proposal' },
      { role: 'alternatives', reuse: 'alternatives' },
      { role: 'risks', reuse: 'risks' },
      {
        role: 'observability',
        name: 'observability',
        title: 'Observability',
        body: 'List the dashboards, alerts and logs that will show the change works. Every alert names its runbook and its paging policy. Define the SLO the service is held to after launch and how its error budget is measured.',
      },
      {
        role: 'rollout',
        name: 'rollout-rollback',
        title: 'Rollout and rollback',
        body: 'Describe how the change reaches production: flags, environments, canary size and stage length, and the metric that stops it. Describe the rollback: how long it takes, whether it loses data, and the last point after which it is no longer possible. Rehearse it in staging before the first production stage.',
      },
      { role: 'open-questions', reuse: 'open-questions' },
    ],
  },
];

// ---------------------------------------------------------------------------------------
// Who acts, and how the single events are drawn

interface Actor {
  user: string;
  runTag?: string;
  weight: number;
  /** Part of the window (0..1) in which this actor is active. */
  from?: number;
  to?: number;
}

const ACTORS: Actor[] = [
  { user: 'alice', weight: 14 },
  { user: 'bikram', weight: 20 },
  { user: 'chen', weight: 17 },
  { user: 'dana', weight: 13 },
  { user: 'emeka', weight: 11 },
  { user: 'farah', weight: 10 },
  { user: 'chen', runTag: 'perf-2', weight: 30, from: 0.5, to: 0.6 },
  { user: 'dana', runTag: 'canary-3', weight: 40, from: 0.62, to: 0.79 },
  { user: 'emeka', runTag: 'nightly', weight: 5 },
];

interface BulkSpec {
  at: number;
  user: string;
  runTag?: string;
  family: ComposeSpec['family'];
  n: number;
  prefix: string;
  batchTag: string;
  emitMode: 'live' | 'dry_run';
  eventType: string;
  note: string;
}

const BULKS: BulkSpec[] = [
  {
    at: 0.42,
    user: 'emeka',
    runTag: 'nightly',
    family: 'design-review',
    n: 120,
    prefix: '5eedb001-',
    batchTag: 'nightly-backfill-w1',
    emitMode: 'live',
    eventType: 'template.published',
    note: 'Backfill: one review doc per service in the Q3 platform plan.',
  },
  {
    at: 0.78,
    user: 'dana',
    runTag: 'canary-3',
    family: 'incident-postmortem',
    n: 60,
    prefix: '5eedb002-',
    batchTag: 'canary-3',
    emitMode: 'live',
    eventType: 'incident.resolved',
    note: 'Canary 3: postmortems for the resolved-incident feed.',
  },
  {
    at: 0.9,
    user: 'bikram',
    family: 'design-review',
    n: 40,
    prefix: '5eedb003-',
    batchTag: 'q4-preflight',
    emitMode: 'dry_run',
    eventType: 'review.requested',
    note: 'Dry run kept for the Q4 planning dashboard.',
  },
];

/** The lead rolls the canary back after it made postmortems for the wrong feed. */
const ROLLBACK = { at: 0.8, by: 'alice', actor: 'dana:canary-3' };

const EVENT_TYPES: Record<ComposeSpec['family'], [string, number][]> = {
  'design-review': [
    ['template.published', 50],
    ['review.requested', 35],
    ['doc.created', 15],
  ],
  'incident-postmortem': [
    ['incident.resolved', 70],
    ['template.published', 30],
  ],
};

const NOTES = [
  'requested from #design-reviews',
  'calendar hook: review scheduled',
  'linked from the planning board',
  'auto: incident closed in the pager',
  'weekly sync follow-up',
  "re-run after last week's outage drill",
];

function pickWeighted<T>(rand: () => number, items: [T, number][]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1][0];
}

const pad12 = (n: number) => String(n).padStart(12, '0');
const actorName = (a: { user: string; runTag?: string }) => (a.runTag ? `${a.user}:${a.runTag}` : a.user);

/** Event times over the window, biased towards working hours (UTC), sorted. */
function eventTimes(rand: () => number, n: number): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const at = 0.05 + rand() * 0.95;
    const hour = (((at * WINDOW_DAYS * 24) % 24) + 24) % 24;
    if ((hour < 7 || hour > 20) && rand() < 0.8) continue;
    out.push(at);
  }
  return out.sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------
// The run

interface Template {
  family: ComposeSpec['family'];
  key: string;
  id: string;
  at: number;
}

interface OkEvent {
  eventId: string;
  eventType: string;
  templateId: string;
  emitMode: 'live' | 'dry_run';
  suffix: string;
  instanceId: string;
  actor: string;
}

/** What each recipe call touched, so the backdating can move exactly those rows. */
interface Touched {
  /** Where in the window the operation is meant to have happened (0..1). */
  at: number;
  startedMs: number;
  durationMs: number;
  logIds: number[];
  instanceIds: string[];
  templateIds: string[];
  pieceIds: string[];
  rolledBackInstanceIds: string[];
}

/** Seeds the demo through the recipe engine; with `ifEmpty`, only into a database without templates. */
export async function seedDemo(db: Database, opts: SeedOptions = {}): Promise<SeedOutcome> {
  const log = opts.log ?? (() => {});
  const started = Date.now();

  const [{ marked }] = await db.query<{ marked: number }>(
    'SELECT count(*)::int AS marked FROM iu_piece_collection WHERE is_template',
  );
  if (opts.ifEmpty && marked > 0) {
    return {
      seeded: false,
      summary: `${db.label} already has ${marked} template${marked === 1 ? '' : 's'}; nothing was seeded (--if-empty).`,
    };
  }
  const existing = await db.query<{ template_family: string }>(
    'SELECT DISTINCT template_family FROM iu_template_version WHERE template_family = ANY ($1::text[])',
    [[...DEMO_FAMILIES]],
  );
  const [{ demo_events }] = await db.query<{ demo_events: number }>(
    `SELECT count(*)::int AS demo_events FROM iu_piece_collection WHERE collection_key LIKE 'tpl:design-review/%' OR collection_key LIKE 'tpl:incident-postmortem/%'`,
  );
  if (existing.length || demo_events) {
    throw new SeedError(
      `The demo data is already in ${db.label} (${existing.map((e) => e.template_family).join(', ') || 'demo template collections'} exist). ` +
        'Seed a fresh database (e.g. IU_PGLITE_DIR=$(mktemp -d) npm run db:seed), or pass --if-empty to skip when templates exist.',
    );
  }

  const rand = prng(0x5eed2025);
  const ctx = (user: string, runTag?: string): RecipeContext => ({ db, user, runTag });
  const touched: Touched[] = [];
  const track = async <T>(at: number, fn: (t: Touched) => Promise<T>): Promise<T> => {
    const t: Touched = {
      at,
      startedMs: Date.now(),
      durationMs: 0,
      logIds: [],
      instanceIds: [],
      templateIds: [],
      pieceIds: [],
      rolledBackInstanceIds: [],
    };
    const out = await fn(t);
    t.durationMs = Date.now() - t.startedMs;
    touched.push(t);
    return out;
  };
  const must = <T>(what: string, r: RecipeResult<T>, allowed: string[] = ['ok']): RecipeResult<T> => {
    if (!allowed.includes(r.status)) {
      const issues =
        !r.ok && r.issues?.length ? ` (${r.issues.map((i) => `${i.field}: ${i.message}`).join('; ')})` : '';
      throw new SeedError(
        `Seeding stopped at ${what}: ${r.status}: ${r.ok ? 'unexpected status' : r.message}${issues}`,
      );
    }
    return r;
  };

  // Every operation in time order: composes, single events, bulks and the rollback.
  type Op =
    | { kind: 'compose'; at: number; spec: ComposeSpec }
    | { kind: 'event'; at: number }
    | { kind: 'bulk'; at: number; spec: BulkSpec }
    | { kind: 'rollback'; at: number };
  const ops: Op[] = [
    ...COMPOSES.map((spec) => ({ kind: 'compose' as const, at: spec.at, spec })),
    ...eventTimes(rand, SINGLE_EVENTS).map((at) => ({ kind: 'event' as const, at })),
    ...BULKS.map((spec) => ({ kind: 'bulk' as const, at: spec.at, spec })),
    { kind: 'rollback' as const, at: ROLLBACK.at },
  ].sort((a, b) => a.at - b.at);

  const templates: Template[] = [];
  /** piece name → id, per family, for reuse by later versions */
  const pieceIds = new Map<string, string>();
  const okEvents: OkEvent[] = [];
  const statusCounts: Record<string, number> = {};
  const modeCounts: Record<string, number> = {};
  const actorCounts: Record<string, number> = {};
  const count = (status: string, mode: string, actor: string, n = 1) => {
    statusCounts[status] = (statusCounts[status] ?? 0) + n;
    modeCounts[mode] = (modeCounts[mode] ?? 0) + n;
    actorCounts[actor] = (actorCounts[actor] ?? 0) + n;
  };
  let eventNo = 0;
  let missingNo = 0;
  let suffixNo = 1000;
  let rolledBack = 0;
  /** What the rollback removed: the canary bulk's instances, and the actor's single events besides. */
  let rolledBackSplit = { bulk: 0, single: 0 };
  const bulkInstanceIds = new Set<string>();
  let rollbackDone = false;
  const bulkLines: string[] = [];

  for (const op of ops) {
    if (op.kind === 'compose') {
      const s = op.spec;
      const version = templates.filter((t) => t.family === s.family).length + 1;
      await track(op.at, async (t) => {
        const r = must(
          `composing tpl:${s.family} v${version}`,
          await composeTemplateVersion(ctx(s.user), {
            family: s.family,
            kind: s.kind,
            title: s.title,
            description: s.description,
            label: s.label,
            note: s.note,
            commit: true,
            pieces: s.pieces.map((p) =>
              'reuse' in p
                ? { role: p.role, iuId: pieceIds.get(`${s.family}/${p.reuse}`)! }
                : {
                    role: p.role,
                    newPiece: {
                      canonicalAddress: suggestAddress(s.macro, s.family, version, p.name),
                      title: p.title,
                      body: p.body,
                      unitKind: s.kind === 'postmortem' ? 'postmortem_section' : 'design_doc_section',
                      sectionType: 'section',
                    },
                  },
            ),
          }),
        );
        if (!r.ok) return;
        const res = r.result;
        for (const p of res.pieces) {
          const spec = s.pieces.find((x) => x.role === p.role)!;
          if (!('reuse' in spec)) pieceIds.set(`${s.family}/${spec.name}`, p.iuId);
        }
        t.templateIds.push(res.collectionId);
        t.pieceIds.push(...res.newPieceIds);
        templates.push({ family: s.family, key: res.collectionKey, id: res.collectionId, at: op.at });
        log(
          `composed ${res.collectionKey} as ${s.user}: ${res.pieces.length} pieces (${res.newPieceIds.length} new, ${res.pieces.length - res.newPieceIds.length} reused)` +
            (res.previous ? `, ${res.previous.versionLabel} → ${res.versionLabel}` : ''),
        );
      });
      continue;
    }

    if (op.kind === 'bulk') {
      const s = op.spec;
      const tpl = latest(templates, s.family);
      const actor = actorName(s);
      await track(op.at, async (t) => {
        const r = must(
          `bulk ${s.batchTag}`,
          await bulkScaleOut(ctx(s.user, s.runTag), {
            templateCollectionId: tpl.id,
            n: s.n,
            uuidPrefix: s.prefix,
            batchTag: s.batchTag,
            emitMode: s.emitMode,
            eventType: s.eventType,
            note: s.note,
            commit: true,
          }),
        );
        if (!r.ok) return;
        for (const item of r.result.items) {
          if (item.eventLogId != null) t.logIds.push(item.eventLogId);
          if (item.status === 'ok' && item.instanceCollectionId) {
            t.instanceIds.push(item.instanceCollectionId);
            bulkInstanceIds.add(item.instanceCollectionId);
          }
          count(item.status, s.emitMode, actor);
        }
        const line = `bulk ${s.batchTag}: ${s.n} ${s.emitMode} events on ${tpl.key} by ${actor} (${Object.entries(
          r.result.counts,
        )
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')})`;
        bulkLines.push(line);
        log(line);
      });
      continue;
    }

    if (op.kind === 'rollback') {
      await track(op.at, async (t) => {
        const r = must(
          `rolling back ${ROLLBACK.actor}`,
          await rollbackByActor(ctx(ROLLBACK.by), { actor: ROLLBACK.actor, dryRun: false }),
        );
        if (!r.ok) return;
        t.rolledBackInstanceIds.push(...r.result.instanceCollectionIds);
        rolledBack = r.result.instanceCount;
        const fromBulk = r.result.instanceCollectionIds.filter((id) => bulkInstanceIds.has(id)).length;
        rolledBackSplit = { bulk: fromBulk, single: rolledBack - fromBulk };
        rollbackDone = true;
        log(rollbackSentence(rolledBack, rolledBackSplit));
      });
      continue;
    }

    // A single event. The actor must be active at this point of the window; the canary run
    // ends with its rollback.
    const active = ACTORS.filter(
      (a) => (a.from ?? 0) <= op.at && op.at < (a.to ?? 1) && !(rollbackDone && actorName(a) === ROLLBACK.actor),
    );
    const who = pickWeighted(
      rand,
      active.map((a) => [a, a.weight] as [Actor, number]),
    );
    const actor = actorName(who);
    // Earlier ok events that are still standing: replays and collisions refer to them.
    const standing = okEvents.filter((e) => !(rollbackDone && e.actor === ROLLBACK.actor));
    const roll = rand();
    let input: {
      eventId: string;
      eventType: string;
      templateCollectionId: string;
      uniqueSuffix: string;
      emitMode: 'live' | 'dry_run';
      note?: string;
    };
    let expect: string;
    if (roll >= 0.72 && roll < 0.84 && standing.length > 5) {
      // a retry of an earlier event: same event, template and mode
      const orig = standing[Math.floor(rand() * standing.length)];
      input = {
        eventId: orig.eventId,
        eventType: orig.eventType,
        templateCollectionId: orig.templateId,
        uniqueSuffix: orig.suffix,
        emitMode: orig.emitMode,
        note: 'retry after a client timeout',
      };
      expect = 'idempotent_replay';
    } else if (roll >= 0.84 && roll < 0.9 && standing.length > 5) {
      // a new event that reuses a ticket number already instantiated from the same template
      const orig = standing[Math.floor(rand() * standing.length)];
      input = {
        eventId: `${SINGLE_PREFIX}${pad12(++eventNo)}`,
        eventType: orig.eventType,
        templateCollectionId: orig.templateId,
        uniqueSuffix: orig.suffix,
        emitMode: orig.emitMode,
        note: 'ticket number re-sent by the webhook',
      };
      expect = 'instance_collection_key_collision';
    } else if (roll >= 0.9 && roll < 0.95 && standing.some((e) => e.emitMode === 'live')) {
      // an instance picked by mistake: instances never act as templates
      const lives = standing.filter((e) => e.emitMode === 'live');
      const inst = lives[Math.floor(rand() * lives.length)];
      input = {
        eventId: `${SINGLE_PREFIX}${pad12(++eventNo)}`,
        eventType: 'template.published',
        templateCollectionId: inst.instanceId,
        uniqueSuffix: `rev-${++suffixNo}`,
        emitMode: rand() < 0.5 ? 'live' : 'dry_run',
      };
      expect = 'template_not_marked';
    } else if (roll >= 0.95) {
      // a template id from another environment
      input = {
        eventId: `${SINGLE_PREFIX}${pad12(++eventNo)}`,
        eventType: 'template.published',
        templateCollectionId: `${MISSING_TEMPLATE_PREFIX}${pad12(++missingNo)}`,
        uniqueSuffix: `rev-${++suffixNo}`,
        emitMode: rand() < 0.6 ? 'live' : 'dry_run',
        note: 'template id copied from staging',
      };
      expect = 'template_collection_not_found';
    } else {
      const family: ComposeSpec['family'] = rand() < 0.65 ? 'design-review' : 'incident-postmortem';
      const versions = templates.filter((t) => t.family === family && t.at <= op.at);
      const tpl =
        rand() < 0.8 || versions.length === 1
          ? versions[versions.length - 1]
          : versions[Math.floor(rand() * (versions.length - 1))];
      const emitMode = rand() < 0.6 ? 'live' : 'dry_run';
      input = {
        eventId: `${SINGLE_PREFIX}${pad12(++eventNo)}`,
        eventType: pickWeighted(rand, EVENT_TYPES[family]),
        templateCollectionId: tpl.id,
        uniqueSuffix: `${family === 'design-review' ? 'rev' : 'inc'}-${++suffixNo}`,
        emitMode,
        note: rand() < 0.3 ? NOTES[Math.floor(rand() * NOTES.length)] : undefined,
      };
      expect = 'ok';
    }

    await track(op.at, async (t) => {
      const r = must(
        `event ${input.eventId}`,
        await instantiateFromEvent(ctx(who.user, who.runTag), { ...input, commit: true }),
        [expect],
      );
      const logId = r.ok ? r.result.eventLogId : (r.detail?.event_log_id as number | undefined);
      if (logId != null) t.logIds.push(Number(logId));
      if (r.ok && r.status === 'ok' && r.result.instanceCollectionId) {
        t.instanceIds.push(r.result.instanceCollectionId);
        okEvents.push({
          ...input,
          templateId: input.templateCollectionId,
          suffix: input.uniqueSuffix,
          instanceId: r.result.instanceCollectionId,
          actor,
        });
      }
      count(r.status, input.emitMode, actor);
    });
  }

  await backdateForDemo(db, touched);

  const total = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const fmt = (c: Record<string, number>) =>
    Object.entries(c)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  const chains = DEMO_FAMILIES.map((f) => {
    const vs = COMPOSES.filter((c) => `tpl:${c.family}` === f);
    return `${f} ${vs.map((_, i) => `v${i + 1}`).join(' → ')} (${vs.map((v) => v.user).join(', ')})`;
  });
  const summary = [
    `Seeded the demo into ${db.label} in ${((Date.now() - started) / 1000).toFixed(1)} s:`,
    `  templates  ${chains.join('; ')}`,
    `  events     ${total} event-log rows over the last ${WINDOW_DAYS} days: ${fmt(statusCounts)}`,
    `  modes      ${fmt(modeCounts)}`,
    `  actors     ${fmt(actorCounts)}`,
    ...bulkLines.map((l, i) => `  ${i === 0 ? 'bulk      ' : '          '} ${l.replace(/^bulk /, '')}`),
    `  rollback   ${rollbackSentence(rolledBack, rolledBackSplit)}`,
  ].join('\n');
  return { seeded: true, summary };
}

/**
 * The rollback by actor removes every instance the actor still has, not only its bulk's: the
 * sentence says which, so "60 live events" then "65 instances" adds up.
 */
function rollbackSentence(total: number, split: { bulk: number; single: number }): string {
  const canary = BULKS.find((b) => actorName(b) === ROLLBACK.actor);
  const parts = [
    ...(split.bulk ? [`${split.bulk} from bulk ${canary?.batchTag ?? 'runs'}`] : []),
    ...(split.single ? [`${split.single} from its single events`] : []),
  ];
  return `${ROLLBACK.by} rolled back every instance of ${ROLLBACK.actor}: ${total} (${parts.join(', ') || 'none'})`;
}

function latest(templates: Template[], family: ComposeSpec['family']): Template {
  const mine = templates.filter((t) => t.family === family);
  if (!mine.length) throw new SeedError(`No ${family} template was composed before it was needed.`);
  return mine[mine.length - 1];
}

/**
 * DEMO DATA SHAPING, NOT RECIPE SQL. The recipes above ran a few seconds ago; charts need a
 * time axis, so this moves each operation's rows back to its place in the last 14 days with
 * plain UPDATEs of timestamps only (created_at, marked_at, registered_at, rolled_back_at).
 * Every row of one operation moves by the same amount, and operations keep their order with
 * at least their own duration between them, so created_at order still follows id order, a
 * replay stays after its original and rolled_back_at stays after created_at.
 */
async function backdateForDemo(db: Database, touched: Touched[]): Promise<void> {
  const end = Date.now() - 20 * 60_000;
  const start = end - WINDOW_DAYS * DAY;
  const shifts: { t: Touched; shiftMs: number }[] = [];
  let prevEnd = -Infinity;
  for (const t of touched) {
    const planned = Math.max(start + t.at * (end - start), prevEnd + 1000);
    shifts.push({ t, shiftMs: planned - t.startedMs });
    prevEnd = planned + t.durationMs;
  }
  const rows = <K extends keyof Touched>(key: K) =>
    JSON.stringify(
      shifts.flatMap(({ t, shiftMs }) => (t[key] as (string | number)[]).map((id) => ({ id, ms: shiftMs }))),
    );
  const by = (interval: string) => `${interval} + make_interval(secs => s.ms / 1000.0)`;

  await db.withSession(async (s) => {
    await s.exec('BEGIN');
    try {
      await s.query(
        `UPDATE iu_auto_instantiate_event_log l SET created_at = ${by('l.created_at')}
           FROM jsonb_to_recordset($1::jsonb) AS s(id bigint, ms float8) WHERE l.id = s.id`,
        [rows('logIds')],
      );
      await s.query(
        `UPDATE iu_auto_instantiate_event_log l SET rolled_back_at = ${by('l.rolled_back_at')}
           FROM jsonb_to_recordset($1::jsonb) AS s(id uuid, ms float8)
          WHERE l.instance_collection_id = s.id AND l.rolled_back_at IS NOT NULL`,
        [rows('rolledBackInstanceIds')],
      );
      await s.query(
        `UPDATE iu_piece_collection c SET created_at = ${by('c.created_at')}
           FROM jsonb_to_recordset($1::jsonb) AS s(id uuid, ms float8) WHERE c.id = s.id`,
        [rows('instanceIds')],
      );
      await s.query(
        `UPDATE iu_piece_collection c SET created_at = ${by('c.created_at')}, marked_at = ${by('c.marked_at')}
           FROM jsonb_to_recordset($1::jsonb) AS s(id uuid, ms float8) WHERE c.id = s.id`,
        [rows('templateIds')],
      );
      await s.query(
        `UPDATE iu_template_version v SET registered_at = ${by('v.registered_at')}
           FROM jsonb_to_recordset($1::jsonb) AS s(id uuid, ms float8) WHERE v.collection_id = s.id`,
        [rows('templateIds')],
      );
      await s.query(
        `UPDATE information_unit u SET created_at = ${by('u.created_at')}
           FROM jsonb_to_recordset($1::jsonb) AS s(id uuid, ms float8) WHERE u.id = s.id`,
        [rows('pieceIds')],
      );
      await s.exec('COMMIT');
    } catch (err) {
      await s.exec('ROLLBACK').catch(() => {});
      throw err;
    }
  });
}
