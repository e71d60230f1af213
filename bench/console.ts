// A production console for the benchmarks that measure over HTTP: started with
// scripts/start.sh on a PostgreSQL database, as an operator would start it, and signed in to
// as the lead `admin` with the password the benchmark chose.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import { sleep } from './common';

export interface Reply {
  status: number;
  /** The body as text, and its size in bytes. */
  text: string;
  bytes: number;
  json: any;
  cookies: string[];
  location: string | null;
}

export interface Console {
  base: string;
  /** One request on a fresh connection, timed by the caller. */
  request(method: 'GET' | 'POST', path: string, opts?: { cookie?: string; body?: unknown }): Promise<Reply>;
  /** The last lines the server printed. */
  log(): string;
  stop(): Promise<void>;
}

/** A password the strength rules accept, fresh for each run. */
export const benchPassword = () => `bench-${crypto.randomBytes(12).toString('base64url')}`;

/**
 * One HTTP request on a fresh connection. Not fetch: its pooled keep-alive sockets go stale
 * while a long contender runs (the server closes idle ones after 5 s) and the next request
 * fails with "fetch failed".
 */
function request(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  opts: { cookie?: string; body?: unknown } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const req = http.request(
      `${base}${path}`,
      {
        method,
        agent: false,
        headers: {
          origin: base,
          ...(opts.cookie ? { cookie: opts.cookie } : {}),
          ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            json = null;
          }
          const sc = res.headers['set-cookie'] ?? [];
          resolve({
            status: res.statusCode ?? 0,
            text,
            bytes: body.length,
            json,
            cookies: sc.map((c) => c.split(';')[0]),
            location: res.headers.location ?? null,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/**
 * Starts `scripts/start.sh` on `databaseUrl` (it builds first if the build is stale, applies
 * migrations and makes the lead `admin` with `password` on a database without accounts) and
 * waits until /api/health answers.
 */
export async function startConsole(opts: {
  port: number;
  databaseUrl: string;
  password: string;
  env?: Record<string, string>;
}): Promise<Console> {
  const base = `http://127.0.0.1:${opts.port}`;
  let stopping = false;
  let log = '';
  const child: ChildProcess = spawn('bash', ['scripts/start.sh'], {
    env: {
      ...process.env,
      PORT: String(opts.port),
      DATABASE_URL: opts.databaseUrl,
      BETTER_AUTH_SECRET: crypto.randomBytes(32).toString('base64'),
      IU_ADMIN_PASSWORD: opts.password,
      IU_PUBLIC_URL: base,
      NEXT_TELEMETRY_DISABLED: '1',
      IU_AUTH_MODE: '',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const keep = (b: Buffer) => {
    log = (log + b.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!stopping)
      process.stderr.write(`the console on port ${opts.port} exited (code ${code}, signal ${signal}):\n${log}\n`);
  });
  const c: Console = {
    base,
    request: (method, path, o) => request(base, method, path, o),
    log: () => log,
    async stop() {
      stopping = true;
      if (child.pid && child.exitCode === null) {
        // the whole group: bash and the tsx/node server it exec'd
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        for (let i = 0; i < 40 && child.exitCode === null && child.signalCode === null; i++) await sleep(250);
      }
    },
  };
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the console on port ${opts.port} stopped while starting:\n${log}`);
    try {
      if ((await c.request('GET', '/api/health')).status === 200) return c;
    } catch {
      /* not listening yet */
    }
    await sleep(500);
  }
  await c.stop();
  throw new Error('the console did not start within 10 minutes');
}

/** Signs in as `username` over HTTP and returns the session cookie. */
export async function signIn(c: Console, username: string, password: string): Promise<string> {
  const res = await c.request('POST', '/api/auth/sign-in/username', { body: { username, password } });
  if (res.status !== 200) throw new Error(`sign-in failed: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  if (!res.cookies.length) throw new Error('sign-in set no cookie');
  return res.cookies.join('; ');
}
