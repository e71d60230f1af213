// Password strength: every path that sets a password checks it with zxcvbn, and a weak one
// is refused with a sentence that says what to do, writing nothing.
import { describe, expect, it } from 'vitest';
import {
  bootstrapLead,
  createUser,
  passwordSchema,
  passwordSchemaFor,
  resetPassword,
  UserAdminError,
} from '@/lib/auth/users';
import { backends, useTestDatabase } from './helpers/db';
import { count } from './helpers/substrate';

const WEAK = ['aaaaaaaaaa', '1234567890', 'qwertyuiop', 'password123', 'Password1!'];
const STRONG = ['correct horse battery staple', 'e2e-admin-password-1', 'It6pYe7YRolk5ausZjr7'];

describe('the password rule', () => {
  it.each(WEAK)('refuses %s with a sentence that says what to do', (pw) => {
    const r = passwordSchema.safeParse(pw);
    expect(r.success).toBe(false);
    const message = r.error!.issues.map((i) => i.message).join(' ');
    expect(message).toMatch(/too easy to guess/);
    expect(message).toMatch(/choose a longer one, such as four unrelated words/);
  });

  it('names what makes aaaaaaaaaa weak', () => {
    expect(passwordSchema.safeParse('aaaaaaaaaa').error!.issues[0].message).toContain('repeated characters');
  });

  it.each(STRONG)('accepts %s', (pw) => {
    expect(passwordSchema.safeParse(pw).success).toBe(true);
  });

  it('counts the user name as an easy guess', () => {
    expect(passwordSchema.safeParse('margarethe-2019').success).toBe(true);
    expect(passwordSchemaFor('margarethe').safeParse('margarethe-2019').success).toBe(false);
  });

  it('still says when a password is too short', () => {
    expect(passwordSchema.safeParse('x7#Kp!2').error!.issues[0].message).toBe(
      'Choose a password of at least 10 characters.',
    );
  });
});

describe.each(backends())('setting a password on $name', (backend) => {
  const t = useTestDatabase(backend);

  it('refuses a weak password when a user is made or reset, and writes nothing', async () => {
    await expect(
      createUser(t.db.orm, { username: 'wes', password: 'aaaaaaaaaa', role: 'viewer', mustChangePassword: false }),
    ).rejects.toThrow(/too easy to guess/);
    expect(await count(t.db, "auth_user WHERE username = 'wes'")).toBe(0);
    await createUser(t.db.orm, {
      username: 'wes',
      password: 'correct horse battery',
      role: 'viewer',
      mustChangePassword: false,
    });
    const [before] = await t.db.query<{ password: string }>(
      "SELECT a.password FROM auth_account a JOIN auth_user u ON u.id = a.user_id WHERE u.username = 'wes'",
    );
    await expect(resetPassword(t.db.orm, 'wes', '1234567890', false)).rejects.toBeInstanceOf(UserAdminError);
    const [after] = await t.db.query<{ password: string }>(
      "SELECT a.password FROM auth_account a JOIN auth_user u ON u.id = a.user_id WHERE u.username = 'wes'",
    );
    expect(after.password).toBe(before.password);
  });
});

describe.each(backends())('the first lead from IU_ADMIN_PASSWORD on $name', (backend) => {
  const t = useTestDatabase(backend);

  it('refuses a weak IU_ADMIN_PASSWORD with a sentence, makes no account, then takes a strong one', async () => {
    const weak = bootstrapLead(t.db, { IU_ADMIN_PASSWORD: 'aaaaaaaaaa' });
    await expect(weak).rejects.toBeInstanceOf(UserAdminError);
    await expect(bootstrapLead(t.db, { IU_ADMIN_PASSWORD: 'aaaaaaaaaa' })).rejects.toThrow(
      /IU_ADMIN_PASSWORD was refused and no account was made: .*too easy to guess.*unset IU_ADMIN_PASSWORD to get a one-time password/,
    );
    expect(await count(t.db, 'auth_user')).toBe(0);
    expect(await bootstrapLead(t.db, { IU_ADMIN_PASSWORD: 'e2e-admin-password-1' })).toEqual({
      created: true,
      username: 'admin',
    });
    expect(await count(t.db, "auth_user WHERE username = 'admin' AND role = 'lead' AND NOT must_change_password")).toBe(
      1,
    );
  });
});
