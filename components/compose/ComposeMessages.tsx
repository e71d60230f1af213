import type { Result } from './compose-rows';

export function FieldError({ id, messages }: { id: string; messages: string[] }) {
  if (!messages.length) return null;
  return (
    <p id={id} className="mt-1 text-xs text-red-700" data-testid="field-error">
      {messages.join(' ')}
    </p>
  );
}

/** A commit the server refused: the dialog keeps it open with this. */
export function CommitRefusal({ result }: { result: Result }) {
  if (result.ok) return null;
  return (
    <div data-status={result.status}>
      <p className="font-semibold">Refused · {result.status}</p>
      <p>{result.message}</p>
      {result.issues?.map((i) => (
        <p key={`${i.field}-${i.message}`}>
          <span className="font-mono">{i.field}</span>: {i.message}
        </p>
      ))}
    </div>
  );
}
