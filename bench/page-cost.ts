// npm run bench:page-cost [-- --dbs <small>,<large> --rounds 31]
// What a signed-in page costs on the server, part by part, in this process against the
// databases bench:pages seeded (kept with --keep): the session check a request makes
// (better-auth's session read and the console's user read, as lib/auth/identity.ts does it),
// the layout's gate-leak read, and each page's own reads (the lib/queries calls its Server
// Component awaits). Set against bench:pages' full HTTP time of the same page, what is left
// is rendering, serialisation (HTML and the RSC payload) and HTTP. Prints medians in ms.
import { createAuth } from '@/lib/auth/auth';
import { resolveIdentity } from '@/lib/auth/identity';
import { trustedHeaderConfig } from '@/lib/auth/trusted-header';
import { createUser, findUser, resetPassword } from '@/lib/auth/users';
import { openDatabase, type Database } from '@/db/client';
import { getActivity } from '@/lib/queries/activity';
import { listActors } from '@/lib/queries/actors';
import { getEventFilterOptions, listEvents } from '@/lib/queries/events';
import { getAutoInstantiateState, getOverview, listLeakedGates } from '@/lib/queries/overview';
import { getDaily, getSummary } from '@/lib/queries/summary';
import { listFamilies } from '@/lib/queries/template-families';
import { listTemplates } from '@/lib/queries/templates';
import { dbUrl, flag, median, numberFlag } from './common';
import { benchPassword } from './console';

const ROUNDS = numberFlag('rounds', 31);
const names = flag('dbs')?.split(',');
if (!names?.length)
  throw new Error('--dbs takes the databases to measure, e.g. --dbs iu_bench_pages_s,iu_bench_pages_l');

const PAGES: [string, (db: Database) => Promise<unknown>][] = [
  ['overview /', (db) => Promise.all([getOverview(db), getActivity(db)])],
  ['templates /templates', (db) => Promise.all([listTemplates(db, {}), listFamilies(db)])],
  ['events /events', (db) => Promise.all([getAutoInstantiateState(db), listEvents(db, {}), getEventFilterOptions(db)])],
  ['summary /summary', (db) => Promise.all([getAutoInstantiateState(db), getSummary(db), getDaily(db, 30)])],
  ['actors /actors', (db) => Promise.all([getAutoInstantiateState(db), listActors(db)])],
];

async function time(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

async function main() {
  for (const name of names!) {
    const db = await openDatabase({ url: dbUrl(name), max: 4 });
    try {
      const env = { ...process.env, BETTER_AUTH_SECRET: 'bench-secret-bench-secret-bench-secret-0123', PORT: '3299' };
      const auth = createAuth(db, env);
      const password = benchPassword();
      const user = 'bench_cost';
      if (await findUser(db.orm, user)) await resetPassword(db.orm, user, password, false);
      else await createUser(db.orm, { username: user, password, role: 'viewer', mustChangePassword: false });
      const res = await auth.handler(
        new Request('http://localhost:3299/api/auth/sign-in/username', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            origin: 'http://localhost:3299',
            'x-iu-peer-address': '10.9.9.9',
          },
          body: JSON.stringify({ username: user, password }),
        }),
      );
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
      if (res.status !== 200 || !cookie) throw new Error(`sign-in failed: HTTP ${res.status}`);
      const headers = new Headers({ cookie });
      const cfg = trustedHeaderConfig({});
      console.log(`${name}, median of ${ROUNDS} calls (ms):`);
      const session = await time(async () => {
        if (!(await resolveIdentity(db, auth, headers, cfg))) throw new Error('no identity');
      });
      console.log(`  session check (one lookup)            ${session.toFixed(2)}`);
      console.log(`  layout gate-leak read                 ${(await time(() => listLeakedGates(db))).toFixed(2)}`);
      for (const [page, run] of PAGES)
        console.log(`  ${`${page} reads`.padEnd(37)} ${(await time(() => run(db))).toFixed(2)}`);
    } finally {
      await db.close();
    }
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
