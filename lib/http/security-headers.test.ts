import { describe, expect, it } from 'vitest';
import { pagePolicy, securityHeaders } from './security-headers';

describe('securityHeaders', () => {
  it('sends HSTS and upgrades requests only when the public URL is https', () => {
    const https = securityHeaders({ nonce: 'n1', env: { IU_PUBLIC_URL: 'https://iu.example.com' } });
    expect(https['Strict-Transport-Security']).toMatch(/^max-age=\d{8}/);
    expect(https['Content-Security-Policy']).toContain('upgrade-insecure-requests');
    const http = securityHeaders({ nonce: 'n1', env: { PORT: '3000' } });
    expect(http['Strict-Transport-Security']).toBeUndefined();
    expect(http['Content-Security-Policy']).not.toContain('upgrade-insecure-requests');
    expect(
      securityHeaders({ env: { BETTER_AUTH_URL: 'https://a.example' } })['Strict-Transport-Security'],
    ).toBeDefined();
  });

  it('lets only scripts carrying the nonce run on a page, and nothing frame it', () => {
    const csp = pagePolicy('abc', { NODE_ENV: 'production' });
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(pagePolicy('abc', { NODE_ENV: 'development' })).toContain("'unsafe-eval'");
  });

  it('gives JSON and downloads a policy that runs nothing', () => {
    const h = securityHeaders({ env: {} });
    expect(h['Content-Security-Policy']).toMatch(/^default-src 'none'/);
    expect(h).toMatchObject({
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'strict-origin-when-cross-origin',
    });
  });
});
