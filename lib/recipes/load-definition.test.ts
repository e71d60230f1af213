// Every recipe the catalog lists has a folder whose recipe.ts exports its definition, found by
// slug alone (as the JSON route, the console's recipe action, the approvals and the CLI find
// it); and every folder is in the catalog. A catalog line without a folder fails here.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditNameOf, RECIPE_CATALOG, RECIPE_SLUGS } from './catalog';
import { loadDefinition } from './load-definition';

describe('recipe definitions by slug', () => {
  it.each(RECIPE_SLUGS)('finds the definition of %s, named and guarded as its catalog line says', async (slug) => {
    const def = await loadDefinition(slug);
    expect(def.slug).toBe(slug);
    expect(def.name).toBe(auditNameOf(slug));
    expect(def.role).toBe(RECIPE_CATALOG[slug].role);
    expect(typeof def.run).toBe('function');
  });

  it('has a catalog line for every recipe folder, and a folder for every catalog line', () => {
    const here = path.dirname(new URL(import.meta.url).pathname);
    const folders = fs
      .readdirSync(here, { withFileTypes: true })
      .filter((d) => d.isDirectory() && fs.existsSync(path.join(here, d.name, 'recipe.ts')))
      .map((d) => d.name);
    expect(folders.sort()).toEqual([...RECIPE_SLUGS].sort());
  });

  it('fails for a slug without a folder, as a catalog line added before its recipe would', async () => {
    await expect(loadDefinition('archive-template' as never)).rejects.toThrow();
  });
});
