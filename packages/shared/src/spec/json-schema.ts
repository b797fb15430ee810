import { z } from 'zod';
import { rolloutSpecInputSchema } from './schema.ts';

/**
 * The JSON Schema of a spec as written (the input side: fields with defaults are optional), for
 * editors and for validators in other languages. Cross-field rules are beyond JSON Schema; the
 * zod schema enforces them.
 */
export function rolloutJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(rolloutSpecInputSchema, { io: 'input', target: 'draft-2020-12' });
}

/** Every field name the spec knows, for "did you mean" hints on unknown fields. */
export function knownFieldNames(): readonly string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && typeof value === 'object' && value !== null) {
        for (const name of Object.keys(value)) names.add(name);
      }
      visit(value);
    }
  };
  visit(rolloutJsonSchema());
  return [...names].sort();
}

/** The committed file's exact text: `pnpm gen:schema` writes it, a test compares it. */
export function rolloutJsonSchemaText(): string {
  return `${JSON.stringify(rolloutJsonSchema(), null, 2)}\n`;
}
