'use client';

// The "new template version" wizard: the latest version's pieces by role, each kept (reused
// by id), replaced (a new piece, prefilled with the old text) or dropped; pieces reordered
// and added; a preview that runs the whole recipe and rolls back; a commit behind the
// confirm dialog. The commit sends exactly the input the preview ran, and is offered only
// while the form still matches it (the server checks that again).
import Link from 'next/link';
import { useMemo, useRef, useState, type ReactNode } from 'react';
import { ActionResultView } from '@/components/console/ActionResultView';
import { PlanWhy } from '@/components/plan/plan-panel';
import { composePlanParams } from '@/components/plan/plan-params';
import { usePlanFlow } from '@/components/plan/use-plan-flow';
import { Button } from '@/components/ui/button';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import type { ActionResult, ApplyFields } from '@/lib/auth/authorize';
import type { BasePiece, ComposeBase } from '@/lib/queries/compose';
import { suggestAddress } from '@/lib/recipes/address';
import type { ComposeActionInput, ComposeResult } from '@/lib/recipes/compose-template-version';
import { BodyPreview } from './BodyPreview';
import { ComposePreview } from './ComposePreview';

type Choice = 'keep' | 'replace' | 'drop';

interface Row {
  id: string;
  /** The previous version's piece, or null for a piece added here. */
  origin: BasePiece | null;
  choice: Choice;
  role: string;
  title: string;
  body: string;
  /** Set once the person edits the address; until then it follows the suggestion. */
  address: string | null;
}

type Result = ActionResult<ComposeResult>;
export type ComposeActionFn = (input: ComposeActionInput & ApplyFields) => Promise<Result>;

const WORDS = {
  preview: 'preview',
  labels: {
    family: 'Family',
    kind: 'Kind',
    title: 'Title',
    description: 'Description',
    label: 'Template label',
    note: 'Note',
    runTag: 'Run tag',
    pieces: 'Pieces',
    previousCollectionId: 'Previous version',
  },
};

function fromBase(p: BasePiece, i: number): Row {
  // a retired piece cannot be reused: start it as a replacement with its old text
  return {
    id: `base-${i}`,
    origin: p,
    choice: p.status === 'active' ? 'keep' : 'replace',
    role: p.role,
    title: p.title,
    body: p.body,
    address: null,
  };
}

const isNewPiece = (r: Row) => r.origin === null || r.choice === 'replace';

const FIELD_NAMES: Record<string, string> = {
  family: 'Family',
  title: 'Title',
  label: 'Template label',
  description: 'Description',
  note: 'Note',
  kind: 'Kind',
  runTag: 'Run tag',
  reason: 'Reason',
  previousCollectionId: 'Previous version',
  pieces: 'Pieces',
  role: 'role',
  iuId: 'reused piece',
  'newPiece.canonicalAddress': 'canonical address',
  'newPiece.title': 'piece title',
  'newPiece.body': 'body',
};

/** An answer whose issue paths (pieces.3.newPiece.body) read as the form does (Piece 4 (risks), body). */
function readable(r: Result, sent: string[]): Result {
  if (r.ok || !r.issues?.length) return r;
  const name = (field: string) => {
    const m = /^pieces\.(\d+)\.(.+)$/.exec(field);
    if (!m) return FIELD_NAMES[field] ?? field;
    const role = sent[Number(m[1])];
    return `Piece ${Number(m[1]) + 1}${role ? ` (${role})` : ''}, ${FIELD_NAMES[m[2]] ?? m[2]}`;
  };
  return { ...r, issues: r.issues.map((i) => ({ ...i, field: name(i.field) })) };
}

function FieldError({ id, messages }: { id: string; messages: string[] }) {
  if (!messages.length) return null;
  return (
    <p id={id} className="mt-1 text-xs text-red-700" data-testid="field-error">
      {messages.join(' ')}
    </p>
  );
}

/** The wizard for one family; `base` is the version it starts from (null for a new family's v1). */
export function ComposeWizard({
  family,
  base,
  action,
}: {
  family: string;
  base: ComposeBase | null;
  action: ComposeActionFn;
}) {
  const nextSeq = base ? base.latestSeq + 1 : 1;
  const nextLabel = `v${nextSeq}`;
  const familyName = family.replace(/^tpl:/, '');

  const [title, setTitle] = useState(base?.title ?? '');
  const [label, setLabel] = useState(base ? `${base.title} ${nextLabel}` : '');
  const [description, setDescription] = useState(base?.description ?? '');
  const [note, setNote] = useState('');
  const [kind, setKind] = useState(base?.kind ?? 'design_doc');
  const [macro, setMacro] = useState(base?.macro ?? 'doc');
  const [runTag, setRunTag] = useState('');
  const [rows, setRows] = useState<Row[]>(() => (base ? base.pieces.map(fromBase) : []));
  // ids the server render and the browser agree on: positions for the base pieces, a counter for added ones
  const added = useRef(0);

  const [previewed, setPreviewed] = useState<{ result: Result; roles: string[] } | null>(null);
  const [committed, setCommitted] = useState<Result | null>(null);

  const addressOf = (r: Row) => r.address ?? suggestAddress(macro, familyName, nextSeq, r.role);
  const update = (id: string, patch: Partial<Row>) =>
    setRows((rs) => rs.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  const move = (i: number, by: -1 | 1) =>
    setRows((rs) => {
      const j = i + by;
      if (j < 0 || j >= rs.length) return rs;
      const next = [...rs];
      [next[i], next[j]] = [next[j], next[i]];
      return next;
    });

  const submitted = rows.filter((r) => r.choice !== 'drop');
  const input = useMemo(
    () => ({
      family,
      kind,
      title,
      description,
      label,
      note,
      runTag,
      ...(base ? { previousCollectionId: base.latestCollectionId } : {}),
      pieces: rows
        .filter((r) => r.choice !== 'drop')
        .map((r) =>
          isNewPiece(r)
            ? {
                role: r.role,
                newPiece: {
                  canonicalAddress: r.address ?? suggestAddress(macro, familyName, nextSeq, r.role),
                  title: r.title,
                  body: r.body,
                  unitKind: r.origin?.unitKind ?? 'design_doc_section',
                  sectionType: r.origin?.sectionType ?? 'section',
                },
              }
            : { role: r.role, iuId: r.origin!.iuId },
        ),
    }),
    [family, kind, title, description, label, note, runTag, base, rows, macro, familyName, nextSeq],
  );
  const now = useMemo(() => composePlanParams(input), [input]);
  const flow = usePlanFlow<Result>({ now, words: WORDS });
  const pending = flow.pending;
  const confirmOpen = flow.dialog.kind === 'apply';

  // the last answer's field issues by path; a piece's (pieces.<i>.…, i its position in what
  // was sent) are re-keyed to its row, so they stay with the piece if it is moved afterwards
  const [issues, setIssues] = useState<Map<string, string[]>>(new Map());
  const collect = (r: Result, ids: string[]) => {
    const m = new Map<string, string[]>();
    if (!r.ok) {
      for (const i of r.issues ?? []) {
        const hit = /^pieces\.(\d+)\.(.+)$/.exec(i.field);
        const key = hit && ids[Number(hit[1])] ? `${ids[Number(hit[1])]}:${hit[2]}` : i.field;
        m.set(key, [...(m.get(key) ?? []), i.message]);
      }
    }
    setIssues(m);
  };
  const issuesAt = (path: string) => issues.get(path) ?? [];
  const pieceIssues = (r: Row, sub: string) => issuesAt(`${r.id}:${sub}`);

  const previewOk = previewed?.result.ok ? (previewed.result as Extract<Result, { ok: true }>) : null;
  // the commit is offered only while the form still matches the preview's plan
  const stale = !!flow.planned && !flow.ready;
  const canCommit = !!previewOk && flow.ready && !committed;
  const done = committed?.ok ? (committed as Extract<Result, { ok: true }>) : null;

  const titles = Object.fromEntries(submitted.map((r) => [r.role, isNewPiece(r) ? r.title : (r.origin?.title ?? '')]));
  const keptRoles = new Set(submitted.map((r) => r.role));
  const dropped = (base?.pieces ?? []).map((p) => p.role).filter((role) => !keptRoles.has(role));

  const runPreview = () => {
    const ids = submitted.map((x) => x.id);
    const roles = submitted.map((x) => x.role);
    flow.preview(
      now,
      () => action({ ...input, preview: true }),
      (r) => {
        setPreviewed({ result: r, roles });
        collect(r, ids);
      },
    );
  };

  const runCommit = (reason: string) => {
    if (!previewOk) return;
    const ids = submitted.map((x) => x.id);
    const roles = submitted.map((x) => x.role);
    flow.apply(
      // the commit applies the preview's plan, and makes exactly the version it showed
      async (planId) => {
        const r = await action({
          ...input,
          preview: false,
          reason,
          planId,
          confirmText: previewOk.result.collectionKey,
        });
        collect(r, ids);
        return r;
      },
      (r) => setCommitted(r),
      (r) => <CommitRefusal result={readable(r, roles)} />,
    );
  };

  const text = (
    name: string,
    labelText: ReactNode,
    value: string,
    set: (s: string) => void,
    opts: { placeholder?: string; multiline?: boolean; hint?: string } = {},
  ) => (
    <Field label={labelText} hint={opts.hint} error={issuesAt(name)}>
      {(c) => {
        const common = {
          ...c,
          name,
          value,
          onChange: (e: { target: { value: string } }) => set(e.target.value),
          placeholder: opts.placeholder,
        };
        return opts.multiline ? <textarea rows={2} {...common} /> : <input {...common} />;
      }}
    </Field>
  );

  return (
    <div className="space-y-6" data-testid="compose-wizard">
      <fieldset disabled={!!done || pending} className="space-y-6">
        <Card
          title={`2. Version ${nextLabel} of ${family}`}
          description={
            base
              ? `Starts from ${base.latestLabel} (${base.collectionKey})${base.registered ? '' : ', which is registered as v1 in the same step'}. The new version will be ${family}/${nextLabel}.`
              : `The first version of a new family: ${family}/v1.`
          }
        >
          <div className="grid gap-4 md:grid-cols-2">
            {text('title', 'Title', title, setTitle)}
            {text('label', 'Template label', label, setLabel, {
              hint: 'Shown next to the version in the chain, e.g. "Design review v4: data retention".',
            })}
            {text('description', 'Description (optional)', description, setDescription, { multiline: true })}
            {text('note', 'Note (optional)', note, setNote, {
              multiline: true,
              hint: 'Kept with the template mark: why this version exists.',
            })}
            {text('kind', 'Kind', kind, setKind)}
            {text('macro', 'Address macro', macro, setMacro, {
              hint: `New pieces are addressed iu_core/template/<macro>/${familyName}-${nextLabel}/<piece-name>.`,
            })}
            {text('runTag', 'Run tag (optional)', runTag, setRunTag, {
              placeholder: 'canary-3',
              hint: 'Recorded as <you>:<tag>.',
            })}
          </div>
          <FieldError id="err-family" messages={[...issuesAt('family'), ...issuesAt('previousCollectionId')]} />
        </Card>

        <Card
          title="3. Pieces"
          description="Keep reuses the piece as it is (by id); replace makes a new piece with the text you edit; drop leaves the role out. Order is the order of the new version."
          actions={
            <Button
              variant="secondary"
              className="whitespace-nowrap"
              onClick={() =>
                setRows((rs) => [
                  ...rs,
                  {
                    id: `added-${++added.current}`,
                    origin: null,
                    choice: 'replace',
                    role: '',
                    title: '',
                    body: '',
                    address: null,
                  },
                ])
              }
            >
              Add a piece
            </Button>
          }
        >
          {rows.length === 0 && <p className="text-sm text-slate-600">No pieces yet: add one.</p>}
          <FieldError id="err-pieces" messages={issuesAt('pieces')} />
          <ol className="space-y-3" data-testid="piece-list">
            {rows.map((r, i) => {
              const position = r.choice === 'drop' ? null : submitted.indexOf(r) + 1;
              const name = r.role || 'new piece';
              const errsFor = (sub: string) => pieceIssues(r, sub);
              const rowErrs = [
                ...errsFor('role'),
                ...errsFor('iuId'),
                ...errsFor('newPiece.canonicalAddress'),
                ...errsFor('newPiece.title'),
                ...errsFor('newPiece.body'),
              ];
              return (
                <li key={r.id}>
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
                        <div
                          role="radiogroup"
                          aria-label={`What to do with ${name}`}
                          className="flex flex-wrap gap-3 text-sm"
                        >
                          {(['keep', 'replace', 'drop'] as const).map((c) => (
                            <label key={c} className="flex items-center gap-1">
                              <input
                                type="radio"
                                name={`choice-${r.id}`}
                                value={c}
                                checked={r.choice === c}
                                disabled={c === 'keep' && r.origin!.status !== 'active'}
                                onChange={() => update(r.id, { choice: c })}
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
                          disabled={i === 0}
                          onClick={() => move(i, -1)}
                        >
                          ↑
                        </Button>
                        <Button
                          variant="ghost"
                          className="px-2 py-1"
                          aria-label={`Move ${name} down`}
                          disabled={i === rows.length - 1}
                          onClick={() => move(i, 1)}
                        >
                          ↓
                        </Button>
                        {!r.origin && (
                          <Button
                            variant="ghost"
                            className="px-2 py-1"
                            onClick={() => setRows((rs) => rs.filter((x) => x.id !== r.id))}
                          >
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
                                onChange={(e) => update(r.id, { role: e.target.value })}
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
                                  value={addressOf(r)}
                                  onChange={(e) => update(r.id, { address: e.target.value })}
                                  spellCheck={false}
                                />
                                {r.address !== null &&
                                  r.address !== suggestAddress(macro, familyName, nextSeq, r.role) && (
                                    <button
                                      type="button"
                                      className="mt-1 text-xs text-sky-700 underline"
                                      onClick={() => update(r.id, { address: null })}
                                    >
                                      Use the suggested address ({suggestAddress(macro, familyName, nextSeq, r.role)})
                                    </button>
                                  )}
                              </>
                            )}
                          </Field>
                          <Field label="Piece title" error={errsFor('newPiece.title')}>
                            {(c) => (
                              <input {...c} value={r.title} onChange={(e) => update(r.id, { title: e.target.value })} />
                            )}
                          </Field>
                          <Field label="Body" error={errsFor('newPiece.body')}>
                            {(c) => (
                              <textarea
                                {...c}
                                value={r.body}
                                onChange={(e) => update(r.id, { body: e.target.value })}
                                rows={6}
                              />
                            )}
                          </Field>
                        </div>
                        <BodyPreview title={r.title} body={r.body} />
                      </div>
                    )}
                  </fieldset>
                </li>
              );
            })}
          </ol>
        </Card>
      </fieldset>

      <Card
        title="4. Preview and commit"
        description="The preview runs the whole recipe (compose, mark, register) in a transaction and rolls it back: what it shows is exactly what a commit makes."
      >
        <div className="flex flex-wrap items-center gap-3">
          <Button onClick={runPreview} disabled={pending || !!done} data-testid="preview-button">
            {flow.running === 'preview' ? 'Running…' : 'Preview'}
          </Button>
          <Button
            variant="danger"
            onClick={() => flow.dialog.open('apply')}
            disabled={!canCommit || pending}
            data-testid="commit-button"
          >
            {previewOk ? `Commit ${previewOk.result.collectionKey}…` : 'Commit…'}
          </Button>
          {stale && !done && (
            <p className="text-sm text-amber-800" data-testid="preview-stale">
              The form changed since the preview; preview again before committing.
            </p>
          )}
          {!done && (flow.gone?.kind === 'refused' || flow.check.approval) && <PlanWhy check={flow.check} />}
        </div>

        <div className="mt-4 space-y-4">
          {done ? (
            <ActionResultView result={done}>
              <div className="mt-3 rounded-md bg-white p-3 text-slate-900">
                <ComposePreview result={done.result} titles={titles} dropped={dropped} committed />
                <p className="mt-3 flex flex-wrap gap-4">
                  <Link
                    className="text-sky-700 underline"
                    href={`/templates/families/${encodeURIComponent(done.result.family)}?highlight=${done.result.versionLabel}`}
                  >
                    Open {done.result.family}
                  </Link>
                  <a
                    className="text-sky-700 underline"
                    href={`/compose?family=${encodeURIComponent(done.result.family)}`}
                  >
                    Compose the next version
                  </a>
                </p>
              </div>
            </ActionResultView>
          ) : previewed ? (
            <ActionResultView result={readable(previewed.result, previewed.roles)}>
              {previewOk && (
                <div className="mt-3 rounded-md bg-white p-3 text-slate-900">
                  <ComposePreview result={previewOk.result} titles={titles} dropped={dropped} committed={false} />
                </div>
              )}
            </ActionResultView>
          ) : null}
        </div>
      </Card>

      {previewOk && (
        <ConfirmDialog
          open={confirmOpen}
          onOpenChange={(o) => {
            if (!o) flow.dialog.close();
          }}
          title={`Commit ${previewOk.result.collectionKey}`}
          confirmLabel={`Register ${previewOk.result.versionLabel}`}
          typeToConfirm={{ label: "Type the new version's key to confirm:", value: previewOk.result.collectionKey }}
          requireReason
          pending={pending}
          error={flow.dialog.error}
          plan={flow.planned?.plan ?? null}
          blocked={flow.ready ? undefined : flow.check.why}
          onConfirm={runCommit}
        >
          <p>
            This composes <strong>{previewOk.result.collectionKey}</strong> with {previewOk.result.newPieceIds.length}{' '}
            new and {previewOk.result.pieces.length - previewOk.result.newPieceIds.length} reused pieces, marks it as a
            template and registers it
            {previewOk.result.previous ? ` after ${previewOk.result.previous.versionLabel}` : ' as the first version'},
            as actor <span className="font-mono">{previewOk.result.actor}</span>.
          </p>
          <p>A registered version stays in the chain; the console cannot take it back.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function CommitRefusal({ result }: { result: Result }) {
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
