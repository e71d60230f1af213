/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite loads its WebAssembly and data files from its own package folder at run time;
  // bundled, `next build` passes but every request fails. pg has optional native bindings.
  serverExternalPackages: ['@electric-sql/pglite', 'pg'],
  poweredByHeader: false,
  // proxy.ts sets these (and the CSP, and HSTS) on pages and /api; it does not run for Next's
  // own files, so they get the fixed ones here (lib/http/security-headers.ts lists the same)
  async headers() {
    const fixed = [
      { key: 'X-Frame-Options', value: 'DENY' },
      { key: 'X-Content-Type-Options', value: 'nosniff' },
      { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
    ];
    return [
      { source: '/_next/:path*', headers: fixed },
      { source: '/favicon.ico', headers: fixed },
    ];
  },
  turbopack: {
    ignoreIssue: [
      // db/migrate.ts reads db/migrations at run time from a folder it is given; the console
      // runs from the repository with `next start`, so tracing the whole project is moot.
      { path: '**/db/migrate.ts', title: /Dynamic filesystem access/ },
      // lib/auth/secret.ts keeps the embedded database's signing key in .data/auth-secret
      { path: '**/lib/auth/secret.ts', title: /Dynamic filesystem access/ },
    ],
  },
};

export default nextConfig;
