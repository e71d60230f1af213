import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { NotAllowed } from '@/components/shell/NotAllowed';
import { Table, Td, Th } from '@/components/ui/table';
import { listAudit } from '@/lib/auth/audit';
import { requireRole } from '@/lib/server/auth';
import { getDb } from '@/lib/server/db';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Audit trail' };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const { allowed } = await requireRole('lead');
  if (!allowed) return <NotAllowed need="lead" />;
  const { username } = await searchParams;
  const rows = await listAudit((await getDb()).orm, { username: username || undefined, limit: 200 });
  return (
    <div className="space-y-6">
      <PageHeader
        title="Audit trail"
        description="Every console and CLI attempt: previews, live runs, refusals and denials, newest first."
        meta={
          <a className="rounded-md border border-slate-300 px-3 py-1.5 text-sm" href={`/api/audit?download=1&limit=5000${username ? `&username=${encodeURIComponent(username)}` : ''}`}>
            Export JSON
          </a>
        }
      />
      <section className="rounded-lg border border-slate-200 bg-white shadow-sm">
        <Table>
          <thead>
            <tr>
              <Th>Started</Th>
              <Th>Who (role)</Th>
              <Th>Recipe</Th>
              <Th>Mode</Th>
              <Th>Decision</Th>
              <Th>Status</Th>
              <Th>Actor</Th>
              <Th>Reason</Th>
              <Th>Summary</Th>
              <Th>IP</Th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-testid={`audit-${r.id}`} data-username={r.username} data-decision={r.decision} data-recipe={r.recipe}>
                <Td className="whitespace-nowrap">{r.startedAt.toISOString().slice(0, 19).replace('T', ' ')}</Td>
                <Td>
                  {r.username} ({r.role ?? 'none'})
                </Td>
                <Td className="font-mono">{r.recipe}</Td>
                <Td>{r.mode}</Td>
                <Td>{r.decision}</Td>
                <Td className="font-mono">{r.status}</Td>
                <Td className="font-mono">{r.actor ?? '—'}</Td>
                <Td>{r.reason ?? '—'}</Td>
                <Td className="max-w-md">{r.summary}</Td>
                <Td className="font-mono">{r.ip ?? '—'}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </section>
    </div>
  );
}
