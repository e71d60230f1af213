// npm run bench:dashboards [-- --rounds 31 --small 10000 --large 1000000 --only <text in a page name>]
// [--dbs <small db>,<large db>: measure two databases seeded earlier (npm run db:seed -- --scale),
//  migrated, and left in place]
// On two throwaway PostgreSQL databases made by the scale seed, one grown to 10,000 events
// and one to 1,000,000, each dashboard's server work is timed on both in the same run,
// alternating small and large call by call, so that load from anything else on the machine
// falls on both sides alike (timing one size minutes after the other measured the
// neighbours' load as much as the log). "Server work" is exactly what each page's Server
// Component awaits: the lib/queries functions it calls, with the same arguments (not HTTP,
// so that rendering noise does not hide the database cost). Prints medians and ratios.
import pg from 'pg';
import { openDatabase, type Database } from '@/db/client';
import { migrate } from '@/db/migrate';
import { scaleSeed } from '@/lib/recipes';
import { getActivity } from '@/lib/queries/activity';
import { getActorTimeline, listActors } from '@/lib/queries/actors';
import { decodeCursor, getEvent, getEventFilterOptions, listEvents, streamEvents } from '@/lib/queries/events';
import { getOverview } from '@/lib/queries/overview';
import { getDaily, getSummary } from '@/lib/queries/summary';
import { diffVersions, getFamily, listFamilies } from '@/lib/queries/template-families';
import { listTemplates } from '@/lib/queries/templates';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive whole number`);
  return v;
}

const ROUNDS = arg('rounds', 31);
const onlyAt = process.argv.indexOf('--only');
/** Measures only the pages whose name contains this text (seeding is the same). */
const ONLY = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '') : '';
const SMALL = arg('small', 10_000);
const LARGE = arg('large', 1_000_000);
const admin =
  process.env.BENCH_ADMIN_URL ??
  process.env.TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const stamp = Date.now().toString(36);
const dbsAt = process.argv.indexOf('--dbs');
const REUSE = dbsAt >= 0 ? (process.argv[dbsAt + 1] ?? '').split(',') : null;
if (REUSE && (REUSE.length !== 2 || REUSE.some((n) => !/^[a-z_][a-z0-9_]*$/.test(n))))
  throw new Error('--dbs takes two database names: <small>,<large>');
const dbNames = REUSE ?? [`iu_bench_dash_${stamp}_s`, `iu_bench_dash_${stamp}_l`];
const urlOf = (name: string) => {
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
};

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
  {
    name: 'templates /templates (sort by live)',
    run: (db) => Promise.all([listTemplates(db, { sort: 'live', dir: 'desc' }), listFamilies(db)]),
  },
  {
    name: 'family    /templates/[family] + diff',
    run: async (db, c) => Promise.all([getFamily(db, c.family), diffVersions(db, c.family, 'v2', 'v3')]),
  },
  { name: 'events    /events (no filter)', run: (db) => Promise.all([listEvents(db, {}), getEventFilterOptions(db)]) },
  { name: 'events    ?actor', run: (db, c) => listEvents(db, { actor: c.actor }) },
  {
    name: 'events    ?actor&status=live_gate_closed',
    run: (db, c) => listEvents(db, { actor: c.actor, status: 'live_gate_closed' }),
  },
  {
    name: 'events    ?actor&from=day-60&to=day',
    run: (db, c) => listEvents(db, { actor: c.actor, from: c.from60, to: c.day }),
  },
  { name: 'events    ?type&mode=dry_run', run: (db) => listEvents(db, { type: 'review.requested', mode: 'dry_run' }) },
  { name: 'events    ?status=template_not_marked', run: (db) => listEvents(db, { status: 'template_not_marked' }) },
  { name: 'events    ?template', run: (db, c) => listEvents(db, { template: c.template }) },

  { name: 'events    ?rolledBack=yes', run: (db) => listEvents(db, { rolledBack: 'yes' }) },
  { name: 'events    ?from=day&to=day', run: (db, c) => listEvents(db, { from: c.day, to: c.day }) },
  {
    name: 'events    deep page (keyset, half-way)',
    run: (db, c) => listEvents(db, {}, { after: decodeCursor(c.deep) }),
  },
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
  const [a] = await db.query<{ actor: string }>(
    `SELECT triggered_by AS actor FROM iu_aiel_rollup_actor ORDER BY triggered_by LIMIT 1`,
  );
  const [f] = await db.query<{ family: string; id: string }>(
    `SELECT template_family AS family, collection_id AS id FROM iu_template_version WHERE template_family LIKE 'tpl:scale-%' ORDER BY template_family, version_seq DESC LIMIT 1`,
  );
  // the busiest template (the scale seed sends a tenth of the events to a few hot ones), so
  // that its filter fills a page at both sizes; a GROUP BY here is set-up, not a measurement
  const [hot] = await db.query<{ id: string }>(
    `SELECT template_collection_id AS id FROM iu_auto_instantiate_event_log GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`,
  );
  const [e] = await db.query<{ id: number }>(`SELECT max(id) AS id FROM iu_auto_instantiate_event_log`);
  const [d] = await db.query<{ day: string }>(
    `SELECT day::text AS day FROM iu_aiel_rollup_daily ORDER BY day LIMIT 1 OFFSET (SELECT count(*) / 2 FROM iu_aiel_rollup_daily)`,
  );
  const mid = await db.query<{ at: string; id: number }>(
    `SELECT created_at::text AS at, id FROM iu_auto_instantiate_event_log WHERE created_at >= $1::date ORDER BY created_at, id LIMIT 1`,
    [d.day],
  );
  return {
    actor: a.actor,
    family: f.family,
    template: hot.id,
    eventId: Number(e.id),
    deep: `${mid[0].at}~${mid[0].id}`,
    day: d.day,
    from60: new Date(Date.parse(d.day) - 60 * 86_400_000).toISOString().slice(0, 10),
  };
}

/** Median time per page on each database, the two timed alternately call by call. */
async function measure(dbs: [Database, Database]): Promise<[Map<string, number>, Map<string, number>]> {
  const ctxs = [await context(dbs[0]), await context(dbs[1])];
  const out: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  for (const p of PAGES.filter((x) => x.name.includes(ONLY))) {
    for (let i = 0; i < 3; i++) for (const k of [0, 1]) await p.run(dbs[k], ctxs[k]);
    const times: [number[], number[]] = [[], []];
    for (let i = 0; i < ROUNDS; i++) {
      for (const k of i % 2 ? [1, 0] : [0, 1]) {
        const t0 = performance.now();
        await p.run(dbs[k], ctxs[k]);
        times[k].push(performance.now() - t0);
      }
    }
    out[0].set(p.name, median(times[0]));
    out[1].set(p.name, median(times[1]));
  }
  return out;
}

async function main() {
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  const dbs: Database[] = [];
  const log = (l: string) => process.stderr.write(`  ${l}\n`);
  try {
    for (const name of dbNames) {
      if (!REUSE) await adminClient.query(`CREATE DATABASE ${name}`);
      const db = await openDatabase({ url: urlOf(name), max: 4 });
      dbs.push(db);
      await migrate(db);
    }
    let t0 = performance.now();
    let seedS = 0;
    if (!REUSE) {
      await scaleSeed(dbs[0], { events: SMALL, log });
      process.stderr.write(
        `seeded ${SMALL.toLocaleString('en')} events in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
      );
      t0 = performance.now();
      await scaleSeed(dbs[1], { events: SMALL, log });
      await scaleSeed(dbs[1], { events: LARGE, log });
      seedS = (performance.now() - t0) / 1000;
    }
    process.stderr.write(
      `seeded ${LARGE.toLocaleString('en')} events in ${seedS.toFixed(1)} s; measuring both, alternating\n`,
    );
    const [small, large] = await measure([dbs[0], dbs[1]]);
    const [{ v }] = await dbs[0].query<{ v: string }>("SELECT current_setting('server_version') AS v");
    console.log(
      `dashboards, PostgreSQL ${v}, median of ${ROUNDS} runs per page and size, sizes alternated call by call (server work: the lib/queries calls each page awaits)`,
    );
    console.log(
      `| page | ${SMALL.toLocaleString('en')} events (ms) | ${LARGE.toLocaleString('en')} events (ms) | ratio |`,
    );
    console.log('|---|---:|---:|---:|');
    let worst = 0;
    for (const p of PAGES.filter((x) => small.has(x.name))) {
      const a = small.get(p.name)!;
      const b = large.get(p.name)!;
      worst = Math.max(worst, b / a);
      console.log(`| ${p.name.replace(/\s+/g, ' ')} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(2)} |`);
    }
    console.log(
      `worst ratio ${worst.toFixed(2)} (target at most 1.5); seeding the large database to ${LARGE.toLocaleString('en')} events took ${seedS.toFixed(0)} s`,
    );
  } finally {
    for (const db of dbs) await db.close();
    if (!REUSE) for (const name of dbNames) await adminClient.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminClient.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
