import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { openPage } from '@/components/shell/open-page';
import { listTemplateOptions } from '@/lib/queries/console';
import { InstantiateForm } from './InstantiateForm';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Instantiate' };

export default async function InstantiatePage() {
  const opened = await openPage({
    title: 'Instantiate from an event',
    role: 'operator',
    what: 'template list',
    load: (db) => listTemplateOptions(db),
  });
  if ('shown' in opened) return opened.shown;
  const { me, data: templates } = opened;
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
