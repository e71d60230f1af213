import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { NotAllowed } from '@/components/shell/NotAllowed';
import { listUsers } from '@/lib/auth/users';
import { requireRole } from '@/lib/server/auth';
import { getDb } from '@/lib/server/db';
import { UsersAdmin } from './UsersAdmin';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Users' };

export default async function UsersPage() {
  const { me, allowed } = await requireRole('lead');
  if (!allowed) return <NotAllowed need="lead" />;
  const users = await listUsers((await getDb()).orm);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Users"
        description="Add people, set their role, disable them. Every change needs a reason and is audited."
      />
      <UsersAdmin
        me={me.username}
        users={users.map((u) => ({
          username: u.username,
          role: u.role,
          disabled: u.disabled,
          mustChangePassword: u.mustChangePassword,
          source: u.source,
        }))}
      />
    </div>
  );
}
