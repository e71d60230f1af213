import type { ReactNode } from 'react';
import { cn } from './cn';

export type AlertTone = 'danger' | 'warning' | 'info';

const TONES: Record<AlertTone, string> = {
  danger: 'border-red-300 bg-red-50 text-red-900',
  warning: 'border-amber-300 bg-amber-50 text-amber-900',
  info: 'border-sky-200 bg-sky-50 text-sky-900',
};

/** A boxed message; `danger` alerts are announced to screen readers at once. */
export function Alert({
  tone = 'info',
  title,
  children,
  className,
  testId,
}: {
  tone?: AlertTone;
  title: ReactNode;
  children?: ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <div
      role={tone === 'danger' ? 'alert' : 'status'}
      data-testid={testId}
      className={cn('rounded-lg border px-4 py-3 text-sm', TONES[tone], className)}
    >
      <p className="font-semibold">{title}</p>
      {children && <div className="mt-1 space-y-1 leading-relaxed">{children}</div>}
    </div>
  );
}
