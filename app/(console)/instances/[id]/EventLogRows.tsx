// The event-log rows of an instance's event: on a standing instance's page and on a rolled-back one's.
import Link from 'next/link';
import { statusTone } from '@/components/events/status';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { formatTimestamp } from '@/components/ui/format';
import { Table, Td, Th } from '@/components/ui/table';

export function EventLogRows({
  events,
}: {
  events: { id: number; status: string; triggeredBy: string; createdAt: Date }[];
}) {
  return (
    <Card title="Event-log rows of this event">
      <Table>
        <thead>
          <tr>
            <Th>Log id</Th>
            <Th>Status</Th>
            <Th>Actor</Th>
            <Th>Time</Th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <Td>
                <Link className="text-sky-700 underline" href={`/events?event=${e.id}`}>
                  #{e.id}
                </Link>
              </Td>
              <Td>
                <Badge tone={statusTone(e.status)}>{e.status}</Badge>
              </Td>
              <Td>{e.triggeredBy}</Td>
              <Td>{formatTimestamp(e.createdAt)}</Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </Card>
  );
}
