// Compiles server.ts, with the start-up it runs (lib/boot) and everything it imports from the
// project, into ES modules under dist/ (dist/server.mjs and its chunks), which `npm start` runs
// with plain node: under tsx every start compiled the project's TypeScript again.
// Packages stay in node_modules (imported as they are): Next's handlers load the same copies.
// What server.ts imports lazily (the bulk jobs, the demo seed, the first account) becomes
// chunks of their own, loaded only when needed, so a restart loads no more than it serves with.
// `npm run build` runs it after `next build`; scripts/start.sh runs it when dist/ is stale.
//
// A console already running keeps importing its lazy chunks after a rebuild: chunk names carry
// their content's hash and old ones are kept a day, and server.mjs is replaced by a rename, so
// a process starting meanwhile reads either the old file or the new one, never half of one.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const started = Date.now();
const OUT = 'dist';
const r = await build({
  entryPoints: ['server.ts'],
  outdir: OUT,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
});
const written = new Set();
for (const f of r.outputFiles) {
  fs.mkdirSync(path.dirname(f.path), { recursive: true });
  const tmp = `${f.path}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, f.contents);
  fs.renameSync(tmp, f.path);
  written.add(path.resolve(f.path));
}
const chunks = path.resolve(OUT, 'chunks');
for (const name of fs.readdirSync(chunks)) {
  const file = path.join(chunks, name);
  if (!written.has(file) && Date.now() - fs.statSync(file).mtimeMs > 24 * 3600_000) fs.rmSync(file, { force: true });
}
console.log(`Compiled server.ts to ${OUT}/server.mjs in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
