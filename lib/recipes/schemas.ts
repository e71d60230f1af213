// Input schemas for every recipe. Forms, server actions and the CLI validate with these
// before anything reaches the database, so bad input writes nothing.
import { z } from 'zod';

// Before any schema is built: zod otherwise probes `new Function` to compile object parsers,
// which the console's CSP (no 'unsafe-eval') reports as a violation in the browser (the bulk
// form parses with these schemas). The interpreted parser is fast enough for forms.
z.config({ jitless: true });

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const SUFFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A user name, the first part of every actor string. */
export const USER_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** A run tag, the optional second part: `<user>:<tag>`. */
export const RUN_TAG_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/;
/** The runbook's event-id prefix: `25000b00-` (expanded with 0000-4000-8000-) or all 24 characters. */
export const SHORT_PREFIX_RE = /^[0-9a-f]{8}-$/i;
export const FULL_PREFIX_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-$/i;

export const DEFAULT_BULK_MAX = 10_000;

/** The bulk cap, from IU_BULK_MAX or 10,000. */
export function bulkMax(): number {
  const n = Number(process.env.IU_BULK_MAX);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_BULK_MAX;
}

const text = (what: string, max = 200) =>
  z
    .string({ error: `${what} is required.` })
    .trim()
    .min(1, `${what} is required.`)
    .max(max, `${what} is at most ${max} characters.`)
    .refine(
      (s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s),
      `${what} contains control characters; remove them.`,
    );

const optionalText = (what: string, max = 2000) =>
  z
    .string()
    .max(max, `${what} is at most ${max} characters.`)
    .refine(
      (s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s),
      `${what} contains control characters; remove them.`,
    )
    .optional()
    .transform((s) => (s && s.trim() ? s.trim() : undefined));

export const uuidField = (what: string) =>
  z
    .string({ error: `${what} is required.` })
    .trim()
    .regex(UUID_RE, `${what} must be a UUID such as 25000b00-0000-4000-8000-000000000001.`)
    .transform((s) => s.toLowerCase());

export const userSchema = z
  .string()
  .regex(USER_RE, 'The user name must be letters, digits, dot, dash, underscore or @ (at most 64).');
export const runTagSchema = z
  .string()
  .trim()
  .regex(
    RUN_TAG_RE,
    'The run tag must start with a letter or digit and use only letters, digits, dot, dash or underscore (at most 48).',
  )
  .optional()
  .or(z.literal('').transform(() => undefined));

export const familySchema = z
  .string({ error: 'The template family is required.' })
  .trim()
  .transform((s) => s.replace(/^tpl:/, ''))
  .pipe(
    z
      .string()
      .regex(
        NAME_RE,
        'The family name must start with a letter or digit and use only letters, digits, dot, dash or underscore (tpl: is added for you).',
      )
      .max(80, 'The family name is at most 80 characters.'),
  );

export const newPieceSchema = z.object({
  canonicalAddress: text('The canonical address', 300).refine(
    (s) => !/\s/.test(s),
    'The canonical address may not contain spaces; use iu_core/template/<macro>/<family>-v<n>/<piece-name>.',
  ),
  title: text('The piece title', 300),
  body: text('The piece body', 100_000),
  unitKind: text('The unit kind', 80).default('design_doc_section'),
  sectionType: text('The section type', 80).default('section'),
});

export const pieceSchema = z.union([
  z.object({ role: text('The role', 80), iuId: uuidField('The reused piece id') }).strict(),
  z.object({ role: text('The role', 80), newPiece: newPieceSchema }).strict(),
]);

export const composeInputSchema = z
  .object({
    family: familySchema,
    kind: text('The kind', 80).default('design_doc'),
    title: text('The title', 300),
    description: optionalText('The description'),
    pieces: z.array(pieceSchema).min(1, 'Add at least one piece.').max(500, 'At most 500 pieces.'),
    label: text('The template label', 200),
    note: optionalText('The note'),
    /** Only for a family whose v1 exists but was never registered. */
    previousCollectionId: uuidField('The previous version id').optional(),
  })
  .superRefine((v, ctx) => {
    const roles = new Set<string>();
    const ids = new Set<string>();
    v.pieces.forEach((p, i) => {
      if (roles.has(p.role))
        ctx.addIssue({
          code: 'custom',
          path: ['pieces', i, 'role'],
          message: `The role "${p.role}" is used twice; each role appears once.`,
        });
      roles.add(p.role);
      if ('iuId' in p) {
        if (ids.has(p.iuId))
          ctx.addIssue({
            code: 'custom',
            path: ['pieces', i, 'iuId'],
            message: 'The same piece is reused twice; keep it once.',
          });
        ids.add(p.iuId);
      }
    });
  });

export const instantiateInputSchema = z.object({
  eventId: uuidField('The event id'),
  eventType: text('The event type', 120),
  templateCollectionId: uuidField('The template id'),
  uniqueSuffix: z
    .string({ error: 'The unique suffix is required.' })
    .trim()
    .regex(
      SUFFIX_RE,
      'The unique suffix must start with a letter or digit and use only letters, digits, dot, dash or underscore (at most 64).',
    ),
  emitMode: z.enum(['dry_run', 'live'], { error: 'The mode must be dry_run or live.' }),
  note: optionalText('The note'),
});

export const batchTagSchema = z
  .string({ error: 'The batch tag is required.' })
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,50}$/,
    'The batch tag must start with a letter or digit and use only letters, digits, dot, dash or underscore (at most 51).',
  );

export const uuidPrefixSchema = z
  .string({ error: 'The event-id prefix is required.' })
  .trim()
  .refine(
    (s) => SHORT_PREFIX_RE.test(s) || FULL_PREFIX_RE.test(s),
    'The event-id prefix must be hexadecimal (0-9, a-f): eight hex digits and a dash such as 25000b00-, or the full 24 characters 25000b00-0000-4000-8000-. Letters after f, like the k in 25000bk0-, are not hex.',
  )
  .transform((s) => (SHORT_PREFIX_RE.test(s) ? `${s}0000-4000-8000-` : s).toLowerCase());

export const bulkInputSchema = z
  .object({
    templateCollectionId: uuidField('The template id').optional(),
    templateKey: text('The template key', 300).optional(),
    // a JSON number, or the digits a form or the CLI sends; never an array or a boolean,
    // which Number() would quietly read as 5 or 1
    n: z
      .union(
        [
          z.number(),
          z
            .string()
            .trim()
            .regex(/^\d{1,9}$/)
            .transform(Number),
        ],
        { error: 'N must be a whole number.' },
      )
      .pipe(z.number().int('N must be a whole number.').min(1, 'N must be at least 1.')),
    uuidPrefix: uuidPrefixSchema,
    batchTag: batchTagSchema,
    emitMode: z.enum(['dry_run', 'live'], { error: 'The mode must be dry_run or live.' }),
    eventType: text('The event type', 120).default('template.published'),
    note: optionalText('The note'),
  })
  .superRefine((v, ctx) => {
    const max = bulkMax();
    if (v.n > max)
      ctx.addIssue({
        code: 'custom',
        path: ['n'],
        message: `N is at most ${max.toLocaleString('en')} (IU_BULK_MAX); split the run into batches.`,
      });
    if (!v.templateCollectionId && !v.templateKey)
      ctx.addIssue({ code: 'custom', path: ['templateCollectionId'], message: 'Pick a template (by id or key).' });
  });

export const rollbackInputSchema = z.object({
  actor: z
    .string({ error: 'The actor to roll back is required.' })
    .min(1, 'The actor to roll back is required.')
    .max(200, 'The actor is at most 200 characters.')
    .refine((s) => s.trim() !== '', 'The actor to roll back is required.')
    .refine(
      (s) => s === s.trim(),
      'The actor has leading or trailing spaces; actors are matched exactly, so remove them.',
    )
    .refine(
      (s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s),
      'The actor contains control characters; remove them.',
    ),
  dryRun: z.boolean({ error: 'Say whether this is a dry run.' }),
});

export type ComposeInput = z.input<typeof composeInputSchema>;
export type InstantiateInput = z.input<typeof instantiateInputSchema>;
export type BulkInput = z.input<typeof bulkInputSchema>;
export type RollbackInput = z.input<typeof rollbackInputSchema>;
