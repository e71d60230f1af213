// Runs before every page and every /api request (not before Next's static files):
//  * /api: the one same-origin / JSON-body / size gate for every mutating route handler
//    (lib/http/request-guard.ts); a new route file is covered by being under /api.
//  * every response: the security headers, with a fresh CSP nonce for pages (Next reads the
//    nonce from the request's CSP header and puts it on its own scripts).
//  * a page request with no session cookie (and no identity header a trusted proxy left in
//    place) goes to /sign-in. It only redirects; the real checks are in every page
//    (requireUser/requireRole) and in the authorized-action wrapper.
import { getSessionCookie } from 'better-auth/cookies';
import { NextResponse, type NextRequest } from 'next/server';
import { consoleOrigins, guardMutation, refusalResponse } from '@/lib/http/request-guard';
import { securityHeaders } from '@/lib/http/security-headers';

function withHeaders<R extends Response>(res: R, headers: Record<string, string>): R {
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  return res;
}

export function proxy(request: NextRequest) {
  const path = request.nextUrl.pathname;
  if (path === '/api' || path.startsWith('/api/')) {
    const headers = securityHeaders();
    const refusal = guardMutation({ method: request.method, headers: request.headers }, consoleOrigins());
    if (refusal) return withHeaders(refusalResponse(refusal), headers);
    return withHeaders(NextResponse.next(), headers);
  }

  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64');
  const headers = securityHeaders({ nonce });
  if (path !== '/sign-in' && !path.startsWith('/sign-in/')) {
    const hasCookie = !!getSessionCookie(request);
    const headerMode = process.env.IU_AUTH_MODE === 'trusted-header';
    const userHeader = (process.env.IU_AUTH_USER_HEADER || 'X-Forwarded-User').toLowerCase();
    // server.ts has already removed this header unless a trusted proxy sent it
    const hasProxyUser = headerMode && !!request.headers.get(userHeader);
    if (!hasCookie && !hasProxyUser) {
      const url = request.nextUrl.clone();
      const next = request.nextUrl.pathname + request.nextUrl.search;
      url.pathname = '/sign-in';
      url.search = next && next !== '/' ? `?next=${encodeURIComponent(next)}` : '';
      return withHeaders(NextResponse.redirect(url), headers);
    }
  }
  const forwarded = new Headers(request.headers);
  forwarded.set('content-security-policy', headers['Content-Security-Policy']);
  forwarded.set('x-nonce', nonce);
  return withHeaders(NextResponse.next({ request: { headers: forwarded } }), headers);
}

export const config = {
  // everything but Next's own files (build output, dev reload) and the files in public/
  matcher: ['/((?!_next/|favicon.ico|.*\\.(?:png|svg|ico|css|js|txt|map|woff2?)$).*)'],
};
