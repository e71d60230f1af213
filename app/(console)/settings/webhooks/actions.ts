'use server';

import { revalidatePath } from 'next/cache';
import {
  hookCreateDefinition,
  hookDeleteDefinition,
  hookTestDefinition,
  hookUpdateDefinition,
} from '@/lib/hooks/hook-actions';
import { kickWebhookDeliveries } from '@/lib/hooks/worker';
import { authorizedAction } from '@/lib/server/auth';

const create = authorizedAction(hookCreateDefinition);
const update = authorizedAction(hookUpdateDefinition);
const remove = authorizedAction(hookDeleteDefinition);
const test = authorizedAction(hookTestDefinition);

/** A form's event checkboxes (`event`, one per choice) as the one comma-separated field the action reads. */
function withEvents(form: FormData): FormData {
  if (!form.has('events')) form.set('events', form.getAll('event').join(','));
  form.delete('event');
  return form;
}

/** Lead only: add a webhook; its secret is in the answer, once. */
export async function createHookAction(_prev: unknown, form: FormData) {
  const r = await create(withEvents(form));
  revalidatePath('/settings/webhooks');
  return r;
}

/** Lead only: change a webhook (URL, events, Slack format, enabled, optionally a new secret). */
export async function updateHookAction(_prev: unknown, form: FormData) {
  const r = await update(withEvents(form));
  revalidatePath('/settings/webhooks');
  return r;
}

/** Lead only: delete a webhook and its delivery log. */
export async function deleteHookAction(_prev: unknown, form: FormData) {
  const r = await remove(form);
  revalidatePath('/settings/webhooks');
  return r;
}

/** Lead only: queue a test delivery to an enabled hook and start a delivery round. */
export async function testHookAction(_prev: unknown, form: FormData) {
  const r = await test(form);
  if (r.ok) kickWebhookDeliveries();
  revalidatePath('/settings/webhooks');
  return r;
}
