import 'server-only';
// "Find anything": one text box that takes an event id, a numeric log id, an instance key or
// id, a template key, id or family, or an actor, and says what each names. Every lookup is
// an exact match on an index (the log's primary key and event_id index, the collection key's
// unique index, the version chain's (family, seq) key, the actor rollup's primary key or its
// user index from 049), so a search costs the same at a million events as at ten (measured at
// 300,000 events: each lookup under 3 ms, every one an index scan); nothing here is a LIKE over a table
// that grows with the log or with the instances. Shapes decide which lookups run at all:
// text that is not a UUID never reaches a uuid column, and nothing the person typed is
// ever part of the SQL text.
import type { Database } from '@/db/client';
import type { EventLogRow, RawOf } from '@/db/views';
import { badCharacters } from '@/lib/auth/input-guard';

export type SearchKind = 'event' | 'log' | 'instance' | 'template' | 'family' | 'actor';

export interface SearchHit {
  kind: SearchKind;
  /** What the hit is called: the key, the id, the actor. */
  label: string;
  /** One line of facts that tell two hits apart. */
  detail: string;
  /** When it happened or was last active, for the page to format. */
  at: Date | null;
  /** Where the console shows it. */
  href: string;
}

export interface SearchResult {
  /** The text searched for, trimmed; empty when nothing was searched. */
  query: string;
  hits: SearchHit[];
  /** Why nothing was searched, as a sentence saying what to type instead. */
  problem: string | null;
}

/** The kinds in the order the result page shows them, with their headings. */
export const SEARCH_KINDS: { kind: SearchKind; title: string }[] = [
  { kind: 'event', title: 'Events' },
  { kind: 'log', title: 'Event-log rows' },
  { kind: 'instance', title: 'Instances' },
  { kind: 'template', title: 'Templates' },
  { kind: 'family', title: 'Template families' },
  { kind: 'actor', title: 'Actors' },
];

export const MAX_SEARCH_LENGTH = 200;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOG_ID_RE = /^#?(\d{1,15})$/;
// hits per kind: a search names things, it does not list them
const PER_KIND = 20;

type Db = Pick<Database, 'query'>;

/** Why `raw` cannot be searched for, or null. */
export function searchProblem(raw: string): string | null {
  const q = raw.trim();
  if (!q) return 'Type an event id, a log id, an instance key, a template key or family, or an actor.';
  if (q.length > MAX_SEARCH_LENGTH) {
    return `A search is at most ${MAX_SEARCH_LENGTH} characters; this one has ${q.length.toLocaleString('en')}. Paste just the id or key.`;
  }
  const why = badCharacters(q);
  if (why) return `The search contains ${why}; remove it and search again.`;
  return null;
}

/** Everything `raw` names, grouped by kind in SEARCH_KINDS order; `problem` says why nothing was searched. */
export async function search(db: Db, raw: string): Promise<SearchResult> {
  const problem = searchProblem(raw);
  if (problem) return { query: raw.trim().slice(0, MAX_SEARCH_LENGTH), hits: [], problem };
  const q = raw.trim();
  const [{ log }] = await db.query<{ log: boolean }>(
    `SELECT to_regclass('iu_auto_instantiate_event_log') IS NOT NULL AS log`,
  );
  const uuid = UUID_RE.test(q) ? q.toLowerCase() : null;
  const logId = LOG_ID_RE.exec(q);
  const found = await Promise.all([
    uuid && log ? findEvent(db, uuid) : [],
    logId && log ? findLogRow(db, Number(logId[1])) : [],
    findCollections(db, q, uuid),
    findFamilies(db, q),
    log ? findActors(db, q) : [],
  ]);
  const hits = found.flat();
  const order = SEARCH_KINDS.map((k) => k.kind);
  hits.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  return { query: q, hits, problem: null };
}

const at = (d: unknown) => (d ? new Date(d as string) : null);

/** An event id: its log rows (the call, its replays and refusals) are one event. */
async function findEvent(db: Db, eventId: string): Promise<SearchHit[]> {
  const rows = await db.query<{ n: number; first_at: Date; statuses: string[]; actors: string[] }>(
    `SELECT count(*)::int AS n, min(created_at) AS first_at,
            array_agg(DISTINCT status ORDER BY status) AS statuses, array_agg(DISTINCT triggered_by ORDER BY triggered_by) AS actors
       FROM (SELECT created_at, status, triggered_by FROM iu_auto_instantiate_event_log
              WHERE event_id = $1::uuid ORDER BY id LIMIT 1000) e
     HAVING count(*) > 0`,
    [eventId],
  );
  return rows.map((r) => ({
    kind: 'event' as const,
    label: eventId,
    detail: `${r.n} log row${r.n === 1 ? '' : 's'} (${r.statuses.join(', ')}) by ${r.actors.join(', ')}`,
    at: at(r.first_at),
    href: `/events?eventId=${eventId}&event=${eventId}`,
  }));
}

async function findLogRow(db: Db, id: number): Promise<SearchHit[]> {
  if (!Number.isSafeInteger(id) || id <= 0) return [];
  const rows = await db.query<RawOf<Pick<EventLogRow, 'id' | 'eventType' | 'status' | 'triggeredBy' | 'createdAt'>>>(
    `SELECT id, event_type, status, triggered_by, created_at FROM iu_auto_instantiate_event_log WHERE id = $1`,
    [id],
  );
  return rows.map((r) => ({
    kind: 'log' as const,
    label: `#${r.id}`,
    detail: `${r.event_type}: ${r.status} by ${r.triggered_by}`,
    at: at(r.created_at),
    href: `/events?event=${r.id}`,
  }));
}

/**
 * Collections by key (exactly as typed, and with the inst:, dryrun: or tpl: that people leave
 * off) or by id: instances and templates. Plain collections have no page and are not shown.
 */
async function findCollections(db: Db, q: string, uuid: string | null): Promise<SearchHit[]> {
  const keys = [q];
  if (!/^(inst|dryrun|tpl):/.test(q)) keys.push(`inst:${q}`, `dryrun:${q}`, `tpl:${q}`);
  else if (q.startsWith('tpl:')) keys.push(`inst:${q}`, `dryrun:${q}`);
  const rows = await db.query<{
    id: string;
    collection_key: string;
    is_template: boolean;
    instance_emit_mode: string | null;
    created_by: string;
    created_at: Date;
    template_key: string | null;
    template_family: string | null;
    version_label: string | null;
  }>(
    // the chain is looked up per collection found (LATERAL): a join let the planner hash the
    // whole version table (a seq scan of every template) to match one row
    `SELECT c.id, c.collection_key, c.is_template, c.instance_emit_mode, c.created_by, c.created_at,
            t.collection_key AS template_key, tv.template_family, tv.version_label
       FROM iu_piece_collection c
       LEFT JOIN iu_piece_collection t ON t.id = c.instance_template_id
       LEFT JOIN LATERAL (SELECT v.template_family, v.version_label FROM iu_template_version v
                           WHERE v.collection_id = c.id) tv ON true
      WHERE (c.collection_key = ANY($1::text[]) OR c.id = $2::uuid)
        AND (c.is_template OR c.instance_template_id IS NOT NULL)
      ORDER BY c.collection_key
      LIMIT ${PER_KIND}`,
    [keys, uuid],
  );
  return rows.map((r) =>
    r.is_template
      ? {
          kind: 'template' as const,
          label: r.collection_key,
          detail: r.template_family
            ? `${r.version_label} of ${r.template_family}, composed by ${r.created_by}`
            : `not in a version chain; composed by ${r.created_by}`,
          at: at(r.created_at),
          href: r.template_family
            ? `/templates/families/${encodeURIComponent(r.template_family)}?highlight=${encodeURIComponent(r.version_label ?? '')}`
            : `/events?template=${r.id}`,
        }
      : {
          kind: 'instance' as const,
          label: r.collection_key,
          detail: `${r.instance_emit_mode === 'live' ? 'live' : 'dry-run'} instance of ${r.template_key ?? 'a template'}, made by ${r.created_by}`,
          at: at(r.created_at),
          href: `/instances/${r.id}`,
        },
  );
}

/** A template family, written with or without its tpl: prefix. */
async function findFamilies(db: Db, q: string): Promise<SearchHit[]> {
  const names = q.startsWith('tpl:') ? [q] : [`tpl:${q}`];
  // (template_family, version_seq) is unique: the newest version is one backwards probe per family
  const rows = await db.query<{ template_family: string; version_label: string; version_seq: number }>(
    `SELECT f.name AS template_family, v.version_label, v.version_seq
       FROM unnest($1::text[]) AS f(name)
       CROSS JOIN LATERAL (SELECT version_label, version_seq FROM iu_template_version
                            WHERE template_family = f.name ORDER BY version_seq DESC LIMIT 1) v`,
    [names],
  );
  return rows.map((r) => ({
    kind: 'family' as const,
    label: r.template_family,
    detail: `${r.version_seq} version${r.version_seq === 1 ? '' : 's'}, latest ${r.version_label}`,
    at: null,
    href: `/templates/families/${encodeURIComponent(r.template_family)}`,
  }));
}

/**
 * An actor string exactly, or a user with every run tag of theirs (`dana` finds `dana` and
 * `dana:canary-3`). Read from the actor rollup, never the log: by its key for an actor with a
 * run tag, by its user index (049) for a bare user name.
 */
async function findActors(db: Db, q: string): Promise<SearchHit[]> {
  const where = q.includes(':') ? 'triggered_by = $1' : "split_part(triggered_by, ':', 1) = $1";
  const rows = await db.query<{ triggered_by: string; events: number; last_at: Date }>(
    `SELECT triggered_by, sum(event_count)::bigint AS events, max(last_at) AS last_at
       FROM iu_aiel_rollup_actor
      WHERE ${where}
      GROUP BY triggered_by
      ORDER BY triggered_by
      LIMIT ${PER_KIND}`,
    [q],
  );
  return rows.map((r) => ({
    kind: 'actor' as const,
    label: r.triggered_by,
    detail: `${Number(r.events).toLocaleString('en')} event${Number(r.events) === 1 ? '' : 's'}; last active`,
    at: at(r.last_at),
    href: `/actors/${encodeURIComponent(r.triggered_by)}`,
  }));
}
