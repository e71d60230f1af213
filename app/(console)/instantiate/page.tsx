import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { NotAllowed } from '@/components/shell/NotAllowed';
import { listTemplateOptions } from '@/lib/queries/console';
import { requireRole } from '@/lib/server/auth';
import { getDb } from '@/lib/server/db';
import { InstantiateForm } from './InstantiateForm';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Instantiate' };

export default async function InstantiatePage() {
  const { me, allowed } = await requireRole('operator');
  if (!allowed) return <NotAllowed need="operator" />;
  const templates = await listTemplateOptions(await getDb());
  return (
    <div className="space-y-6">
      <PageHeader
        title="Instantiate from an event"
        description={`Runs the auto-instantiate recipe as ${me.username} (add a run tag to record ${me.username}:<tag>). A dry run calls the function for real and rolls back; live opens only after a successful dry run of the same parameters.`}
      />
      {templates.length === 0 ? (
        <p className="text-sm text-slate-600" data-testid="no-templates">
          There is no template yet; compose and mark one first (npm run iu -- compose …).
        </p>
      ) : (
        <InstantiateForm templates={templates} username={me.username} />
      )}
    </div>
  );
}
