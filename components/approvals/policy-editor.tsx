'use client';

// The lead's approval policy editor: each line (recipe and mode) and each family's critical
// mark, changed with a reason through /api/approvals/policy and /api/approvals/families.
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import type { ApprovalPolicyRow } from '@/db/approvals-schema';
import { postJson, type RouteAnswer } from './post-json';

type Line = ApprovalPolicyRow & { sentence: string };
const input = 'rounded-md border border-slate-300 px-2 py-1 text-sm';

function LineForm({ line, canEdit, onAnswer }: { line: Line; canEdit: boolean; onAnswer: (a: RouteAnswer) => void }) {
  const [v, setV] = useState({
    required: line.required,
    approvers: String(line.approvers),
    minRole: line.minRole,
    condition: line.condition,
    threshold: line.threshold === null ? '' : String(line.threshold),
    reason: '',
  });
  const router = useRouter();
  const set = (k: keyof typeof v) => (e: { target: { value: string } }) => setV({ ...v, [k]: e.target.value });
  const key = `${line.recipe}-${line.mode}`;
  return (
    <form
      data-testid={`policy-${key}`}
      className="grid items-end gap-2 border-b border-slate-100 py-3 md:grid-cols-[1fr_auto_auto_auto_auto_1fr_auto]"
      onSubmit={async (e) => {
        e.preventDefault();
        const a = await postJson('/api/approvals/policy', { recipe: line.recipe, mode: line.mode, ...v });
        onAnswer(a);
        if (a.ok) router.refresh();
      }}
    >
      <p className="text-sm">
        <span className="font-medium">{line.sentence}</span>
        <span className="block text-xs text-slate-500">
          {line.recipe} · {line.mode} · changed by {line.updatedBy}
        </span>
      </p>
      <label className="flex items-center gap-1 text-xs">
        <input
          type="checkbox"
          checked={v.required}
          disabled={!canEdit}
          onChange={(e) => setV({ ...v, required: e.target.checked })}
        />
        needs approval
      </label>
      <label className="text-xs">
        approvers
        <input className={`${input} block w-14`} value={v.approvers} disabled={!canEdit} onChange={set('approvers')} />
      </label>
      <label className="text-xs">
        role
        <select className={`${input} block`} value={v.minRole} disabled={!canEdit} onChange={set('minRole')}>
          <option value="operator">operator+</option>
          <option value="lead">lead</option>
        </select>
      </label>
      <label className="text-xs">
        when
        <select className={`${input} block`} value={v.condition} disabled={!canEdit} onChange={set('condition')}>
          <option value="always">always</option>
          {line.recipe === 'bulk_scale_out' && <option value="bulk_items_at_least">items at least</option>}
          {line.recipe === 'compose_template_version' && <option value="critical_family">critical family</option>}
        </select>
        {v.condition === 'bulk_items_at_least' && (
          <input
            className={`${input} mt-1 block w-24`}
            value={v.threshold}
            disabled={!canEdit}
            onChange={set('threshold')}
            aria-label="items at least"
          />
        )}
      </label>
      <label className="text-xs">
        reason
        <input className={`${input} block w-full`} value={v.reason} disabled={!canEdit} onChange={set('reason')} />
      </label>
      <Button type="submit" variant="secondary" disabled={!canEdit || !v.reason.trim()}>
        Save
      </Button>
    </form>
  );
}

function FamilyRow({
  family,
  critical,
  canEdit,
  onAnswer,
}: {
  family: string;
  critical: boolean;
  canEdit: boolean;
  onAnswer: (a: RouteAnswer) => void;
}) {
  const [reason, setReason] = useState('');
  const router = useRouter();
  return (
    <li className="flex flex-wrap items-center gap-2 py-1 text-sm" data-testid={`family-${family}`}>
      <span className="w-48 font-mono">{family}</span>
      <span className={critical ? 'font-semibold text-red-800' : 'text-slate-500'}>
        {critical ? 'critical' : 'not critical'}
      </span>
      {canEdit && (
        <>
          <input
            className={input}
            placeholder="reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            aria-label={`reason for ${family}`}
          />
          <Button
            variant="secondary"
            disabled={!reason.trim()}
            onClick={async () => {
              const a = await postJson('/api/approvals/families', { family, critical: !critical, reason });
              onAnswer(a);
              if (a.ok) router.refresh();
            }}
          >
            {critical ? 'Unmark' : 'Mark critical'}
          </Button>
        </>
      )}
    </li>
  );
}

export function PolicyEditor({
  lines,
  families,
  canEdit,
}: {
  lines: Line[];
  families: { family: string; critical: boolean }[];
  canEdit: boolean;
}) {
  const [answer, setAnswer] = useState<RouteAnswer | null>(null);
  return (
    <div className="space-y-4">
      {answer && (
        <Alert tone={answer.ok ? 'info' : 'danger'} title={answer.ok ? 'Saved' : 'Refused'} testId="policy-answer">
          <p>{answer.message}</p>
        </Alert>
      )}
      <section>
        {lines.map((l) => (
          <LineForm
            key={`${l.recipe}-${l.mode}-${l.updatedAt.toString()}`}
            line={l}
            canEdit={canEdit}
            onAnswer={setAnswer}
          />
        ))}
      </section>
      <section>
        <h2 className="mt-4 text-sm font-semibold">Families</h2>
        <p className="text-xs text-slate-500">
          A compose commit of a family marked critical needs approval when the policy line above says so.
        </p>
        <ul>
          {families.map((f) => (
            <FamilyRow key={`${f.family}-${f.critical}`} {...f} canEdit={canEdit} onAnswer={setAnswer} />
          ))}
        </ul>
      </section>
    </div>
  );
}
