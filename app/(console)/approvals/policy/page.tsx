import type { Metadata } from 'next';
import { PolicyEditor } from '@/components/approvals/policy-editor';
import { openPage } from '@/components/shell/open-page';
import { PageHeader } from '@/components/shell/PageHeader';
import { Card } from '@/components/ui/card';
import { listFamilyMarks } from '@/lib/approvals/families';
import { describeRule, listPolicy } from '@/lib/approvals/policy';
import { hasRole } from '@/lib/auth/roles';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Approval policy' };

export default async function ApprovalPolicyPage() {
  const opened = await openPage({
    title: 'Approval policy',
    role: 'operator',
    what: 'approval policy',
    load: async (db) => {
      const [policy, families] = await Promise.all([listPolicy(db.orm), listFamilyMarks(db.orm)]);
      return { lines: policy.map((r) => ({ ...r, sentence: describeRule(r) })), families };
    },
  });
  if ('shown' in opened) return opened.shown;
  const canEdit = hasRole(opened.me.role, 'lead');
  return (
    <div className="space-y-6">
      <PageHeader
        title="Approval policy"
        description="Which applies wait for a second person, how many, of which role, and when. Every change is audited (approval_policy_changed)."
      />
      <Card title="Policy" description={canEdit ? 'Change a line with a reason.' : 'Only leads change the policy.'}>
        <PolicyEditor lines={opened.data.lines} families={opened.data.families} canEdit={canEdit} />
      </Card>
    </div>
  );
}
