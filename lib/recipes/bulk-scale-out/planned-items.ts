// The runbook's bulk naming, with no database in reach: the console's form shows the first
// ids and keys a run will use from this, the recipe runs the same function.

/**
 * Event ids are `<prefix><12-digit i>`, suffixes `<batch-tag>-<i>`. The suffix number is
 * padded to at least 3 digits like the runbook, and to more when N needs them: the
 * runbook's lpad(i, 3) cuts 1000 to "100", which would collide.
 */
export function plannedItems(prefix: string, batchTag: string, n: number, from = 1, to = n) {
  const width = Math.max(3, String(n).length);
  const out: { index: number; eventId: string; uniqueSuffix: string }[] = [];
  for (let i = from; i <= to; i++) {
    out.push({
      index: i,
      eventId: `${prefix}${String(i).padStart(12, '0')}`,
      uniqueSuffix: `${batchTag}-${String(i).padStart(width, '0')}`,
    });
  }
  return out;
}

/** The instance key 033 gives an item: `inst:` (live) or `dryrun:` + template key + '/' + suffix. */
export function plannedInstanceKey(emitMode: 'live' | 'dry_run', templateKey: string, uniqueSuffix: string): string {
  return `${emitMode === 'live' ? 'inst:' : 'dryrun:'}${templateKey}/${uniqueSuffix}`;
}
