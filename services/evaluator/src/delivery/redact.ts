const marker = '[redacted]';

/** Replaces every occurrence of each secret in `text`; empty and very short values are left alone. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length < 4) continue;
    out = out.split(secret).join(marker);
  }
  return out;
}
