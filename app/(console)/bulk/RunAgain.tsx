'use client';

// An interrupted bulk run, one click from running again (POST /api/bulk/jobs/<id>/rerun).
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import type { BulkJobView } from '@/lib/bulk/jobs';

/** An interrupted run, one click from running again (its plan, while valid), or the word to preflight anew. */
export function RunAgain({ job }: { job: BulkJobView }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<{ message: string; needsPreflight: boolean } | null>(null);
  const run = async () => {
    setPending(true);
    setError(null);
    const res = await fetch(`/api/bulk/jobs/${job.id}/rerun`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const body = await res.json().catch(() => ({}));
    if (res.ok && body.jobId) router.push(`/bulk/${body.jobId}`);
    else
      setError({
        message: body.error ?? body.result?.message ?? `HTTP ${res.status}`,
        needsPreflight: !!body.needsPreflight,
      });
    setPending(false);
  };
  return (
    <div className="space-y-2" data-testid="job-rerun">
      <div className="flex items-center gap-3">
        <Button onClick={() => void run()} disabled={pending}>
          {pending ? 'Starting…' : 'Run it again'}
        </Button>
        <span className="text-xs text-slate-500">
          {job.mode === 'preview'
            ? 'The same preflight, from the start.'
            : 'The same batch and reason, applying the same plan while it is still valid.'}
        </span>
      </div>
      {error && (
        <Alert
          tone={error.needsPreflight ? 'warning' : 'danger'}
          title={error.needsPreflight ? 'A new preflight is needed' : 'Not started'}
          testId="job-rerun-error"
        >
          <p>{error.message}</p>
          {error.needsPreflight && (
            <Link href="/bulk" className="text-sky-700 hover:underline">
              Go to the bulk page for a new preflight
            </Link>
          )}
        </Alert>
      )}
    </div>
  );
}
