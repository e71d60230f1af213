import Link from 'next/link';
import type { LivePrediction } from '@/lib/recipes/instantiate-from-event/recipe';
import { describeStatus } from '@/lib/recipes/messages';

/**
 * What the dry run's rolled-back live call answered: what a live run of the same parameters
 * does now. This is what the plan binds, so a live run that would do anything else is refused.
 */
export function predictionSentence(p: LivePrediction, liveKey: string | null): string {
  switch (p.status) {
    case 'ok':
      return `A live run would create ${p.instanceCollectionKey ?? liveKey ?? 'a new instance'}.`;
    case 'idempotent_replay':
      return `A live run would replay${p.originalEventLogId != null ? ` #${p.originalEventLogId}` : ' an earlier run'}: nothing new would be made; it returns the existing instance ${p.instanceCollectionKey ?? ''}.`.replace(
        ' .',
        '.',
      );
    case 'instance_collection_key_collision':
      return `A live run would be refused: the key ${liveKey ?? ''} is held by another instance; choose another unique suffix.`.replace(
        '  ',
        ' ',
      );
    default:
      return `A live run would be refused (${p.status}): ${p.message ?? describeStatus(p.status)}`;
  }
}

export function PredictionLine({ p, liveKey }: { p: LivePrediction; liveKey: string | null }) {
  const refused = p.status !== 'ok' && p.status !== 'idempotent_replay';
  const tone =
    p.status === 'ok'
      ? 'border-emerald-300 bg-white'
      : refused
        ? 'border-red-300 bg-red-50 text-red-900'
        : 'border-sky-300 bg-sky-50 text-sky-900';
  const held = p.status === 'instance_collection_key_collision' && liveKey;
  return (
    <div className={`rounded-md border px-3 py-2 text-sm ${tone}`} data-testid="live-prediction" data-status={p.status}>
      <p className="font-medium">{predictionSentence(p, liveKey)}</p>
      {p.status === 'idempotent_replay' && (
        <p className="mt-1 text-xs">
          {p.originalEventLogId != null && (
            <Link className="underline" href={`/events?event=${p.originalEventLogId}`}>
              Event-log row #{p.originalEventLogId}
            </Link>
          )}
          {p.instanceCollectionId && (
            <>
              {' · '}
              <Link className="underline" href={`/instances/${p.instanceCollectionId}`}>
                The existing instance
              </Link>
            </>
          )}
        </p>
      )}
      {held && (
        <p className="mt-1 text-xs">
          <Link
            className="underline"
            href={`/instances/${encodeURIComponent(liveKey)}`}
            data-testid="prediction-holder-link"
          >
            The instance that holds {liveKey}
          </Link>
        </p>
      )}
    </div>
  );
}
