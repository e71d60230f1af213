// npm run bench:pages [-- --small 10000 --large 1000000 --dbs <small>,<large> --keep
//                        --rounds 15 --port 3290 --clients 20 --duration 60 --load small,large]
// Every console page over HTTP, signed in, at two sizes of the event log. On two PostgreSQL
// databases (named by --dbs, else generated and dropped at the end; a database that exists
// is reused and only grown to its size, as the scale seed adds only what is missing) seeded
// by lib/recipes/scale-seed.ts to --small and --large events, it starts one production
// console per database with scripts/start.sh (ports --port and --port + 1), signs in to
// each as the lead `admin`, and requests every page's full HTML response in turn, small and
// large interleaved request by request (the order flipping every round), so that other load
// on the machine falls on both alike. It prints the median and p95 per page and size, the
// ratio of the medians large/small (target at most 1.3), each page's HTML size and the bytes
// of the scripts it loads, then, per size in --load, runs
// --clients clients requesting the pages round-robin for --duration seconds and prints
// requests per second and the p95.
import os from 'node:os';
import { openDatabase, type Database } from '@/db/client';
import { migrate } from '@/db/migrate';
import { createUser, findUser, resetPassword } from '@/lib/auth/users';
import { scaleSeed } from '@/lib/recipes';
import {
  adminClient,
  dbUrl,
  dropDatabase,
  ensureDatabase,
  flag,
  hasFlag,
  median,
  numberFlag,
  percentile,
  serverVersion,
} from './common';
import { benchPassword, signIn, startConsole, type Console } from './console';

const SMALL = numberFlag('small', 10_000);
const LARGE = numberFlag('large', 1_000_000);
const ROUNDS = numberFlag('rounds', 15);
const PORT = numberFlag('port', 3290);
const CLIENTS = numberFlag('clients', 20);
const DURATION_S = numberFlag('duration', 60);
const KEEP = hasFlag('keep');
const LOAD_ON = (flag('load') ?? 'small,large').split(',').filter(Boolean);
if (LOAD_ON.some((s) => s !== 'small' && s !== 'large')) throw new Error('--load takes small, large or small,large');
const stamp = Date.now().toString(36);
const named = flag('dbs')?.split(',');
if (named && named.length !== 2) throw new Error('--dbs takes two database names: <small>,<large>');
const DBS = named ?? [`iu_bench_pages_${stamp}_s`, `iu_bench_pages_${stamp}_l`];

interface Target {
  label: string;
  events: number;
  db: string;
  console?: Console;
  cookie?: string;
  paths: Map<string, string>;
}

/** The pages, each with the address it is requested at (filled in per database). */
async function pathsOf(db: Database): Promise<Map<string, string>> {
  const one = async <T>(sql: string, params: unknown[] = []) =>
    (await db.query<T & Record<string, unknown>>(sql, params))[0];
  // the busiest actor, from the rollup (as the actors page counts them)
  const actor = await one<{ actor: string }>(
    `SELECT triggered_by AS actor FROM iu_aiel_rollup_actor GROUP BY 1 ORDER BY sum(event_count) DESC, 1 LIMIT 1`,
  );
  const family = await one<{ family: string }>(
    `SELECT template_family AS family FROM iu_template_version WHERE template_family LIKE 'tpl:scale-%'
      GROUP BY 1 HAVING count(*) >= 3 ORDER BY 1 LIMIT 1`,
  );
  // the middle row of the log in its own order: a reader who paged half-way down;
  // an OFFSET here is set-up, not a measurement
  const mid = await one<{ at: string; id: string }>(
    `SELECT created_at::text AS at, id::text FROM iu_auto_instantiate_event_log
      ORDER BY created_at DESC, id DESC OFFSET (SELECT count(*) / 2 FROM iu_auto_instantiate_event_log) LIMIT 1`,
  );
  const last = await one<{ id: string }>(`SELECT max(id)::text AS id FROM iu_auto_instantiate_event_log`);
  const inst = await one<{ id: string }>(
    `SELECT instance_collection_id::text AS id FROM iu_auto_instantiate_event_log
      WHERE instance_collection_id IS NOT NULL AND rolled_back_at IS NULL ORDER BY id DESC LIMIT 1`,
  );
  const e = encodeURIComponent;
  return new Map([
    ['overview /', '/'],
    ['templates /templates', '/templates'],
    ['templates ?sort=live&dir=desc', '/templates?sort=live&dir=desc'],
    ['family + diff v2→v3', `/templates/families/${e(family.family)}?from=v2&to=v3`],
    ['events /events', '/events'],
    ['events deep keyset page (middle row)', `/events?after=${e(`${mid.at}~${mid.id}`)}`],
    ['events ?actor (busiest)', `/events?actor=${e(actor.actor)}`],
    ['events ?event=<id> (drawer)', `/events?event=${last.id}`],
    ['instance /instances/<id>', `/instances/${inst.id}`],
    ['summary /summary', '/summary'],
    ['actors /actors', '/actors'],
    ['actor timeline (busiest)', `/actors/${e(actor.actor)}`],
    ['gates /gates', '/gates'],
    ['audit /audit', '/audit'],
    ['users /users', '/users'],
    ['rollback ?actor (busiest)', `/rollback?actor=${e(actor.actor)}`],
    ['bulk /bulk', '/bulk'],
    ['instantiate /instantiate', '/instantiate'],
    ['compose /compose', '/compose'],
  ]);
}

/** Seeds (or grows) one database and makes sure `admin` signs in with this run's password. */
async function prepare(t: Target, password: string, created: boolean): Promise<void> {
  const db = await openDatabase({ url: dbUrl(t.db), max: 4 });
  try {
    await migrate(db);
    const t0 = performance.now();
    const log = (l: string) => process.stderr.write(`  [${t.label}] ${l}\n`);
    // the large database grows from the small size first, as the scale seed's own runs do
    if (t.events > SMALL) await scaleSeed(db, { events: SMALL, log });
    const r = await scaleSeed(db, { events: t.events, log });
    process.stderr.write(
      `${t.label}: ${r.events.toLocaleString('en')} events ${created ? 'seeded' : 'present or grown'} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    // the lead the benchmark signs in as, with this run's password (a reused database keeps
    // the admin of an earlier run, and start.sh makes none on a database that has accounts)
    if (await findUser(db.orm, 'admin')) await resetPassword(db.orm, 'admin', password, false);
    else await createUser(db.orm, { username: 'admin', password, role: 'lead', mustChangePassword: false });
    await db.query('VACUUM ANALYZE');
    t.paths = await pathsOf(db);
  } finally {
    await db.close();
  }
}

const scriptSizes = new Map<string, number>();

/** The bytes of the scripts a page's HTML loads (`<script src>`), each fetched once. */
async function scriptBytes(t: Target, html: string): Promise<number> {
  let total = 0;
  for (const [, src] of html.matchAll(/<script src="([^"]+)"/g)) {
    if (!scriptSizes.has(src)) scriptSizes.set(src, (await t.console!.request('GET', src)).bytes);
    total += scriptSizes.get(src)!;
  }
  return total;
}

async function get(t: Target, path: string): Promise<{ ms: number; bytes: number; html: string }> {
  const t0 = performance.now();
  const r = await t.console!.request('GET', path, { cookie: t.cookie });
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`${t.label} ${path}: HTTP ${r.status}${r.location ? ` → ${r.location}` : ''}`);
  // a page that reports a failed read answers 200 too; the benchmark must not time those
  if (/could not be read|could not be opened|is off<\/|Something went wrong/.test(r.text)) {
    throw new Error(`${t.label} ${path}: the page reported a failure`);
  }
  return { ms, bytes: r.bytes, html: r.text };
}

async function loadRun(t: Target): Promise<{ rps: number; p95: number; median: number; n: number; errors: number }> {
  const paths = [...t.paths.values()];
  const times: number[] = [];
  let errors = 0;
  let next = 0;
  const end = performance.now() + DURATION_S * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const path = paths[next++ % paths.length];
        try {
          times.push((await get(t, path)).ms);
        } catch {
          errors++;
        }
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  return { rps: times.length / s, p95: percentile(times, 95), median: median(times), n: times.length, errors };
}

async function main() {
  const admin = await adminClient();
  const password = benchPassword();
  const targets: Target[] = [
    { label: 'small', events: SMALL, db: DBS[0], paths: new Map() },
    { label: 'large', events: LARGE, db: DBS[1], paths: new Map() },
  ];
  const created: string[] = [];
  try {
    for (const t of targets) {
      const made = await ensureDatabase(admin, t.db);
      if (made) created.push(t.db);
      await prepare(t, password, made);
    }
    // one at a time: start.sh builds when the build is stale, and two builds would collide
    for (const [i, t] of targets.entries()) {
      process.stderr.write(`starting the console for ${t.label} on port ${PORT + i} (scripts/start.sh)…\n`);
      t.console = await startConsole({ port: PORT + i, databaseUrl: dbUrl(t.db), password });
      t.cookie = await signIn(t.console, 'admin', password);
    }
    const names = [...targets[0].paths.keys()];
    const times = new Map(names.map((n) => [n, [[], []] as [number[], number[]]]));
    const bytes = new Map<string, [number, number]>();
    // warm-up: each page twice per size (compiled routes, warm pools, filled caches)
    const js = new Map<string, number>();
    for (const n of names) {
      for (let i = 0; i < 2; i++) for (const t of targets) await get(t, t.paths.get(n)!);
      js.set(n, await scriptBytes(targets[1], (await get(targets[1], targets[1].paths.get(n)!)).html));
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of names) {
        for (const k of round % 2 ? [1, 0] : [0, 1]) {
          const t = targets[k];
          const r = await get(t, t.paths.get(n)!);
          times.get(n)![k].push(r.ms);
          const b = bytes.get(n) ?? [0, 0];
          b[k] = r.bytes;
          bytes.set(n, b);
        }
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
    }
    const load1 = os.loadavg();
    const version = await serverVersion(admin);
    console.log(
      `pages over HTTP, signed in as a lead, full responses; PostgreSQL ${version}; ${ROUNDS} requests per page and size, ` +
        `sizes interleaved request by request; load average ${load1.map((x) => x.toFixed(2)).join(', ')}`,
    );
    const S = SMALL.toLocaleString('en');
    const L = LARGE.toLocaleString('en');
    console.log(
      `| page | ${S}: median (ms) | p95 | ${L}: median (ms) | p95 | ratio of medians | HTML (KB, large) | scripts (KB) |`,
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    let worst = 0;
    for (const n of names) {
      const [a, b] = times.get(n)!;
      const ratio = median(b) / median(a);
      worst = Math.max(worst, ratio);
      const f = (x: number) => x.toFixed(1);
      console.log(
        `| ${n} | ${f(median(a))} | ${f(percentile(a, 95))} | ${f(median(b))} | ${f(percentile(b, 95))} | ${ratio.toFixed(2)} | ${(bytes.get(n)![1] / 1024).toFixed(1)} | ${(js.get(n)! / 1024).toFixed(0)} |`,
      );
    }
    console.log(`worst ratio ${worst.toFixed(2)} (target: every page's median ratio at most 1.3)`);
    for (const t of targets.filter((x) => LOAD_ON.includes(x.label))) {
      const r = await loadRun(t);
      console.log(
        `${CLIENTS} clients for ${DURATION_S} s on ${t.events.toLocaleString('en')} events, every page in turn: ` +
          `${r.rps.toFixed(1)} requests/s, median ${r.median.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms ` +
          `(${r.n} requests, ${r.errors} failed; load average ${os
            .loadavg()
            .map((x) => x.toFixed(2))
            .join(', ')})`,
      );
    }
  } finally {
    for (const t of targets) await t.console?.stop();
    if (!KEEP) for (const name of created) await dropDatabase(admin, name);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
