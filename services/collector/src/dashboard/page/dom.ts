/**
 * Building the page's DOM. Text from the API is only ever put in as text nodes or attribute values, never
 * parsed as HTML, so a rollout name or a reason cannot inject markup.
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];

type AttributeValue = string | number | boolean | null | undefined;
type Listener = (event: Event) => void;

/** Attributes by name (`class`, `href`, `data-*`…); `on:click` and the like add a listener. */
export type Attributes = { readonly [name: string]: AttributeValue | Listener };

export function append(el: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An element with attributes and children (strings become text). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(key.slice(3), value);
    else if (key === 'class') el.className = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** An element of the page's shell (shell.ts), which is always there. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
}
