// One form field for every console form: a label, the control, a hint and the field's errors,
// wired for assistive technology (the label names the control; hint and error describe it,
// and aria-invalid marks it). One class string for every input, select and textarea.
import { useId, type ReactNode } from 'react';
import { cn } from './cn';

/** The class of every text input, select and textarea; red while aria-invalid is true. */
export const controlClass =
  'mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-sky-500 focus:outline-none ' +
  'aria-[invalid=true]:border-red-500';

export const labelClass = 'block text-sm font-medium text-slate-700';

/** What a Field hands its control: spread it on the input, select or textarea. */
export interface ControlProps {
  id: string;
  className: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

export interface FieldProps {
  label: ReactNode;
  /** Shown under the control while it has no error. */
  hint?: ReactNode;
  /** The field's errors; any makes the control aria-invalid and replaces the hint. */
  error?: string | readonly string[] | null;
  /** Extra classes for the control (font-mono for keys and ids). */
  controlClassName?: string;
  /** Test id of the hint line (it also carries the error when there is one). */
  hintTestId?: string;
  /** Announce hint and error changes as the person types (a check that runs on every key). */
  live?: boolean;
  className?: string;
  /** Renders the control (and anything beside it, such as a Generate button). */
  children: (control: ControlProps) => ReactNode;
}

/** A label, its control, a hint and the field's errors. */
export function Field({ label, hint, error, controlClassName, hintTestId, live, className, children }: FieldProps) {
  const id = useId();
  const noteId = `${id}-note`;
  const errors = error == null ? [] : typeof error === 'string' ? [error] : [...error];
  const invalid = errors.length > 0;
  const note = invalid ? errors.join(' ') : hint;
  return (
    <div className={className}>
      <label htmlFor={id} className={labelClass}>
        {label}
      </label>
      {children({
        id,
        className: cn(controlClass, controlClassName),
        'aria-invalid': invalid,
        'aria-describedby': note ? noteId : undefined,
      })}
      {note ? (
        <p
          id={noteId}
          data-testid={hintTestId ?? (invalid ? 'field-error' : undefined)}
          aria-live={live ? 'polite' : undefined}
          className={cn('mt-1 text-xs', invalid ? 'text-red-700' : 'text-slate-500')}
        >
          {note}
        </p>
      ) : null}
    </div>
  );
}
