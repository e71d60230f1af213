// This process's bulk jobs: the runs it holds, its runner id and whether it is draining.
import crypto from 'node:crypto';
import os from 'node:os';
import { processSingleton } from '@/lib/process-singleton';
import type { LiveJob } from './job-model';

export interface JobsState {
  jobs: Map<string, LiveJob>;
  runner: string;
  swept: WeakSet<object>;
  /** Set by the drain: no new run starts in this process. */
  draining: boolean;
  /** Jobs this process recorded and is about to run (PGlite): not interrupted by a sweep meanwhile. */
  pending: Set<string>;
  /**
   * Awaited after each chunk of a run, inside its transaction: unset in the console. Tests hold
   * a run here to read its progress and cancel it part way without racing the clock.
   */
  afterChunk?: (job: LiveJob) => Promise<void>;
}

export function state(): JobsState {
  return processSingleton<JobsState>('bulk-jobs', () => ({
    jobs: new Map(),
    runner: `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString('hex')}`,
    swept: new WeakSet(),
    draining: false,
    pending: new Set(),
  }));
}

/** This process's runner id, recorded on the rows of the jobs it runs. */
export function runnerId(): string {
  return state().runner;
}

/** Whether this process is running a bulk job now (PGlite is then held by its transaction). */
export function anyJobRunning(): boolean {
  for (const j of state().jobs.values()) if (j.status === 'running' || j.status === 'queued') return true;
  return false;
}

/** The drain has begun: readiness answers 503, and no new run starts here. */
export function markDraining(): void {
  state().draining = true;
}

/** Whether this process is draining (readiness answers 503). */
export function isDraining(): boolean {
  return state().draining;
}
