import { cn } from '@/components/ui/cn';

// Piece bodies are plain prose: the runbook's and the seed's are sentences, the substrate
// stores text, and every page prints them as text. So the preview shows the text as it is
// stored, line breaks kept, rather than rendering markdown that the bodies are not (a
// markdown renderer would turn a stray "*" or "1." into formatting nobody else shows).
/** A piece as it will read: its title over its body, line breaks kept. */
export function BodyPreview({ title, body, className }: { title: string; body: string; className?: string }) {
  const empty = !body.trim();
  return (
    <div className={cn('rounded-md border border-slate-200 bg-slate-50 p-3', className)} data-testid="body-preview">
      <p className="text-xs font-medium uppercase tracking-wide text-slate-500">Preview</p>
      <h4 className="mt-1 text-sm font-semibold text-slate-900">
        {title.trim() || <span className="italic text-slate-400">No title yet</span>}
      </h4>
      {empty ? (
        <p className="mt-1 text-sm italic text-slate-400">No text yet.</p>
      ) : (
        <p className="mt-1 whitespace-pre-wrap break-words text-sm leading-relaxed text-slate-700">{body.trim()}</p>
      )}
    </div>
  );
}
