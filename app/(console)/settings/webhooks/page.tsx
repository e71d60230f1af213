import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { NotAllowed } from '@/components/shell/NotAllowed';
import { latestDeliveries, listHooks } from '@/lib/hooks/queries';
import { requireRole } from '@/lib/server/auth';
import { getDb } from '@/lib/server/db';
import { HooksAdmin } from './HooksAdmin';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Webhooks' };

export default async function WebhooksPage() {
  const { allowed } = await requireRole('lead');
  if (!allowed) return <NotAllowed need="lead" />;
  const db = await getDb();
  const [hooks, deliveries] = await Promise.all([listHooks(db), latestDeliveries(db)]);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Webhooks"
        description="The console posts its events to these URLs, signed with each hook's secret (X-IU-Signature: t=…,v1=HMAC-SHA256), and retries with backoff when a hook does not answer 2xx. Disabled hooks are sent nothing. Every change is audited."
      />
      <HooksAdmin hooks={hooks} deliveries={deliveries} />
    </div>
  );
}
