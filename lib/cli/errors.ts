// The command line's exit codes and its closed-stdout rule; its error sentence is describeError (lib/errors.ts).

/** Exit codes of scripts/iu.ts and scripts/db.ts. */
export const EXIT = {
  ok: 0,
  /** Something unexpected: a connection failure, a bug, a broken migration. */
  error: 1,
  /** The engine refused (a status other than ok), bad input included. */
  refused: 2,
} as const;

/**
 * `npm run iu -- status | head` closes stdout early; without a handler Node dies on EPIPE
 * before the database is closed. Later writes are simply dropped.
 */
export function ignoreClosedStdout(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}
