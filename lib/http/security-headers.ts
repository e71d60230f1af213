// The headers every console response carries. proxy.ts sets them at run time (the CSP needs a
// fresh nonce per page, HSTS depends on IU_PUBLIC_URL); next.config.js repeats the fixed ones
// for the static files the proxy does not see.
import { consoleOrigins, type EnvLike } from './request-guard';

/** The fixed ones, also listed in next.config.js for /_next/static. */
export const FIXED_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/** Whether the console's public URL is https, the only case where HSTS means anything. */
export function isHttpsPublic(env: EnvLike = process.env): boolean {
  return consoleOrigins(env)[0]?.startsWith('https://') ?? false;
}

/**
 * The page policy. Scripts: only Next's own, each carrying this request's nonce
 * ('strict-dynamic' lets them load their chunks). Styles keep 'unsafe-inline': recharts and
 * Radix write style attributes, which a nonce cannot cover, and a style cannot run code.
 */
export function pagePolicy(nonce: string, env: EnvLike = process.env): string {
  const dev = env.NODE_ENV === 'development';
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(isHttpsPublic(env) ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** For JSON and file downloads: nothing may run or frame them. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** All headers for one response; `nonce` only for pages. */
export function securityHeaders(opts: { nonce?: string; env?: EnvLike } = {}): Record<string, string> {
  const env = opts.env ?? process.env;
  return {
    ...FIXED_SECURITY_HEADERS,
    'Content-Security-Policy': opts.nonce ? pagePolicy(opts.nonce, env) : API_POLICY,
    ...(isHttpsPublic(env) ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}
