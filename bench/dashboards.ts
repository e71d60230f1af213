// npm run bench:dashboards [-- --rounds 15 --small 10000 --large 1000000]
// On a throwaway PostgreSQL database: the scale seed to 10,000 events, each dashboard's
// server work timed; then the same database grown to 1,000,000 events and timed again, in
// the same run. "Server work" is exactly what each page's Server Component awaits: the
// lib/queries functions it calls, with the same arguments (not HTTP, so that rendering and
// network noise do not hide the database cost). Prints the median per page and the ratio.
import pg from 'pg';
import { openDatabase, type Database } from '@/db/client';
import { migrate } from '@/db/migrate';
import { scaleSeed } from '@/lib/recipes';
import { getActivity } from '@/lib/queries/activity';
import { getActorTimeline, listActors } from '@/lib/queries/actors';
import { decodeCursor, getEvent, getEventFilterOptions, listEvents, streamEvents } from '@/lib/queries/events';
import { getOverview } from '@/lib/queries/overview';
import { getDaily, getSummary } from '@/lib/queries/summary';
import { diffVersions, getFamily, listFamilies, listTemplates } from '@/lib/queries/templates';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive whole number`);
  return v;
}

const ROUNDS = arg('rounds', 15);
const SMALL = arg('small', 10_000);
const LARGE = arg('large', 1_000_000);
const admin = process.env.BENCH_ADMIN_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `iu_bench_dash_${Date.now().toString(36)}`;
const url = new URL(admin);
url.pathname = `/${dbName}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

type Page = { name: string; run: (db: Database, ctx: Ctx) => Promise<unknown> };
interface Ctx {
  actor: string;
  family: string;
  template: string;
  eventId: number;
  /** A cursor half-way down the log: the keyset page a reader reaches after paging deep. */
  deep: string;
  day: string;
  /** 60 days before `day`: a range in which the actor has a full page at both sizes. */
  from60: string;
}

// Each entry is one page (or one request of a page) and the calls its Server Component makes.
const PAGES: Page[] = [
  { name: 'overview  /', run: (db) => Promise.all([getOverview(db), getActivity(db)]) },
  { name: 'templates /templates (sort by live)', run: (db) => Promise.all([listTemplates(db, { sort: 'live', dir: 'desc' }), listFamilies(db)]) },
  { name: 'family    /templates/[family] + diff', run: async (db, c) => Promise.all([getFamily(db, c.family), diffVersions(db, c.family, 'v2', 'v3')]) },
  { name: 'events    /events (no filter)', run: (db) => Promise.all([listEvents(db, {}), getEventFilterOptions(db)]) },
  { name: 'events    ?actor', run: (db, c) => listEvents(db, { actor: c.actor }) },
  { name: 'events    ?actor&status=live_gate_closed', run: (db, c) => listEvents(db, { actor: c.actor, status: 'live_gate_closed' }) },
  { name: 'events    ?actor&from=day-60&to=day', run: (db, c) => listEvents(db, { actor: c.actor, from: c.from60, to: c.day }) },
  { name: 'events    ?type&mode=dry_run', run: (db) => listEvents(db, { type: 'review.requested', mode: 'dry_run' }) },
  { name: 'events    ?status=template_not_marked', run: (db) => listEvents(db, { status: 'template_not_marked' }) },
  { name: 'events    ?template', run: (db, c) => listEvents(db, { template: c.template }) },
  { name: 'events    ?rolledBack=yes', run: (db) => listEvents(db, { rolledBack: 'yes' }) },
  { name: 'events    ?from=day&to=day', run: (db, c) => listEvents(db, { from: c.day, to: c.day }) },
  { name: 'events    deep page (keyset, half-way)', run: (db, c) => listEvents(db, {}, { after: decodeCursor(c.deep) }) },
  { name: 'events    ?event=<id> (drawer)', run: (db, c) => getEvent(db, c.eventId) },
  {
    // a whole export grows with the rows it returns; its per-row cost is what must stay flat
    name: 'export    first 1,000 rows (CSV/JSON stream)',
    run: async (db) => {
      let n = 0;
      for await (const b of streamEvents(db, {}, { max: 1000 })) n += b.length;
      return n;
    },
  },
  { name: 'summary   /summary', run: (db) => Promise.all([getSummary(db), getDaily(db, 30)]) },
  { name: 'actors    /actors', run: (db) => listActors(db) },
  { name: 'actor     /actors/[actor]', run: (db, c) => getActorTimeline(db, c.actor) },
];

async function context(db: Database): Promise<Ctx> {
  const [a] = await db.query<{ actor: string }>(`SELECT triggered_by AS actor FROM iu_aiel_rollup_actor ORDER BY triggered_by LIMIT 1`);
  const [f] = await db.query<{ family: string; id: string }>(
    `SELECT template_family AS family, collection_id AS id FROM iu_template_version WHERE template_family LIKE 'tpl:scale-%' ORDER BY template_family, version_seq DESC LIMIT 1`,
  );
  const [e] = await db.query<{ id: number }>(`SELECT max(id) AS id FROM iu_auto_instantiate_event_log`);
  const [d] = await db.query<{ day: string }>(`SELECT day::text AS day FROM iu_aiel_rollup_daily ORDER BY day LIMIT 1 OFFSET (SELECT count(*) / 2 FROM iu_aiel_rollup_daily)`);
  const mid = await db.query<{ at: string; id: number }>(
    `SELECT created_at::text AS at, id FROM iu_auto_instantiate_event_log WHERE created_at >= $1::date ORDER BY created_at, id LIMIT 1`,
    [d.day],
  );
  return { actor: a.actor, family: f.family, template: f.id, eventId: Number(e.id), deep: `${mid[0].at}~${mid[0].id}`, day: d.day, from60: new Date(Date.parse(d.day) - 60 * 86_400_000).toISOString().slice(0, 10) };
}

async function measure(db: Database): Promise<Map<string, number>> {
  const c = await context(db);
  const out = new Map<string, number>();
  for (const p of PAGES) {
    for (let i = 0; i < 3; i++) await p.run(db, c);
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      await p.run(db, c);
      times.push(performance.now() - t0);
    }
    out.set(p.name, median(times));
  }
  return out;
}

async function main() {
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`CREATE DATABASE ${dbName}`);
  const db = await openDatabase({ url: url.toString(), max: 4 });
  const log = (l: string) => process.stderr.write(`  ${l}\n`);
  try {
    await migrate(db);
    let t0 = performance.now();
    await scaleSeed(db, { events: SMALL, log });
    process.stderr.write(`seeded ${SMALL.toLocaleString('en')} events in ${((performance.now() - t0) / 1000).toFixed(1)} s; measuring\n`);
    const small = await measure(db);
    t0 = performance.now();
    await scaleSeed(db, { events: LARGE, log });
    const seedS = (performance.now() - t0) / 1000;
    process.stderr.write(`grew to ${LARGE.toLocaleString('en')} events in ${seedS.toFixed(1)} s; measuring\n`);
    const large = await measure(db);
    const [{ v }] = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    console.log(`dashboards, PostgreSQL ${v}, median of ${ROUNDS} runs per page (server work: the lib/queries calls each page awaits)`);
    console.log(`| page | ${SMALL.toLocaleString('en')} events (ms) | ${LARGE.toLocaleString('en')} events (ms) | ratio |`);
    console.log('|---|---:|---:|---:|');
    let worst = 0;
    for (const p of PAGES) {
      const a = small.get(p.name)!;
      const b = large.get(p.name)!;
      worst = Math.max(worst, b / a);
      console.log(`| ${p.name.replace(/\s+/g, ' ')} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)} |`);
    }
    console.log(`worst ratio ${worst.toFixed(2)} (target at most 1.5); growing the log took ${seedS.toFixed(0)} s`);
  } finally {
    await db.close();
    await adminClient.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await adminClient.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
