/** Text made safe to place in HTML: element content and quoted attribute values alike. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Markup that is already escaped; `html` inserts it as is. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * A template tag that escapes every interpolated value unless it is SafeHtml (another `html` result);
 * arrays are joined. Everything a user wrote (check names, reasons) goes through it.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value];
    out += parts
      .map((part) =>
        part instanceof SafeHtml ? part.text : part === null || part === undefined ? '' : escapeHtml(part),
      )
      .join('');
    out += strings[i + 1] ?? '';
  });
  return new SafeHtml(out);
}
