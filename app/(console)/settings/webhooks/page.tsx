import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { openPage } from '@/components/shell/open-page';
import { latestDeliveries, listHooks } from '@/lib/hooks/queries';
import { HooksAdmin } from './HooksAdmin';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Webhooks' };

export default async function WebhooksPage() {
  const opened = await openPage({
    title: 'Webhooks',
    role: 'lead',
    what: 'webhooks',
    load: (db) => Promise.all([listHooks(db), latestDeliveries(db)]),
  });
  if ('shown' in opened) return opened.shown;
  const [hooks, deliveries] = opened.data;
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
