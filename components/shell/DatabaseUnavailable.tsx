import { Alert } from '@/components/ui/alert';

/** Shown in place of a page when the database cannot be opened or read. */
export function DatabaseUnavailable({
  message,
  title = 'The database could not be opened',
}: {
  message: string;
  title?: string;
}) {
  return (
    <Alert tone="danger" title={title} testId="database-unavailable">
      <p>{message}</p>
      <p className="text-red-800/80">Nothing was changed. Fix the cause above, then reload this page.</p>
    </Alert>
  );
}
