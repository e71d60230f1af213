// Every mutating route handler under app/api is behind the one gate in proxy.ts: this walks
// the route files, finds each exported POST/PUT/PATCH/DELETE (also `export { x as POST }`),
// and proves, for its URL, that the proxy's matcher runs and that the proxy refuses another
// site's request, a form body and an oversized one, and lets a same-origin JSON request through.
import fs from 'node:fs';
import path from 'node:path';
import { NextRequest } from 'next/server';
import { unstable_doesMiddlewareMatch } from 'next/experimental/testing/server';
import { describe, expect, it } from 'vitest';
import { config, proxy } from '@/proxy';
import { consoleOrigins, MAX_BODY_BYTES } from '@/lib/http/request-guard';

const API = path.resolve(__dirname, '../app/api');
const MUTATING = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return routeFiles(p);
    return /^route\.(ts|tsx|js|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** The HTTP methods a route file exports, whichever way it exports them. */
function exportedMethods(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/export\s+(?:async\s+)?(?:function|const|let)\s+([A-Z]+)\b/g)) found.add(m[1]);
  for (const m of source.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const part of m[1].split(',')) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (name) found.add(name);
    }
  }
  return [...found];
}

/** A concrete URL for a route file: each [param] and [...rest] filled in. */
function urlPath(file: string): string {
  const rel = path.relative(path.resolve(__dirname, '../app'), path.dirname(file)).split(path.sep);
  return `/${rel
    .filter((s) => !/^\(.*\)$/.test(s))
    .map((s) => (s.startsWith('[...') || s.startsWith('[[...') ? 'sign-out' : s.startsWith('[') ? 'x1' : s))
    .join('/')}`;
}

const files = routeFiles(API);
const mutations = files.flatMap((f) => {
  const methods = exportedMethods(fs.readFileSync(f, 'utf8')).filter((m) =>
    (MUTATING as readonly string[]).includes(m),
  );
  return methods.map((method) => ({ file: path.relative(API, f), method, url: urlPath(f) }));
});

const origin = consoleOrigins()[0];
function request(url: string, method: string, headers: Record<string, string>, body?: string) {
  return new NextRequest(new URL(url, origin), { method, headers, body });
}

describe('the same-origin gate', () => {
  it('finds the route files and their mutating handlers', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    const names = mutations.map((m) => `${m.method} ${m.file}`);
    // the walk must see both export styles, or it could pass by seeing nothing
    expect(names).toContain('POST recipes/[recipe]/route.ts');
    expect(names).toContain('POST auth/[...all]/route.ts');
    expect(names).toContain('POST bulk/jobs/[id]/cancel/route.ts');
  });

  describe.each(mutations)('$method $file', ({ method, url }) => {
    it('runs the proxy for its URL', () => {
      expect(unstable_doesMiddlewareMatch({ config, url })).toBe(true);
    });

    it('refuses another site, a form body, a missing type and an oversized body with a JSON sentence', async () => {
      const cases: [Record<string, string>, string | undefined, number][] = [
        [{ origin: 'http://localhost:3299', 'content-type': 'application/json' }, '{}', 403],
        [{ origin: 'null', 'content-type': 'application/json' }, '{}', 403],
        [{ referer: 'http://evil.example/page', 'content-type': 'application/json' }, '{}', 403],
        [{ origin, 'content-type': 'text/plain' }, '{"a":1}', 415],
        [{ origin, 'content-type': 'application/x-www-form-urlencoded' }, 'a=1', 415],
        [{ origin, 'content-type': 'multipart/form-data; boundary=x' }, '--x--', 415],
        [{ origin }, '{"a":1}', 415],
        [{ origin, 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 1) }, undefined, 413],
      ];
      for (const [headers, body, status] of cases) {
        const res = proxy(request(url, method, headers, body));
        expect(res.status, JSON.stringify(headers)).toBe(status);
        const json = await res.json();
        expect(json.error).toMatch(/\. /);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      }
    });

    it('lets the console itself and a script without a browser through', () => {
      const allowed: Record<string, string>[] = [
        { origin, 'content-type': 'application/json' },
        { referer: `${origin}/bulk`, 'content-type': 'application/json; charset=utf-8' },
        { 'content-type': 'application/json' },
        { origin },
      ];
      for (const headers of allowed) {
        const res = proxy(request(url, method, headers, 'content-type' in headers ? '{}' : undefined));
        expect(res.headers.get('x-middleware-next'), JSON.stringify(headers)).toBe('1');
      }
    });
  });

  it('reads nothing but its own origins from the environment', () => {
    expect(consoleOrigins({ PORT: '3200' })).toEqual(['http://localhost:3200', 'http://127.0.0.1:3200']);
    expect(consoleOrigins({ IU_PUBLIC_URL: 'https://iu.example.com/', PORT: '3000' })).toEqual([
      'https://iu.example.com',
      'http://localhost:3000',
      'http://127.0.0.1:3000',
    ]);
    expect(consoleOrigins({ BETTER_AUTH_URL: 'https://auth.example.com:8443/console' })[0]).toBe(
      'https://auth.example.com:8443',
    );
  });

  it('does not gate reads', () => {
    const res = proxy(request('/api/audit', 'GET', { origin: 'http://evil.example' }));
    expect(res.headers.get('x-middleware-next')).toBe('1');
  });
});
