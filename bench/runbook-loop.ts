// The runbook's bulk loop, run through the real psql binary: the baseline both bulk
// benchmarks compare with, on the same database in the same run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs the runbook's DO-loop for N live instances and returns the wall time in ms. It is
 * verbatim but for lpad's width: lpad(i, 3) cuts 1000 to "100" and would collide, so the
 * suffix is padded to the width of N, as the engine does. `notices: false` cuts the
 * per-item RAISE NOTICE (a variant that only counts). `sessionTimed: true` returns the time
 * from the first statement to the COMMIT on the server's clock instead of the process's wall
 * time, so psql's start and connection (the engine reuses a warm pool) stay out of it.
 */
export function psqlLoop(opts: {
  url: string;
  n: number;
  templateKey: string;
  prefix: string;
  batch: string;
  actor: string;
  notices: boolean;
  sessionTimed?: boolean;
}): number {
  const { url, n, templateKey, prefix, batch, actor, notices, sessionTimed } = opts;
  const width = Math.max(3, String(n).length);
  const file = path.join(os.tmpdir(), `iu-bench-${process.pid}-${batch}.sql`);
  fs.writeFileSync(
    file,
    `${sessionTimed ? 'SELECT extract(epoch FROM clock_timestamp()) AS iu_bench_t0 \\gset\n' : ''}BEGIN;
UPDATE dot_config SET value='true' WHERE key='iu_core.composer_enabled';
UPDATE dot_config SET value='true' WHERE key='iu_core.auto_instantiate_enabled';

DO $$
DECLARE i int; v_result jsonb;${notices ? '' : ' okc int := 0;'}
BEGIN
    FOR i IN 1..${n} LOOP
        v_result := fn_iu_auto_instantiate_from_event(
            ('${prefix}' || lpad(i::text, 12, '0'))::uuid,
            'template.published',
            (SELECT id FROM iu_piece_collection WHERE collection_key='${templateKey}'),
            '${batch}-' || lpad(i::text, ${width}, '0'),
            'live', '${actor}');
        ${notices ? "RAISE NOTICE 'bulk #% -> %', i, v_result->>'status';" : "IF v_result->>'status' = 'ok' THEN okc := okc + 1; END IF;"}
    END LOOP;
    ${notices ? '' : "RAISE NOTICE 'ok count %', okc;"}
END;
$$;

UPDATE dot_config SET value='false' WHERE key='iu_core.composer_enabled';
UPDATE dot_config SET value='false' WHERE key='iu_core.auto_instantiate_enabled';
COMMIT;
${sessionTimed ? 'SELECT round((extract(epoch FROM clock_timestamp()) - :iu_bench_t0) * 1000, 3) AS iu_bench_ms \\gset\n\\echo iu-bench-ms :iu_bench_ms\n' : ''}`,
  );
  const t0 = performance.now();
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  fs.rmSync(file, { force: true });
  if (r.status !== 0) throw new Error(`psql loop failed: ${r.stderr || r.error}`);
  const ok = notices ? (r.stderr.match(/-> ok$/gm) ?? []).length : Number(/ok count (\d+)/.exec(r.stderr)?.[1]);
  if (ok !== n) throw new Error(`psql loop made ${ok} ok instances, expected ${n}`);
  if (sessionTimed) {
    const inSession = Number(/iu-bench-ms ([\d.]+)/.exec(r.stdout)?.[1]);
    if (!Number.isFinite(inSession)) throw new Error('psql loop printed no session time');
    return inSession;
  }
  return ms;
}
