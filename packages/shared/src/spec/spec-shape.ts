import type { CST } from 'yaml';

/** How large a spec's structure may be; bounds what parsing and validating one may cost. */
export interface SpecShapeLimits {
  /** Keys of maps and items of lists, all levels counted (SPEC_MAX_KEYS). */
  readonly maxKeys: number;
  /** Levels of nesting of maps and lists (SPEC_MAX_DEPTH). */
  readonly maxDepth: number;
}

/** A rollout spec has a few hundred keys and 7 levels at most; these leave room for long ones. */
export const DEFAULT_SPEC_SHAPE_LIMITS: SpecShapeLimits = { maxKeys: 5000, maxDepth: 32 };

export interface ShapeViolation {
  readonly message: string;
  /** Offset in the text where the limit was crossed. */
  readonly offset: number;
}

type Token = CST.Token | CST.BlockMap['items'][number]['value'];

function children(token: NonNullable<Token>): { nested: NonNullable<Token>[]; keys: number } {
  switch (token.type) {
    case 'document':
      return { nested: token.value ? [token.value] : [], keys: 0 };
    case 'block-map':
    case 'block-seq':
    case 'flow-collection': {
      const nested: NonNullable<Token>[] = [];
      for (const item of token.items) {
        if ('key' in item && item.key) nested.push(item.key);
        if ('value' in item && item.value) nested.push(item.value);
      }
      return { nested, keys: token.items.length };
    }
    default:
      return { nested: [], keys: 0 };
  }
}

/**
 * Measures a YAML (or JSON) text's keys and nesting from its concrete syntax tree (the tokens of
 * yaml's `Parser`, which it builds without recursion) before anything recursive (composing the
 * document, toJS, zod) touches it: a 5 KB text nested 1,000 levels deep would otherwise exhaust the
 * stack. Linear in the text. The caller composes the same tokens afterwards, so the text is read once.
 */
export function shapeViolation(
  tokens: Iterable<CST.Token>,
  limits: SpecShapeLimits,
): ShapeViolation | undefined {
  let keys = 0;
  for (const document of tokens) {
    const stack: Array<{ token: NonNullable<Token>; depth: number }> = [{ token: document, depth: 0 }];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const { token, depth } = next;
      const offset = 'offset' in token ? token.offset : 0;
      if (depth > limits.maxDepth) {
        return {
          message: `nested deeper than ${limits.maxDepth} levels (SPEC_MAX_DEPTH); a rollout spec needs about 7`,
          offset,
        };
      }
      const { nested, keys: found } = children(token);
      keys += found;
      if (keys > limits.maxKeys) {
        return {
          message: `more than ${limits.maxKeys} keys and list items (SPEC_MAX_KEYS); a rollout spec needs a few hundred`,
          offset,
        };
      }
      const inner = token.type === 'document' ? depth : depth + 1;
      for (const child of nested) stack.push({ token: child, depth: inner });
    }
  }
  return undefined;
}
