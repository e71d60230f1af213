import type { Overview } from '@/lib/queries/overview';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Code } from '@/components/ui/code';

/** Where the console's data lives and whether auto-instantiate is available. */
export function DatabasePanel({ overview }: { overview: Overview }) {
  const { database, autoInstantiate, migrations } = overview;
  const applied = migrations.filter((m) => m.applied).length;
  return (
    <Card title="Database">
      <dl className="space-y-3 text-sm">
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Engine</dt>
          <dd className="mt-0.5" data-testid="database-kind">
            {database.kind === 'pglite' ? 'PGlite (embedded PostgreSQL)' : 'PostgreSQL'}
          </dd>
        </div>
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Location</dt>
          <dd className="mt-0.5 break-all" data-testid="database-label">
            <Code>{database.label}</Code>
          </dd>
        </div>
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Migrations</dt>
          <dd className="mt-0.5">
            {applied} of {migrations.length} applied
          </dd>
        </div>
        <div>
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Auto-instantiate</dt>
          <dd className="mt-1">
            {autoInstantiate.available ? (
              <Badge tone="success">Available (migration 033)</Badge>
            ) : (
              <Badge tone="warning">Off: migration 033 not applied</Badge>
            )}
          </dd>
        </div>
      </dl>
    </Card>
  );
}
