/** Where the page is, from its location hash. */
export type Route =
  | { readonly kind: 'list' }
  | { readonly kind: 'rollout'; readonly name: string }
  | { readonly kind: 'report'; readonly name: string; readonly id: string };

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // a malformed escape: take it as written (the API then says it knows no such rollout)
  }
}

export function routeOf(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decode);
  const [section, name, sub, id] = parts;
  if (section === 'rollouts' && name && sub === 'decisions' && id) return { kind: 'report', name, id };
  if (section === 'rollouts' && name) return { kind: 'rollout', name };
  return { kind: 'list' };
}
