/**
 * How deep a JSON text nests, measured without parsing it: brackets outside strings. JSON.parse
 * itself copes with any depth, but the conversions after it recurse on nested attribute values
 * (AnyValue's arrayValue/kvlistValue), so a body nested 100,000 deep is refused before them.
 * Returns the offset where `maxDepth` is first passed, or undefined when it never is.
 */
export function jsonDepthOverflow(text: string, maxDepth: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Most of an OTLP body is strings: each is passed over by a native search for its end.
      i = closingQuote(text, i);
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Where the string opened at `open` ends: its first quote not escaped, or the text's end. */
function closingQuote(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close !== -1) {
    // Escaped when an odd number of backslashes come right before it (the opening quote stops the count).
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return close;
    close = text.indexOf('"', close + 1);
  }
  return text.length;
}
