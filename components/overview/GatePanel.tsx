import type { Gate } from '@/lib/recipes';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Code } from '@/components/ui/code';

// The runbook's safety reminders, word for word, for the two gates this project never opens.
const SAFETY_REMINDERS: Record<string, string> = {
  'iu_core.delivery_enabled': 'Never enable iu_core.delivery_enabled without explicit authority.',
  'iu_core.retention_enabled': 'Never enable iu_core.retention_enabled without a candidates audit.',
};

/** The four iu_core gates as committed data shows them. */
export function GatePanel({ gates }: { gates: Gate[] }) {
  return (
    <Card
      title="Gates"
      description="Rows of dot_config as committed data shows them. All should read closed between operator sessions."
    >
      {gates.length === 0 ? (
        <p className="text-sm text-slate-500">
          No iu_core gates found in dot_config. Run npm run db:migrate to create them.
        </p>
      ) : (
        <ul className="-my-1 divide-y divide-slate-100">
          {gates.map((g) => (
            <li key={g.key} data-testid={`gate-${g.key}`} data-state={g.open ? 'open' : 'closed'} className="py-3">
              <div className="flex items-center justify-between gap-3">
                <Code>{g.key}</Code>
                {g.open ? <Badge tone="danger">Open</Badge> : <Badge tone="success">Closed</Badge>}
              </div>
              {!g.neverOpenedHere && g.description && <p className="mt-1.5 text-sm text-slate-600">{g.description}</p>}
              {g.neverOpenedHere && (
                <div className="mt-2 rounded-md bg-amber-50 px-3 py-2 text-xs leading-relaxed text-amber-900 ring-1 ring-amber-200 ring-inset">
                  <p className="font-medium">{SAFETY_REMINDERS[g.key] ?? `Never enable ${g.key} from this console.`}</p>
                  <p>The console never opens this gate.</p>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
