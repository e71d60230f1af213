import type { BadgeTone } from '@/components/ui/badge';

/** The badge colour of an event-log status. */
export function statusTone(status: string): BadgeTone {
  if (status === 'ok') return 'success';
  if (status === 'idempotent_replay') return 'info';
  if (status.endsWith('_gate_closed')) return 'warning';
  return 'danger';
}
