// `iu compose`: the next version of a template family, a preview (a plan) unless --commit.
import fs from 'node:fs';
import type { Command } from 'commander';
import { explainPieceIssues, parsePiecesJson } from '@/lib/cli/pieces';
import { renderCompose } from '@/lib/cli/render';
import { RECIPE_CATALOG } from '../catalog';
import {
  action,
  applyFlags,
  applyInput,
  done,
  notDone,
  runDefinition,
  sameCommand,
  strayPlanFlags,
} from '@/lib/cli/program';
import { definition } from './recipe';

interface ComposeOpts {
  family?: string;
  title?: string;
  label?: string;
  pieces?: string;
  note?: string;
  kind?: string;
  description?: string;
  previous?: string;
  commit?: boolean;
  plan?: string;
  confirm?: string;
  reason?: string;
}

/** Adds this recipe's command to `iu` (scripts/iu.ts calls it for every catalog slug). */
export function register(program: Command): void {
  program
    .command(RECIPE_CATALOG['compose-template-version'].cli)
    .alias('compose-template-version')
    .description('compose the next version of a template family (preview unless --commit)')
    .option('--family <family>', 'template family, e.g. design-review (tpl: is added)')
    .option('--title <title>', 'collection title')
    .option('--label <label>', 'template label')
    .option(
      '--pieces <file.json|->',
      'JSON array of pieces: {"role","iuId"} or {"role","newPiece":{canonicalAddress,title,body,unitKind?,sectionType?}}; - reads stdin',
    )
    .option('--note <note>', 'note stored with the template mark')
    .option('--kind <kind>', 'collection kind (default design_doc)')
    .option('--description <text>', 'collection description')
    .option('--previous <uuid>', 'the unregistered v1 to chain from (only for a family never registered)')
    .option(
      '--commit',
      "apply the preview's plan (with --plan, --confirm <new key>, --reason); without it the run is a preview that rolls back and makes a plan",
    )
    .option('--plan <id>', 'with --commit: the plan (from the preview) to apply')
    .option('--confirm <text>', "with --commit: the new version's key, typed to confirm (tpl:<family>/v<n>)")
    .option('--reason <text>', 'with --commit: why (recorded in the audit trail)')
    .action(
      action<ComposeOpts>('compose', { acts: true }, async (run, o) => {
        const stray = o.commit ? null : strayPlanFlags(run, o, '--commit');
        if (stray !== null) return stray;
        // A pieces problem is reported together with every other field problem: the recipe
        // runs with an empty list (which its schema refuses before any SQL) and the pieces
        // issue replaces the schema's "at least one piece".
        let piecesError: string | null = null;
        let pieces: unknown[] = [];
        if (o.pieces === undefined) {
          piecesError = '--pieces is required (a JSON file, or - for stdin).';
        } else {
          const source = o.pieces === '-' ? 'stdin' : o.pieces;
          let text: string | null = null;
          try {
            text = fs.readFileSync(o.pieces === '-' ? 0 : o.pieces, 'utf8');
          } catch (err) {
            piecesError = `Cannot read the pieces from ${source}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}.`;
          }
          if (text !== null) {
            const parsed = parsePiecesJson(text, source);
            if (parsed.ok) pieces = parsed.pieces;
            else piecesError = parsed.message;
          }
        }
        // a pieces problem leaves the list empty, which the action's schema refuses before any SQL
        const { r, raw } = await runDefinition(run, definition, {
          family: o.family,
          title: o.title,
          label: o.label,
          kind: o.kind,
          description: o.description,
          note: o.note,
          previousCollectionId: o.previous,
          pieces,
          preview: !o.commit,
          ...(o.commit ? applyInput(o) : { reason: o.reason }),
        });
        if (piecesError !== null) {
          if (r.ok) throw new Error('compose ran without pieces'); // the schema requires at least one
          const others = (r.issues ?? []).filter((i) => i.field !== 'pieces');
          const issues = [...others, { field: 'pieces', message: piecesError }];
          return notDone(
            run,
            {
              ...r,
              issues,
              message: `The input was refused and nothing was written: ${issues.map((i) => i.message).join(' ')}`,
            },
            null,
          );
        }
        if (!r.ok) return notDone(run, r.issues ? { ...r, issues: explainPieceIssues(r.issues, pieces) } : r, raw);
        const apply = r.plan
          ? sameCommand(run, {}, ['--commit', ...applyFlags(r.plan.id, r.result.collectionKey, o.reason)])
          : null;
        return done(run, r, { text: renderCompose(r.result, r.committed, { withPlan: !!apply }), apply });
      }),
    );
}
