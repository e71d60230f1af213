import type { Metadata } from 'next';
import { PageHeader } from '@/components/shell/PageHeader';
import { openPage } from '@/components/shell/open-page';
import { listUsers } from '@/lib/auth/users';
import { UsersAdmin } from './UsersAdmin';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Users' };

export default async function UsersPage() {
  const opened = await openPage({ title: 'Users', role: 'lead', what: 'users', load: (db) => listUsers(db.orm) });
  if ('shown' in opened) return opened.shown;
  const { me, data: users } = opened;
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
