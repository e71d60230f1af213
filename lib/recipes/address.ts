// The runbook's canonical-address convention, kept free of database imports so the browser
// (the compose wizard) suggests addresses with the same function the engine and seed use.

/** Suggested canonical address, after the runbook's convention. */
export function suggestAddress(macro: string, family: string, version: number, pieceName: string): string {
  const slug = (s: string) =>
    s
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '');
  return `iu_core/template/${slug(macro) || 'doc'}/${slug(family.replace(/^tpl:/, ''))}-v${version}/${slug(pieceName) || 'piece'}`;
}
