// One sentence per status: what happened and what to do next. Every surface (console, CLI)
// shows refusals through this mapping.
import { CONSOLE_STATUSES, type ConsoleStatus, type Status } from './types';

export { CONSOLE_STATUSES };

const SENTENCES: Record<Exclude<Status, ConsoleStatus>, string> = {
  ok: 'Done.',
  idempotent_replay:
    'This event was already instantiated from this template in this mode; nothing new was made and the existing instance is returned.',
  invalid_input: 'The input was refused as invalid; correct the fields named and run it again.',
  invalid_emit_mode: 'The mode must be dry_run or live; choose one of them.',
  composer_gate_closed:
    'The composer gate (iu_core.composer_enabled) was closed, so nothing was composed; run the recipe through the console or CLI, which opens it inside the transaction.',
  live_gate_closed:
    'The live gate (iu_core.auto_instantiate_enabled) was closed, so no live instance was made; a live run must open it inside its own transaction, or use dry_run.',
  collection_key_collision:
    'A collection with this key already exists; pick another version or key, or reuse the existing collection.',
  piece_not_found: 'A reused piece does not exist or is retired; pick an active piece or add it as a new piece.',
  canonical_address_collision:
    'A new piece uses a canonical address that is already taken; give the piece a different address.',
  collection_not_found: 'The collection does not exist; check the id, or compose it first.',
  already_marked: 'The collection is already marked as a template; nothing changed.',
  template_not_marked:
    'The collection is not marked as a template (or is an instance); mark it with fn_iu_collection_mark_as_template first, or pick a template.',
  version_conflict:
    'That version is already registered (the sequence number or label is taken, or the collection belongs to another version); compose the next version instead.',
  previous_version_mismatch:
    'The previous version named does not match the chain: version n must point at version n-1 of the same family; pick the latest version as the previous one.',
  template_collection_not_found: 'No template collection has this id; pick a template from the list.',
  template_has_no_active_pieces:
    'The template has no active pieces, so an instance would be empty; compose a new version with active pieces.',
  instance_collection_key_collision:
    'An instance with this key already exists (same template and unique suffix); choose another unique suffix.',
  busy: 'Another recipe is holding the gate right now; wait for it to finish and try again.',
  gate_leak:
    'A gate is open in committed data (a gate leak), so recipes are stopped; a lead must close all gates (npm run iu -- gates --close-all) before anything else runs.',
  substrate_unavailable:
    'Auto-instantiate is not available: migration 033 is not applied (it may have been rolled back); run npm run db:migrate to restore it.',
  cancelled: 'The run was cancelled and everything it did was rolled back; nothing was written.',
  forbidden_gate:
    'The console never opens iu_core.delivery_enabled or iu_core.retention_enabled; these need explicit authority outside the console.',
};

const CONSOLE_SENTENCES: Record<ConsoleStatus, string> = {
  plan_required:
    'A live or destructive step applies a plan: run the preview (or dry run) first, check what it shows, then confirm that plan.',
  plan_expired: 'This plan has expired; run the preview again and confirm the new plan.',
  plan_used: 'This plan was already applied; a plan runs once. Run the preview again for a new plan.',
  plan_stale:
    'What this step would do now differs from what its plan showed, so nothing was written; run the preview again and check it.',
  confirmation_required:
    'The confirmation did not match; type the text the dialog shows exactly (it is case-sensitive), then confirm.',
  denied: 'Your role does not allow this; ask a lead for the role it needs.',
  unauthenticated: 'You are signed out; sign in and try again.',
  error:
    'Something went wrong and nothing was written; the attempt is in the audit trail. Try again, or ask a lead to look at the server log.',
  not_found: 'There is no such thing here; check the link or the id.',
  not_running: 'This job is no longer running; there is nothing to cancel.',
  batch_not_isolated:
    'The substrate rolls back by actor only, and this actor also has instances outside this batch; nothing was rolled back. Roll back by actor on the rollback page (a lead), or give each batch its own run tag.',
  approval_required:
    'This apply needs approval under the approval policy; request approval for its plan, and apply once it is approved.',
  approval_pending: 'The approval request for this plan is still waiting for approvers; nothing was run.',
  approval_rejected: 'The approval request for this plan was rejected; nothing was run.',
  approval_closed: 'This approval request is no longer open (decided, applied or void); nothing was changed.',
};

/** The sentence for a status; unknown statuses still get an honest sentence. */
export function describeStatus(status: string): string {
  return (
    (SENTENCES as Record<string, string>)[status] ??
    (CONSOLE_SENTENCES as Record<string, string>)[status] ??
    `The substrate answered with the unknown status "${status}"; nothing was changed by the console. Report it to a lead.`
  );
}
