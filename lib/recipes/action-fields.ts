// The fields and mode rules every recipe's console action shares, written once.
import { z } from 'zod';
import type { AuditMode } from '@/lib/auth/audit';

/** A checkbox from a form ('on'), a JSON boolean, or 'true'/'false' from a query string. */
export const checkbox = z
  .union([z.boolean(), z.literal('on'), z.literal('true'), z.literal('false'), z.literal('')], {
    error: 'A yes/no field takes true or false (a form checkbox sends "on"); send one of those.',
  })
  .optional()
  .transform((v) => v === true || v === 'on' || v === 'true');

/** The checkbox rule on a raw (unparsed) value, for modes read off denied or invalid input. */
export const isChecked = (v: unknown): boolean => v === true || v === 'on' || v === 'true';

/** preview, else the emit mode: live, or a dry run that keeps its dryrun: rows. */
export function previewOrEmitMode(v: Record<string, unknown>): AuditMode {
  if (isChecked(v.preview)) return 'preview';
  return v.emitMode === 'live' ? 'live' : 'dry_run';
}

/** The status and outcome counts of a run, as one sorted line ("ok 4, replay 1"). */
export { formatCounts as countsLine } from '@/lib/format';
