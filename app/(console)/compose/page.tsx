import type { Metadata } from 'next';
import Link from 'next/link';
import { ComposeWizard } from '@/components/compose/ComposeWizard';
import { openPage } from '@/components/shell/open-page';
import { PageHeader } from '@/components/shell/PageHeader';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { getComposeBase, listComposeFamilies } from '@/lib/queries/compose';
import { familySchema } from '@/lib/recipes/schemas';
import { runRecipeAction } from '../recipe-action';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'New template version' };

type SP = Promise<Record<string, string | string[] | undefined>>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const field = 'mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm';

export default async function ComposePage({ searchParams }: { searchParams: SP }) {
  const sp = await searchParams;
  const picked = one(sp.family)?.trim() || '';
  const newName = one(sp.newFamily)?.trim() || '';
  // a new family's name is checked here with the recipe's own rule, before any wizard shows
  const newParsed = newName ? familySchema.safeParse(newName) : null;
  const wanted = picked || (newParsed?.success ? `tpl:${newParsed.data}` : '');

  const opened = await openPage({
    title: 'New template version',
    role: 'operator',
    what: 'template families',
    load: async (db) => ({
      families: await listComposeFamilies(db),
      base: wanted ? await getComposeBase(db, wanted) : null,
    }),
  });
  if ('shown' in opened) return opened.shown;
  const { me } = opened;
  const { families, base } = opened.data;
  const isNew = !base && !!newParsed?.success && !picked;

  return (
    <div className="space-y-6">
      <PageHeader
        title="New template version"
        description={`Compose the next version of a template family as ${me.username}: keep, replace or drop the latest version's pieces, add new ones, preview the whole recipe (rolled back), then commit.`}
        meta={
          <Link className="text-sm text-sky-700 underline" href="/templates">
            All templates
          </Link>
        }
      />

      <Card title="1. Family" description="The new version starts from the family's latest version.">
        <form method="get" className="flex flex-wrap items-end gap-3" data-testid="family-picker">
          {/* label and select side by side (not nested), so the select's name is "Family" alone */}
          <div>
            <label htmlFor="compose-family" className="block text-sm font-medium text-slate-700">
              Family
            </label>
            <select id="compose-family" name="family" defaultValue={base?.family ?? ''} className={field}>
              <option value="">— pick a family —</option>
              {families.map((f) => (
                <option key={f.family} value={f.family}>
                  {f.family} (latest {f.latestLabel}
                  {f.registered ? '' : ', not registered yet'})
                </option>
              ))}
            </select>
          </div>
          <span className="pb-2 text-sm text-slate-500">or</span>
          <label className="block text-sm font-medium text-slate-700">
            New family name
            <input
              name="newFamily"
              defaultValue={isNew ? newName : ''}
              placeholder="release-checklist"
              className={field}
            />
          </label>
          <button
            type="submit"
            className="rounded-md bg-slate-900 px-4 py-2 text-sm font-semibold text-white hover:bg-slate-700"
          >
            Start
          </button>
        </form>
        {picked && !base && (
          <Alert tone="warning" title="No such family" className="mt-4" testId="family-unknown">
            <p>{picked} has no version to start from; pick a family from the list, or give a new family&apos;s name.</p>
          </Alert>
        )}
        {newParsed && !newParsed.success && (
          <Alert tone="danger" title="The new family's name was refused" className="mt-4" testId="family-invalid">
            <p>{newParsed.error.issues.map((i) => i.message).join(' ')}</p>
          </Alert>
        )}
      </Card>

      {base && (
        <ComposeWizard key={base.latestCollectionId} family={base.family} base={base} runRecipe={runRecipeAction} />
      )}
      {isNew && <ComposeWizard key={`new-${wanted}`} family={wanted} base={null} runRecipe={runRecipeAction} />}
    </div>
  );
}
