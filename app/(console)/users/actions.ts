'use server';

import { revalidatePath } from 'next/cache';
import { addUserDefinition, resetPasswordDefinition, setDisabledDefinition, setRoleDefinition } from '@/lib/auth/user-actions';
import { authorizedAction } from '@/lib/server/auth';

const add = authorizedAction(addUserDefinition);
const role = authorizedAction(setRoleDefinition);
const disabled = authorizedAction(setDisabledDefinition);
const reset = authorizedAction(resetPasswordDefinition);

/** Lead only: add a user with a role and a one-time password shown once. */
export async function addUserAction(prev: unknown, form: FormData) {
  const r = await add(prev, form);
  revalidatePath('/users');
  return r;
}
/** Lead only: set (or clear) a user's role. */
export async function setUserRoleAction(prev: unknown, form: FormData) {
  const r = await role(prev, form);
  revalidatePath('/users');
  return r;
}
/** Lead only: disable (signs them out) or enable a user. */
export async function setUserDisabledAction(prev: unknown, form: FormData) {
  const r = await disabled(prev, form);
  revalidatePath('/users');
  return r;
}
/** Lead only: give a user a new one-time password. */
export async function resetUserPasswordAction(prev: unknown, form: FormData) {
  const r = await reset(prev, form);
  revalidatePath('/users');
  return r;
}
