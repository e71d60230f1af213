// What a job's end allows, shared by the server and the job page (no server imports here).

/** Who a drain's cancel is recorded as. */
export const SHUTDOWN_CANCEL_BY = 'shutdown';

/** Whether a job ended without writing anything because its run was cut short (not by a person). */
export function canRunAgain(job: { status: string; message: string | null }): boolean {
  return (
    job.status === 'interrupted' ||
    (job.status === 'cancelled' && !!job.message?.startsWith(`Cancelled by ${SHUTDOWN_CANCEL_BY}`))
  );
}
