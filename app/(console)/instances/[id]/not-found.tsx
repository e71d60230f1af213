'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { PageHeader } from '@/components/shell/PageHeader';

/** A 404 for an instance id or key that names no instance now; the id is read from the address. */
export default function InstanceNotFound() {
  const segment = usePathname().split('/').at(-1) ?? '';
  let id = segment;
  try {
    id = decodeURIComponent(segment);
  } catch {
    // shown as it came
  }
  return (
    <div className="space-y-6" data-testid="instance-not-found">
      <title>Instance not found · IU Core Console</title>
      <PageHeader title="Instance not found" />
      <p className="text-sm text-slate-600">
        No instance has the id or key <code>{id}</code>, and no event ever made one with it (an instance that was rolled
        back keeps its page, with its history). Search for its event id or key with the box at the top left, or open the{' '}
        <Link className="text-sky-700 underline" href="/events">
          event log
        </Link>
        .
      </p>
    </div>
  );
}
