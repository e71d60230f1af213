'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { PageHeader } from '@/components/shell/PageHeader';

/** A 404 for a template family with no registered version; the family is read from the address. */
export default function FamilyNotFound() {
  const segment = usePathname().split('/').at(-1) ?? '';
  let family = segment;
  try {
    family = decodeURIComponent(segment);
  } catch {
    // shown as it came
  }
  return (
    <div className="space-y-6" data-testid="family-not-found">
      <title>Template family not found · IU Core Console</title>
      <PageHeader title="Template family not found" />
      <p className="text-sm text-slate-600">
        No version of {family} is registered. A family is written <code>tpl:name</code>;{' '}
        <Link className="text-sky-700 underline" href="/templates">
          all templates
        </Link>{' '}
        lists every family there is.
      </p>
    </div>
  );
}
