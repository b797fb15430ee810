/**
 * How deep a JSON text nests, measured without parsing it: brackets outside strings. JSON.parse
 * itself copes with any depth, but the conversions after it recurse on nested attribute values
 * (AnyValue's arrayValue/kvlistValue), so a body nested 100,000 deep is refused before them.
 * Returns the offset where `maxDepth` is first passed, or undefined when it never is.
 */
export function jsonDepthOverflow(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}
