import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { openPage } from '@/components/shell/open-page';
import { listTokens, TOKEN_ROLE_CAP } from '@/lib/auth/api-tokens';
import { TokensAdmin } from './TokensAdmin';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'API tokens' };

export default async function TokensPage() {
  const opened = await openPage({
    title: 'API tokens',
    role: 'viewer',
    what: 'API tokens',
    load: (db, me) => listTokens(db.orm, me.userId),
  });
  if ('shown' in opened) return opened.shown;
  const { data: tokens } = opened;
  const now = Date.now();
  return (
    <div className="space-y-6">
      <PageHeader
        title="API tokens"
        description={`Tokens for your scripts: send one as "Authorization: Bearer <token>". A read token may only read (GET); an operate token runs what you may run, at most as an ${TOKEN_ROLE_CAP}. Each is shown once; revoking one stops it at once.`}
      />
      <TokensAdmin
        tokens={tokens.map((t) => ({
          id: t.id,
          name: t.name,
          prefix: t.prefix,
          scope: t.scope,
          createdAt: t.createdAt.toISOString(),
          expiresAt: t.expiresAt.toISOString(),
          lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
          state: t.revokedAt ? 'revoked' : t.expiresAt.getTime() <= now ? 'expired' : 'active',
        }))}
      />
    </div>
  );
}
