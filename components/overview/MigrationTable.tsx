import type { MigrationStatus } from '@/db/migrate';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { Table, Td, Th } from '@/components/ui/table';
import { formatTimestamp } from '@/components/ui/format';

/** Which migration files are applied, when, by whom, and whether a file changed since. */
export function MigrationTable({ migrations }: { migrations: MigrationStatus[] }) {
  const applied = migrations.filter((m) => m.applied).length;
  return (
    <Card
      title="Migrations"
      description={`${applied} of ${migrations.length} applied, as recorded in iu_core_schema_migrations.`}
    >
      <Table>
        <thead>
          <tr>
            <Th>Version</Th>
            <Th>Name</Th>
            <Th>State</Th>
            <Th>Applied at</Th>
            <Th>Applied by</Th>
            <Th>Drift</Th>
          </tr>
        </thead>
        <tbody>
          {migrations.map((m) => (
            <tr key={m.version} data-testid={`migration-${m.version}`} data-applied={m.applied ? 'true' : 'false'}>
              <Td className="font-mono">{m.version}</Td>
              <Td className="font-mono text-xs">{m.name}</Td>
              <Td>{m.applied ? <Badge tone="success">Applied</Badge> : <Badge tone="warning">Not applied</Badge>}</Td>
              <Td className="whitespace-nowrap tabular-nums">{formatTimestamp(m.appliedAt)}</Td>
              <Td>{m.appliedBy ?? '—'}</Td>
              <Td>
                {m.drifted ? (
                  <Badge tone="danger">File changed since applied</Badge>
                ) : (
                  <span className="text-slate-400">{m.applied ? 'None' : '—'}</span>
                )}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}
