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
import { Card } from '@/components/ui/card';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Field } from '@/components/ui/field';
import type { ComposeBase } from '@/lib/queries/compose';
import { suggestAddress } from '@/lib/recipes/address';
import type { definition as compose } from '@/lib/recipes/compose-template-version/recipe';
import type { RunRecipe } from '@/lib/recipes/define';
import { ComposePreview } from './ComposePreview';
import { CommitRefusal, FieldError } from './ComposeMessages';
import { PieceRow } from './PieceRow';
import { fromBase, isNewPiece, readable, WORDS, type Result, type Row } from './compose-rows';

/**
 * The wizard for one family; `base` is the version it starts from (null for a new family's v1),
 * `runRecipe` the console's recipe action (app/(console)/recipe-action.ts).
 */
export function ComposeWizard({
  family,
  base,
  runRecipe,
}: {
  family: string;
  base: ComposeBase | null;
  runRecipe: RunRecipe;
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
      () => runRecipe<typeof compose>('compose-template-version', { ...input, preview: true }),
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
        const r = await runRecipe<typeof compose>('compose-template-version', {
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
            {rows.map((r, i) => (
              <PieceRow
                key={r.id}
                row={r}
                position={r.choice === 'drop' ? null : submitted.indexOf(r) + 1}
                first={i === 0}
                last={i === rows.length - 1}
                errsFor={(sub) => pieceIssues(r, sub)}
                suggested={suggestAddress(macro, familyName, nextSeq, r.role)}
                update={(patch) => update(r.id, patch)}
                move={(by) => move(i, by)}
                remove={() => setRows((rs) => rs.filter((x) => x.id !== r.id))}
              />
            ))}
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
