import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { BodyPreview } from './BodyPreview';
import { FieldError } from './ComposeMessages';
import { isNewPiece, type Row } from './compose-rows';

/** One piece of the new version: keep, replace or drop it (or edit a new one), and move it. */
export function PieceRow({
  row: r,
  position,
  first,
  last,
  errsFor,
  suggested,
  update,
  move,
  remove,
}: {
  row: Row;
  /** Its place in the new version, or null when dropped. */
  position: number | null;
  first: boolean;
  last: boolean;
  /** The last answer's issues at a path under this piece (role, newPiece.body, …). */
  errsFor: (sub: string) => string[];
  /** The address the macro, family and version suggest for its role. */
  suggested: string;
  update: (patch: Partial<Row>) => void;
  move: (by: -1 | 1) => void;
  remove: () => void;
}) {
  const name = r.role || 'new piece';
  const rowErrs = [
    ...errsFor('role'),
    ...errsFor('iuId'),
    ...errsFor('newPiece.canonicalAddress'),
    ...errsFor('newPiece.title'),
    ...errsFor('newPiece.body'),
  ];
  return (
    <li>
      <fieldset
        className={`rounded-lg border p-3 ${r.choice === 'drop' ? 'border-dashed border-slate-300 bg-slate-50 opacity-75' : rowErrs.length ? 'border-red-300' : 'border-slate-200'}`}
        data-testid={`piece-${r.role || r.id}`}
        data-choice={r.origin ? r.choice : 'new'}
      >
        <legend className="px-1 text-sm font-semibold text-slate-900">
          {position ? `Piece ${position}: ${name}` : `Dropped: ${name}`}
        </legend>
        <div className="flex flex-wrap items-center gap-3">
          {r.origin ? (
            <div role="radiogroup" aria-label={`What to do with ${name}`} className="flex flex-wrap gap-3 text-sm">
              {(['keep', 'replace', 'drop'] as const).map((c) => (
                <label key={c} className="flex items-center gap-1">
                  <input
                    type="radio"
                    name={`choice-${r.id}`}
                    value={c}
                    checked={r.choice === c}
                    disabled={c === 'keep' && r.origin!.status !== 'active'}
                    onChange={() => update({ choice: c })}
                  />
                  {c === 'keep' ? 'Keep (reuse)' : c === 'replace' ? 'Replace' : 'Drop'}
                </label>
              ))}
            </div>
          ) : (
            <Badge tone="success">new piece</Badge>
          )}
          {r.origin?.status === 'retired' && <Badge tone="warning">retired: cannot be reused</Badge>}
          <span className="ml-auto flex gap-1">
            <Button
              variant="ghost"
              className="px-2 py-1"
              aria-label={`Move ${name} up`}
              disabled={first}
              onClick={() => move(-1)}
            >
              ↑
            </Button>
            <Button
              variant="ghost"
              className="px-2 py-1"
              aria-label={`Move ${name} down`}
              disabled={last}
              onClick={() => move(1)}
            >
              ↓
            </Button>
            {!r.origin && (
              <Button variant="ghost" className="px-2 py-1" onClick={remove}>
                Remove
              </Button>
            )}
          </span>
        </div>

        {r.choice === 'keep' && r.origin && (
          <div className="mt-2 text-sm">
            <p className="font-medium text-slate-900">{r.origin.title}</p>
            <p className="line-clamp-2 text-slate-600">{r.origin.body}</p>
            <p className="mt-1 text-xs text-slate-500">
              reuses <code className="font-mono">{r.origin.iuId}</code> ·{' '}
              <code className="break-all font-mono">{r.origin.canonicalAddress}</code>
            </p>
            <FieldError id={`err-${r.id}-iu`} messages={errsFor('iuId')} />
          </div>
        )}

        {isNewPiece(r) && r.choice !== 'drop' && (
          <div className="mt-3 grid gap-3 lg:grid-cols-2">
            <div className="space-y-3">
              <Field label="Role" error={errsFor('role')}>
                {(c) => (
                  <input
                    {...c}
                    value={r.role}
                    onChange={(e) => update({ role: e.target.value })}
                    readOnly={!!r.origin}
                    placeholder="open-questions"
                  />
                )}
              </Field>
              <Field
                label="Canonical address"
                controlClassName="font-mono"
                error={errsFor('newPiece.canonicalAddress')}
              >
                {(c) => (
                  <>
                    <input
                      {...c}
                      value={r.address ?? suggested}
                      onChange={(e) => update({ address: e.target.value })}
                      spellCheck={false}
                    />
                    {r.address !== null && r.address !== suggested && (
                      <button
                        type="button"
                        className="mt-1 text-xs text-sky-700 underline"
                        onClick={() => update({ address: null })}
                      >
                        Use the suggested address ({suggested})
                      </button>
                    )}
                  </>
                )}
              </Field>
              <Field label="Piece title" error={errsFor('newPiece.title')}>
                {(c) => <input {...c} value={r.title} onChange={(e) => update({ title: e.target.value })} />}
              </Field>
              <Field label="Body" error={errsFor('newPiece.body')}>
                {(c) => <textarea {...c} value={r.body} onChange={(e) => update({ body: e.target.value })} rows={6} />}
              </Field>
            </div>
            <BodyPreview title={r.title} body={r.body} />
          </div>
        )}
      </fieldset>
    </li>
  );
}
