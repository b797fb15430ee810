import { DecodeError } from './decode-error.ts';

/** A text-format problem, with the 1-based line it is on. */
export class TextFormatError extends DecodeError {
  readonly line: number;

  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

const NAME_START = /[a-zA-Z_:]/;
const NAME_CHAR = /[a-zA-Z0-9_:]/;

/** A cursor over one line of the Prometheus text or OpenMetrics format. */
export class LineScanner {
  pos = 0;

  constructor(
    readonly text: string,
    readonly line: number,
    readonly openMetrics: boolean,
  ) {}

  fail(message: string): never {
    throw new TextFormatError(this.line, message);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  /** Skips blanks; says whether there were any. */
  spaces(): boolean {
    const start = this.pos;
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
    return this.pos > start;
  }

  expect(char: string, what: string): void {
    if (this.peek() !== char) this.fail(`expected ${what}, found ${this.describe()}`);
    this.pos++;
  }

  describe(): string {
    return this.atEnd() ? 'the end of the line' : `"${this.text.slice(this.pos, this.pos + 12)}"`;
  }

  /** A bare name ([a-zA-Z_:][a-zA-Z0-9_:]*), or '' if none starts here. */
  bareName(): string {
    const start = this.pos;
    if (!NAME_START.test(this.peek())) return '';
    this.pos++;
    while (NAME_CHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** A name, bare or quoted ("my.metric", for UTF-8 names). */
  name(what: string): string {
    if (this.peek() === '"') return this.quoted(what);
    const name = this.bareName();
    if (name === '') this.fail(`expected ${what}, found ${this.describe()}`);
    return name;
  }

  /**
   * A double-quoted string with `\\`, `\"` and `\n` escapes. Other escapes are an error in
   * OpenMetrics; the 0.0.4 format keeps them as written, as Prometheus does.
   */
  quoted(what: string): string {
    this.expect('"', `${what} in double quotes`);
    let out = '';
    let chunk = this.pos;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail(`${what} has no closing quote`);
      if (c === '"') {
        out += this.text.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c === '\\') {
        out += this.text.slice(chunk, this.pos);
        const next = this.text[this.pos + 1];
        if (next === '\\' || next === '"') out += next;
        else if (next === 'n') out += '\n';
        else if (this.openMetrics || next === undefined)
          this.fail(`invalid escape "\\${next ?? ''}" in ${what}`);
        else out += `\\${next}`;
        this.pos += 2;
        chunk = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  /** The next run of non-blank characters. */
  token(): string {
    const start = this.pos;
    while (!this.atEnd() && this.peek() !== ' ' && this.peek() !== '\t') this.pos++;
    return this.text.slice(start, this.pos);
  }

  rest(): string {
    const rest = this.text.slice(this.pos);
    this.pos = this.text.length;
    return rest;
  }
}

const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A sample value as Go's ParseFloat reads it in both formats: decimals, NaN, ±Inf. */
export function parseSampleValue(token: string): number | undefined {
  if (FLOAT.test(token)) return Number(token);
  const lower = token.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf' || lower === '+infinity' || lower === 'infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  return undefined;
}

/**
 * A timestamp → unix ms. 0.0.4: integer milliseconds. OpenMetrics: seconds, possibly with a
 * fraction, converted from the decimal text so that 1520879607.789 is exactly …789 ms.
 */
export function parseTimestamp(token: string, openMetrics: boolean): number | undefined {
  if (!openMetrics) return /^-?\d+$/.test(token) ? Number(token) : undefined;
  const plain = /^(-?)(\d+)(?:\.(\d*))?$/.exec(token);
  if (plain) {
    const [, sign, whole, fraction = ''] = plain;
    const ms = Number(whole) * 1000 + Number(`${fraction}000`.slice(0, 3));
    return sign === '-' ? -ms : ms;
  }
  if (!FLOAT.test(token)) return undefined;
  return Math.round(Number(token) * 1000);
}
