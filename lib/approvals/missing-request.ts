// An apply or a re-check that names no approval request there is (an unknown number, or no
// number at all) is refused through the wrapper like every other refusal: a signed-out caller
// is told to sign in, a viewer that the role is too low, a bad id what an id looks like, and an
// unknown one that there is no such request; each but the first is one audit row
// (`approval_apply` / `approval_recheck`) with who asked and the id they sent. Nothing else runs.
import { z } from 'zod';
import { reasonField, type ActionDefinition } from '@/lib/auth/action-types';
import { idField } from './schemas';

const missingRequestInput = z.object({ requestId: idField('request'), reason: reasonField });

export type MissingRequestStep = 'approval_apply' | 'approval_recheck';

/** The sentence for an approval request number that names no request. */
export const noSuchRequest = (id: number | string) =>
  `There is no approval request #${id}; check the number on /approvals.`;

export function missingRequestDefinition(
  name: MissingRequestStep,
): ActionDefinition<typeof missingRequestInput, never> {
  return {
    name,
    // the lowest role that applies or re-checks a request: the policy's approvers and requesters
    role: 'operator',
    input: missingRequestInput,
    mode: () => (name === 'approval_recheck' ? 'preview' : 'admin'),
    run: async (_ctx, v) => ({
      ok: false,
      status: 'not_found',
      committed: false,
      message: noSuchRequest(v.requestId),
    }),
  };
}
