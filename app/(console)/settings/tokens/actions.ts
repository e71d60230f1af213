'use server';

import { revalidatePath } from 'next/cache';
import { tokenCreateDefinition, tokenRevokeDefinition } from '@/lib/auth/token-actions';
import { authorizedAction } from '@/lib/server/auth';

const create = authorizedAction(tokenCreateDefinition);
const revoke = authorizedAction(tokenRevokeDefinition);

/** Any person with a role: make an API token of their own (shown once). */
export async function createTokenAction(_prev: unknown, form: FormData) {
  const r = await create(form);
  revalidatePath('/settings/tokens');
  return r;
}

/** Revoke one of one's own tokens; the next request with it is refused. */
export async function revokeTokenAction(_prev: unknown, form: FormData) {
  const r = await revoke(form);
  revalidatePath('/settings/tokens');
  return r;
}
