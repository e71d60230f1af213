'use server';

import { revalidatePath } from 'next/cache';
import {
  addUserDefinition,
  resetPasswordDefinition,
  setDisabledDefinition,
  setRoleDefinition,
} from '@/lib/auth/user-actions';
import { authorizedAction } from '@/lib/server/auth';

const add = authorizedAction(addUserDefinition);
const role = authorizedAction(setRoleDefinition);
const disabled = authorizedAction(setDisabledDefinition);
const reset = authorizedAction(resetPasswordDefinition);

/** Lead only: add a user with a role and a one-time password shown once. */
export async function addUserAction(_prev: unknown, form: FormData) {
  const r = await add(form);
  revalidatePath('/users');
  return r;
}
/** Lead only: set (or clear) a user's role. */
export async function setUserRoleAction(_prev: unknown, form: FormData) {
  const r = await role(form);
  revalidatePath('/users');
  return r;
}
/** Lead only: disable (signs them out) or enable a user. */
export async function setUserDisabledAction(_prev: unknown, form: FormData) {
  const r = await disabled(form);
  revalidatePath('/users');
  return r;
}
/** Lead only: give a user a new one-time password. */
export async function resetUserPasswordAction(_prev: unknown, form: FormData) {
  const r = await reset(form);
  revalidatePath('/users');
  return r;
}
