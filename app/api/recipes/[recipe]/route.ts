import { httpStatusOf } from '@/lib/http/status';
import { readJsonBody } from '@/lib/http/json-body';
import { RECIPE_SLUGS, isRecipeSlug } from '@/lib/recipes/catalog';
import { loadDefinition } from '@/lib/recipes/load-definition';
import { runAuthorizedForRequest } from '@/lib/server/auth';

export const dynamic = 'force-dynamic';

// The same wrapped actions the pages use, for scripts: POST a JSON body with the session cookie.
// A preview answers with `plan: {id, …}`; the live or durable step sends the same parameters
// with `planId`, a `reason` and the typed `confirmText`, and runs only if that plan is the
// caller's own, unexpired, unused and its effect still holds (plan_required, plan_expired,
// plan_used, plan_stale otherwise).
// Instantiate: POST {eventId, eventType, templateCollectionId, uniqueSuffix, note?, runTag?,
// emitMode: 'dry_run', preview: true} first, then the same with emitMode 'live', preview false,
// planId, reason and confirmText 'inst:<template collection_key>/<uniqueSuffix>'. emitMode
// 'dry_run' with preview false and a planId keeps the dryrun: instance (it needs a reason too).
// Compose: POST {family, title, label, pieces, previousCollectionId?, …, preview: true}, then the
// same with preview false, planId, reason and confirmText 'tpl:<family>/v<n>' (the plan's key).
// Close all gates: {preview: true}, then {planId, reason, confirmText: 'close all gates'}.

export async function POST(req: Request, { params }: { params: Promise<{ recipe: string }> }) {
  const { recipe } = await params;
  // an own key only: `constructor` and friends are on every object's prototype
  if (!isRecipeSlug(recipe)) {
    return Response.json(
      { error: `There is no recipe called ${recipe.slice(0, 80)}; the recipes are ${RECIPE_SLUGS.join(', ')}.` },
      { status: 404 },
    );
  }
  const body = await readJsonBody(req);
  // each definition has its own input type; the wrapper validates the body against it
  const r = await runAuthorizedForRequest(await loadDefinition(recipe), req, body);
  return Response.json(r, { status: httpStatusOf(r) });
}
