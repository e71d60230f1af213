import type { Metadata } from 'next';
import { GatesView } from '@/components/gates/GatesView';
import { openPage } from '@/components/shell/open-page';
import { PageHeader } from '@/components/shell/PageHeader';
import { Card } from '@/components/ui/card';
import { Code } from '@/components/ui/code';
import { hasRole } from '@/lib/auth/roles';
import { readGates } from '@/lib/recipes';
import { runRecipeAction } from '../recipe-action';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Gates' };

export default async function GatesPage() {
  const opened = await openPage({ title: 'Gates', role: 'viewer', what: 'gates', load: (db) => readGates(db) });
  if ('shown' in opened) return opened.shown;
  const { me, data: gates } = opened;
  return (
    <div className="space-y-6">
      <PageHeader
        title="Gates"
        description="The four iu_core gates (rows of dot_config) as committed data shows them."
      />
      <GatesView initial={gates} runRecipe={hasRole(me.role, 'lead') ? runRecipeAction : undefined} />
      <Card title="No control opens a gate" description="This page can only close gates.">
        <div className="space-y-2 text-sm text-slate-700" data-testid="no-open-control">
          <p>
            There is no control anywhere in the console to open a gate. A recipe opens{' '}
            <Code>iu_core.composer_enabled</Code> and, for live runs, <Code>iu_core.auto_instantiate_enabled</Code>{' '}
            inside its own transaction and closes them before it commits, so other sessions never see them open.
          </p>
          <p>
            <Code>iu_core.delivery_enabled</Code> and <Code>iu_core.retention_enabled</Code> can never be opened from
            the console, the CLI or any recipe of this project.
          </p>
          <p className="font-medium">From the runbook&apos;s safety reminders:</p>
          <ul className="list-disc space-y-1 pl-5">
            <li>Always close all gates before COMMIT.</li>
            <li>iu_core.auto_instantiate_enabled must default false between operator sessions.</li>
          </ul>
        </div>
      </Card>
    </div>
  );
}
