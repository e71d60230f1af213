import { z } from 'zod';
import {
  addUserDefinition,
  setDisabledDefinition,
  setRoleActionInput,
  setRoleDefinition,
} from '@/lib/auth/user-actions';
import { httpStatusOf } from '@/lib/http/status';
import { readJsonBody } from '@/lib/http/json-body';
import { runAuthorizedForRequest } from '@/lib/server/auth';

export const dynamic = 'force-dynamic';

// The lead's user administration for scripts and tests, through the same wrapped actions as the
// users page (lib/auth/user-actions.ts): lead only, a reason always, every attempt audited.
// POST {username, role?, reason}: adds a user; the answer's result holds the one-time password.
// PATCH {username, role, reason}: sets (or, with role '' or 'none', clears) a role.
// PATCH {username, disabled: true|false, reason}: disables (signs them out) or enables a user.
// One change per PATCH: a body with both role and disabled is refused, and audited.

const ONE_CHANGE = 'Change the role or the disabled flag, one per request: send role or disabled, not both.';

/** A PATCH that names a role changes the role; the disabled flag must then be absent. */
const setRoleOnly = {
  ...setRoleDefinition,
  input: setRoleActionInput.extend({ disabled: z.never({ error: ONE_CHANGE }).optional() }),
};

export async function POST(req: Request) {
  const r = await runAuthorizedForRequest(addUserDefinition, req, await readJsonBody(req));
  return Response.json(r, { status: httpStatusOf(r) });
}

export async function PATCH(req: Request) {
  const body = await readJsonBody(req);
  const named = (k: string) => typeof body === 'object' && body !== null && Object.hasOwn(body, k);
  // a body that names neither goes to the role change, whose schema asks for a role
  const r =
    named('disabled') && !named('role')
      ? await runAuthorizedForRequest(setDisabledDefinition, req, body)
      : await runAuthorizedForRequest(setRoleOnly, req, body);
  return Response.json(r, { status: httpStatusOf(r) });
}
