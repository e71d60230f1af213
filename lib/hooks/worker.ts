// The webhook delivery loop, one per console process that works jobs: every
// IU_WEBHOOK_POLL_MS (1000) it posts the due deliveries (lib/hooks/deliver.ts), and once a
// minute it looks at the iu_core gates so a leak is told even when no page is open. The same
// loop on PGlite and PostgreSQL: the outbox table is the queue, SKIP LOCKED shares it between
// processes, and a `kick` (the Send test button) starts a round at once.
import type { Database } from '@/db/client';
import { processSingleton } from '@/lib/process-singleton';
import { log } from '@/lib/log/logger';
import { describeForLog } from '@/lib/log/redact';
import { deliverDue } from './deliver';
import { noteGateLeaks } from './gate-leak';

interface Loop {
  kick(): void;
  stop(): Promise<void>;
}

const state = () => processSingleton<{ loop: Loop | null }>('webhook-loop', () => ({ loop: null }));

/** Starts the loop over `db` (once per process; a second call returns the first loop). */
export function startWebhookDeliveries(db: Database): Loop {
  const s = state();
  if (s.loop) return s.loop;
  const pollMs = Math.max(50, Number(process.env.IU_WEBHOOK_POLL_MS) || 1000);
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let lastGateLook = 0;
  const round = async () => {
    try {
      if (Date.now() - lastGateLook > 60_000) {
        lastGateLook = Date.now();
        await noteGateLeaks(db);
      }
      // keep going while rounds are full, so a backlog drains without waiting for the timer
      while (!stopped && (await deliverDue(db)) === 10);
    } catch (err) {
      log().warn({ err: describeForLog(err) }, 'webhook delivery round failed; the next round tries again');
    }
  };
  const tick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = round().finally(() => {
      running = null;
      if (again) {
        again = false;
        tick();
      }
    });
  };
  const timer = setInterval(tick, pollMs);
  timer.unref();
  const loop: Loop = {
    kick: tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      state().loop = null;
    },
  };
  s.loop = loop;
  tick();
  return loop;
}

/** Starts a round now in this process's loop, if it has one (else the next worker round delivers). */
export function kickWebhookDeliveries(): void {
  state().loop?.kick();
}
