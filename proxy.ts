// A first, cheap check: a page request with no session cookie (and no identity header a
// trusted proxy left in place) goes to /sign-in. It only redirects; the real checks are in
// every page (requireUser/requireRole) and in the authorized-action wrapper.
import { getSessionCookie } from 'better-auth/cookies';
import { NextResponse, type NextRequest } from 'next/server';

export function proxy(request: NextRequest) {
  const hasCookie = !!getSessionCookie(request);
  const headerMode = process.env.IU_AUTH_MODE === 'trusted-header';
  const userHeader = (process.env.IU_AUTH_USER_HEADER || 'X-Forwarded-User').toLowerCase();
  // server.ts has already removed this header unless a trusted proxy sent it
  const hasProxyUser = headerMode && !!request.headers.get(userHeader);
  if (hasCookie || hasProxyUser) return NextResponse.next();
  const url = request.nextUrl.clone();
  const next = request.nextUrl.pathname + request.nextUrl.search;
  url.pathname = '/sign-in';
  url.search = next && next !== '/' ? `?next=${encodeURIComponent(next)}` : '';
  return NextResponse.redirect(url);
}

export const config = {
  // everything but sign-in, the API (its handlers answer 401 themselves), and static files
  matcher: ['/((?!sign-in|api/|_next/|favicon.ico|.*\\.(?:png|svg|ico|css|js|txt)$).*)'],
};
