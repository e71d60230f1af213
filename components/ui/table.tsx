import type { ReactNode, ThHTMLAttributes, TdHTMLAttributes } from 'react';
import { cn } from './cn';

/**
 * A plain data table that scrolls sideways inside its card when wider than it, its first
 * column kept in view (app/globals.css). In a Card's body it reaches the card's edges.
 */
export function Table({ children, className }: { children: ReactNode; className?: string }) {
  return (
    // tabIndex: a keyboard must be able to scroll it too; relative: a visually hidden label in a cell
    // (sr-only, absolutely placed) stays inside the scroller instead of widening the page
    <div
      className="table-scroll relative overflow-x-auto focus-visible:outline-2 focus-visible:outline-sky-600"
      tabIndex={0}
    >
      <table className={cn('data-table w-full border-collapse text-left text-sm', className)}>{children}</table>
    </div>
  );
}

export function Th({ className, ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th
      scope="col"
      className={cn(
        'border-b border-slate-200 px-5 py-2 text-xs font-medium uppercase tracking-wide text-slate-500',
        className,
      )}
      {...props}
    />
  );
}

/** A cell of a Table: its padding, border and colour come from `.data-table td` (app/globals.css). */
export function Td(props: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td {...props} />;
}
